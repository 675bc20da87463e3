// A partition's name: topic and partition number, and its folder name "<topic>-<partition>".
// Plain value type.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::storage {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;

  // "<topic>-<partition>", the partition's folder in a log dir.
  std::string dir_name() const { return topic + "-" + std::to_string(partition); }
  // Parses a folder name; the partition number follows the last '-'. nullopt when malformed.
  static std::optional<topic_partition> from_dir_name(std::string_view name);

  friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
  friend bool operator==(const topic_partition&, const topic_partition&) = default;
};

struct topic_partition_hash {
  size_t operator()(const topic_partition& tp) const {
    return std::hash<std::string_view>()(tp.topic) * 31 + static_cast<size_t>(tp.partition);
  }
};

}  // namespace sluice::storage
