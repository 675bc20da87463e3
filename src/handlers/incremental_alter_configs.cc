// IncrementalAlterConfigs (key 44), v0–v1: changes individual configs of a TOPIC or BROKER with SET
// (0), DELETE (1, back to the broker default), APPEND (2) and SUBTRACT (3) — the last two only for
// list-type keys (cleanup.policy, *.replication.throttled.replicas), starting from the topic's
// current value (its override, else the broker default). The resulting override set is validated
// and stored, and the replica manager applies it to the live partitions (retention, segment
// size, cleanup policy...). A BROKER resource (this broker's id, or "" for the cluster-wide
// default) changes the dynamic broker configs the same way (see dynamic_broker_config.h).
// BROKER_LOGGER changes the root log level at runtime (KIP-412). CLIENT_METRICS (KIP-714
// subscriptions) and GROUP (Kafka 4.x group configs) are stored with the client configs.
// validate_only checks without storing; unknown types are INVALID_REQUEST. A resource
// given twice fails both times. Each resource needs ALTER_CONFIGS (topic: on it; broker and
// broker logger: on the cluster), as in Kafka.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <variant>

#include "handlers/broker_services.h"
#include "handlers/config_resources.h"
#include "handlers/registry.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using request_t = protocol::incremental_alter_configs_request;
using resource_t = request_t::alter_configs_resource;

enum class op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// Applies the operations to `overrides` (a topic's overrides, or a broker resource's dynamic
// configs). `current` holds every key's current value and type, for APPEND and SUBTRACT; `kind`
// names the entity in errors ("topic", "broker").
std::variant<cluster::config_map, resource_error> apply(cluster::config_map overrides,
                                                        const std::vector<config_entry>& entries,
                                                        std::string_view kind,
                                                        const resource_t& resource) {
  std::map<std::string, const config_entry*> current;
  for (const auto& e : entries) current.emplace(e.name, &e);

  for (const auto& c : resource.configs) {
    switch (static_cast<op>(c.config_operation)) {
      case op::set:
        overrides[c.name] = *c.value;
        break;
      case op::remove:
        overrides.erase(c.name);
        break;
      case op::append:
      case op::subtract: {
        bool append = static_cast<op>(c.config_operation) == op::append;
        auto it = current.find(c.name);
        if (it == current.end())
          return resource_error{error_code::invalid_config,
                                fmt::format("Unknown {} config name: {}", kind, c.name)};
        if (it->second->value_type != config_entry::type::list)
          return resource_error{error_code::invalid_config,
                                fmt::format("Config value {} is not allowed for config key: {}",
                                            append ? "append" : "subtract", c.name)};
        auto base = overrides.contains(c.name) ? overrides[c.name] : it->second->value.value_or("");
        auto items = split_list(base);
        for (const auto& v : split_list(*c.value)) {
          auto found = std::find(items.begin(), items.end(), v);
          if (append && found == items.end()) items.push_back(v);
          if (!append && found != items.end()) items.erase(found);
        }
        overrides[c.name] = join_list(items);
        break;
      }
      default:
        return invalid_request(
            fmt::format("Unknown alter config operation type {}", c.config_operation));
    }
  }
  return overrides;
}

// BROKER_LOGGER (KIP-412): SET changes the root logger's level at once, for this process only
// (not stored, as in Kafka); DELETE of the root level, APPEND and SUBTRACT are refused. Every
// operation is checked before any is applied.
resource_error change_log_levels(request_context& ctx, const resource_t& resource,
                                 bool validate_only) {
  const auto& name = resource.resource_name;
  if (name.empty()) return invalid_request("Broker id must not be empty");
  if (auto e = check_broker_resource_name(name, ctx.services.settings.broker_id); !e.ok()) return e;
  auto invalid_config = [&](const std::string& why) {
    return resource_error{
        error_code::invalid_config,
        fmt::format("Invalid config value for resource ConfigResource(type=BROKER_LOGGER, "
                    "name='{}'): {}",
                    name, why)};
  };
  for (const auto& c : resource.configs) {
    auto operation = static_cast<op>(c.config_operation);
    if (operation == op::append || operation == op::subtract)
      return invalid_request(
          fmt::format("{} operation is not allowed for the BROKER_LOGGER resource",
                      operation == op::append ? "APPEND" : "SUBTRACT"));
    if (operation != op::set && operation != op::remove)
      return invalid_request(
          fmt::format("Unknown alter config operation type {}", c.config_operation));
    if (c.name != "root") return invalid_config(fmt::format("Logger {} does not exist!", c.name));
    if (operation == op::remove)
      return invalid_request("Removing the log level of the root logger is not allowed");
  }
  std::string before = root_log_level();
  for (const auto& c : resource.configs) {
    std::string level = c.value.value_or("");
    if (!is_log4j_level(level))
      return invalid_config(fmt::format(
          "Cannot set the log level of root to {} as it is not a supported log level. Valid log "
          "levels are {}",
          level, log4j_levels));
  }
  if (validate_only) return {};
  for (const auto& c : resource.configs) set_root_log_level(*c.value);
  spdlog::warn("Log level of the root logger changed from {} to {}", before, root_log_level());
  return {};
}

resource_error alter(request_context& ctx, const resource_t& resource, bool validate_only) {
  std::vector<std::string> names, nulls;
  for (const auto& c : resource.configs) {
    names.push_back(c.name);
    if (!c.value && static_cast<op>(c.config_operation) != op::remove) nulls.push_back(c.name);
  }
  if (auto e = check_config_keys(names, nulls); !e.ok()) return e;

  switch (static_cast<config_resource>(resource.resource_type)) {
    case config_resource::topic: {
      auto edit = [&](const cluster::config_map& current) {
        return apply(current, ctx.services.configs.topic_configs(current), "topic", resource);
      };
      return change_topic_configs(ctx.services, resource.resource_name, edit, validate_only);
    }
    case config_resource::broker: {
      auto e = check_broker_resource_name(resource.resource_name, ctx.services.settings.broker_id);
      if (!e.ok()) return e;
      auto edit = [&](const cluster::config_map& current) {
        return apply(current, ctx.services.configs.broker_configs(), "broker", resource);
      };
      return change_broker_configs(ctx.services, resource.resource_name, edit, validate_only);
    }
    case config_resource::broker_logger:
      return change_log_levels(ctx, resource, validate_only);
    case config_resource::client_metrics: {
      auto edit = [&](const cluster::config_map& current) {
        return apply(current, client_metrics_entries(current), "client metrics", resource);
      };
      return change_client_metrics_configs(ctx.services, resource.resource_name, edit,
                                           validate_only);
    }
    case config_resource::group: {
      auto edit = [&](const cluster::config_map& current) {
        return apply(current, group_config_entries(ctx.services, current), "group", resource);
      };
      return change_group_configs(ctx.services, resource.resource_name, edit, validate_only);
    }
  }
  return invalid_request(fmt::format("Unknown resource type {}", resource.resource_type));
}

}  // namespace

void handle_incremental_alter_configs(request_context& ctx, protocol::reader& body,
                                      responder reply) {
  request_t request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();

  reply.send(answer_each_resource<protocol::incremental_alter_configs_response>(
      request, [&, acl = access(ctx)](const auto& resource) {
        if (auto refused = config_access_refused(
                acl, resource.resource_type, resource.resource_name, acl_operation::alter_configs))
          return *refused;
        return alter(ctx, resource, request.validate_only);
      }));
}

}  // namespace sluice::handlers
