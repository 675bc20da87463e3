// AlterConfigs (key 33), v0–v2: Kafka's legacy config API. For a TOPIC it *replaces* the topic's
// overrides with exactly the configs given (keys left out return to the broker defaults); the
// new set is validated as a whole and applied to the live partitions. validate_only checks
// without storing. For a BROKER resource (this broker's id, or "" for the cluster-wide default) it
// replaces the dynamic broker configs the same way; BROKER_LOGGER and unknown types are
// INVALID_REQUEST, as Kafka answers this deprecated API. A resource given twice fails both times.
// Each resource needs ALTER_CONFIGS (topic: on it; broker: on the cluster), as in Kafka.
#include <fmt/format.h>

#include "handlers/broker_services.h"
#include "handlers/config_resources.h"
#include "handlers/registry.h"
#include "protocol/generated/alter_configs.h"

namespace sluice::handlers {

namespace {

using request_t = protocol::alter_configs_request;
using resource_t = request_t::alter_configs_resource;

resource_error alter(request_context& ctx, const resource_t& resource, bool validate_only) {
  std::vector<std::string> names, nulls;
  for (const auto& c : resource.configs) {
    names.push_back(c.name);
    if (!c.value) nulls.push_back(c.name);
  }
  if (auto e = check_config_keys(names, nulls); !e.ok()) return e;

  switch (static_cast<config_resource>(resource.resource_type)) {
    case config_resource::topic: {
      cluster::config_map overrides;
      for (const auto& c : resource.configs) overrides[c.name] = *c.value;
      return change_topic_configs(ctx.services, resource.resource_name,
                                  replace_with(std::move(overrides)), validate_only);
    }
    case config_resource::broker: {
      auto e = check_broker_resource_name(resource.resource_name, ctx.services.settings.broker_id);
      if (!e.ok()) return e;
      cluster::config_map configs;
      for (const auto& c : resource.configs) configs[c.name] = *c.value;
      return change_broker_configs(ctx.services, resource.resource_name,
                                   replace_with(std::move(configs)), validate_only);
    }
    case config_resource::client_metrics: {
      cluster::config_map configs;
      for (const auto& c : resource.configs) configs[c.name] = *c.value;
      return change_client_metrics_configs(ctx.services, resource.resource_name,
                                           replace_with(std::move(configs)), validate_only);
    }
    case config_resource::group: {
      cluster::config_map configs;
      for (const auto& c : resource.configs) configs[c.name] = *c.value;
      return change_group_configs(ctx.services, resource.resource_name,
                                  replace_with(std::move(configs)), validate_only);
    }
    default:
      return invalid_request(fmt::format("Unknown resource type {}", resource.resource_type));
  }
}

}  // namespace

void handle_alter_configs(request_context& ctx, protocol::reader& body, responder reply) {
  request_t request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();

  reply.send(answer_each_resource<protocol::alter_configs_response>(
      request, [&, acl = access(ctx)](const auto& resource) {
        if (auto refused = config_access_refused(
                acl, resource.resource_type, resource.resource_name, acl_operation::alter_configs))
          return *refused;
        return alter(ctx, resource, request.validate_only);
      }));
}

}  // namespace sluice::handlers
