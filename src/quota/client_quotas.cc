#include "quota/client_quotas.h"

#include <cstdlib>

namespace sluice::quota {

void client_quotas::update(
    const std::map<std::string, std::map<std::string, std::string>>& configs) {
  for (client_quota_manager* m : {&produce, &fetch, &request}) {
    const std::string key(quota_key(m == &produce ? quota_type::produce
                                    : m == &fetch ? quota_type::fetch
                                                  : quota_type::request));
    std::map<std::string, double> bounds;
    for (const auto& [path, values] : configs) {
      if (!cluster::client_quota_entity::from_path(path)) continue;
      auto it = values.find(key);
      if (it == values.end()) continue;
      char* end = nullptr;
      double v = std::strtod(it->second.c_str(), &end);
      if (end != it->second.c_str()) bounds[path] = v;
    }
    m->set_quotas(bounds);
  }
}

}  // namespace sluice::quota
