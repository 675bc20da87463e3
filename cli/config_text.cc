// kafka-configs' --add-config parsing and config entry lines.
#include "cli/config_text.h"

#include <fmt/format.h>

#include "cli/tool_support.h"

namespace sluice::cli {

result<std::vector<std::pair<std::string, std::string>>> parse_add_config(std::string_view text) {
  // Split at commas outside brackets.
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      items.push_back(current);
      current.clear();
      continue;
    }
    current += c;
  }
  items.push_back(current);
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& item : items) {
    if (trim(item).empty()) continue;
    // '=' inside brackets belongs to the value (SCRAM-SHA-256=[iterations=8192,password=x]).
    size_t eq = std::string::npos;
    int equals = 0;
    int level = 0;
    for (size_t i = 0; i < item.size(); ++i) {
      if (item[i] == '[') ++level;
      if (item[i] == ']' && level > 0) --level;
      if (item[i] == '=' && level == 0 && equals++ == 0) eq = i;
    }
    if (eq == std::string::npos || equals > 1) {
      return fail(errc::usage,
                  "requirement failed: Invalid entity config: all configs to be added must be in "
                  "the format \"key=val\".");
    }
    std::string key = trim(item.substr(0, eq));
    std::string value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '[' && value.back() == ']') {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string_view config_source_name(int32_t source) {
  switch (source) {
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG:
      return "DYNAMIC_TOPIC_CONFIG";
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG:
      return "DYNAMIC_BROKER_CONFIG";
    case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG:
      return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG:
      return "STATIC_BROKER_CONFIG";
    case RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG:
      return "DEFAULT_CONFIG";
    case 7:
      return "DYNAMIC_CLIENT_METRICS_CONFIG";
    case 8:
      return "DYNAMIC_GROUP_CONFIG";
    default:
      return "UNKNOWN";
  }
}

std::string format_config_entry(const config_entry& entry) {
  std::vector<std::string> synonyms;
  for (const config_entry& s : entry.synonyms) {
    synonyms.push_back(
        fmt::format("{}:{}={}", config_source_name(s.source), s.name, s.value.value_or("null")));
  }
  return fmt::format("  {}={} sensitive={} synonyms={{{}}}\n", entry.name,
                     entry.value.value_or("null"), entry.sensitive, fmt::join(synonyms, ", "));
}

}  // namespace sluice::cli
