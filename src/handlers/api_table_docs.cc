#include "handlers/api_table_docs.h"

#include <fmt/format.h>

#include "handlers/registry.h"
#include "protocol/generated/api_table.h"

namespace sluice::handlers {

std::string render_api_table() {
  auto range = [](int16_t lo, int16_t hi) {
    return lo == hi ? fmt::format("{}", lo) : fmt::format("{}–{}", lo, hi);
  };
  std::string out =
      "| Key | API | Served (advertised in ApiVersions) | Defined by Kafka 3.9 + 4.4 |\n"
      "| ---: | --- | --- | --- |\n";
  for (const protocol::api_info& api : protocol::all_apis()) {
    std::string served = "not served";
    if (const handler_entry* h = find_handler(api.api_key)) {
      served = range(h->min_version, h->max_version);
      if (h->advertised_min) served += fmt::format(" (advertised from {})", *h->advertised_min);
    }
    out += fmt::format("| {} | {} | {} | {} |\n", api.api_key, api.name, served,
                       range(api.min_version, api.max_version));
  }
  return out;
}

}  // namespace sluice::handlers
