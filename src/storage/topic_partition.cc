#include "storage/topic_partition.h"

#include <charconv>
#include <limits>

namespace sluice::storage {

std::optional<topic_partition> topic_partition::from_dir_name(std::string_view name) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  std::string_view digits = name.substr(dash + 1);
  int64_t p = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (ec != std::errc() || end != digits.data() + digits.size() || p < 0 ||
      p > std::numeric_limits<int32_t>::max())
    return std::nullopt;
  return topic_partition{std::string(name.substr(0, dash)), static_cast<int32_t>(p)};
}

}  // namespace sluice::storage
