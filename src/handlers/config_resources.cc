#include "handlers/config_resources.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <set>

#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"

namespace sluice::handlers {

using protocol::error_code;

bool is_known_config_resource(int8_t type) {
  switch (static_cast<config_resource>(type)) {
    case config_resource::topic:
    case config_resource::broker:
    case config_resource::broker_logger:
    case config_resource::client_metrics:
    case config_resource::group:
      return true;
  }
  return false;
}

resource_error check_broker_resource_name(const std::string& name, int32_t broker_id) {
  if (name.empty()) return {};
  int32_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size())
    return invalid_request(fmt::format("Node id must be an integer, but it is: {}", name));
  if (id != broker_id)
    return invalid_request(
        fmt::format("Unexpected broker id, expected {}, but received {}", broker_id, name));
  return {};
}

std::optional<int32_t> broker_of_resource(const std::string& name) {
  if (name.empty()) return std::nullopt;
  int32_t id = 0;
  std::from_chars(name.data(), name.data() + name.size(), id);
  return id;
}

resource_error replace_broker_configs(broker_services& services, const std::string& name,
                                      const cluster::config_map& configs, bool validate_only) {
  auto broker = broker_of_resource(name);
  if (auto why = services.configs.validate_broker_configs(broker, configs, services.metadata))
    return invalid_request(*why);
  if (validate_only) return {};
  if (auto stored = services.metadata.set_broker_configs(broker, configs); !stored)
    return {to_kafka(stored.code()), stored.message()};
  std::vector<std::string> shown;
  for (const auto& [key, value] : configs) shown.push_back(key + "=" + value);
  spdlog::info("Updated dynamic configs of broker {}: {}", name.empty() ? "<default>" : name,
               shown.empty() ? std::string("none") : fmt::format("{}", fmt::join(shown, ", ")));
  return {};
}

resource_error replace_topic_configs(broker_services& services, const std::string& topic,
                                     const cluster::config_map& overrides, bool validate_only) {
  if (topic.empty()) return invalid_request("Default topic resources are not allowed.");
  if (!services.metadata.topic(topic))
    return {error_code::unknown_topic_or_partition,
            fmt::format("The topic '{}' does not exist.", topic)};
  for (const auto& [key, value] : overrides) {
    if (auto why = services.configs.validate_topic_config(key, value))
      return {error_code::invalid_config, *why};
  }
  if (validate_only) return {};
  auto stored = services.metadata.set_topic_configs(topic, overrides);
  if (!stored) {
    if (stored.code() == cluster::errc::unknown_topic)
      return {error_code::unknown_topic_or_partition,
              fmt::format("The topic '{}' does not exist.", topic)};
    return {to_kafka(stored.code()), stored.message()};
  }
  std::vector<std::string> shown;
  for (const auto& [key, value] : overrides) shown.push_back(key + "=" + value);
  spdlog::info(
      "Updated configs of topic {}: {}", topic,
      shown.empty() ? std::string("no overrides") : fmt::format("{}", fmt::join(shown, ", ")));
  return {};
}

resource_error check_config_keys(const std::vector<std::string>& names,
                                 const std::vector<std::string>& null_valued) {
  std::set<std::string> seen;
  for (const auto& n : names)
    if (!seen.insert(n).second) return invalid_request("Error due to duplicate config keys");
  if (!null_valued.empty())
    return invalid_request(
        fmt::format("Null value not supported for : {}", fmt::join(null_valued, ", ")));
  return {};
}

}  // namespace sluice::handlers
