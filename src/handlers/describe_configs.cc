// DescribeConfigs (key 32), v1–v4 (Kafka 4 dropped v0). Resources:
//   TOPIC (2): every topic-level config — the override or the broker default it falls back to —
//     with its source; unknown topic → UNKNOWN_TOPIC_OR_PARTITION, bad name →
//     INVALID_TOPIC_EXCEPTION.
//   BROKER (4): this broker's id → every broker config with its source; "" → the cluster-wide
//     dynamic defaults (DYNAMIC_DEFAULT_BROKER_CONFIG) only; another id → INVALID_REQUEST.
//   BROKER_LOGGER (8): this broker's id → the root log level, as Kafka lists its loggers.
//   CLIENT_METRICS (16): a KIP-714 subscription's three keys, set or default (as Kafka 4.1+).
//   GROUP (32): a group's configs (Kafka 4.x), set or default (coordinator/group_configs.h).
// An unknown resource type fails every resource with INVALID_REQUEST, as in Kafka. Each resource
// needs DESCRIBE_CONFIGS (topic: on it; group: on it; the others: on the cluster), else
// TOPIC_/GROUP_/CLUSTER_AUTHORIZATION_FAILED. Fields follow
// the version: config_source and synonyms (when asked for) from v1, config_type and
// documentation (when asked for) from v3.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <variant>

#include "cluster/topic_name.h"
#include "coordinator/group_configs.h"
#include "handlers/broker_services.h"
#include "handlers/config_resources.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/generated/describe_configs.h"
#include "telemetry/client_telemetry.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using request_t = protocol::describe_configs_request;
using response_t = protocol::describe_configs_response;
using resource_result = response_t::describe_configs_result;
using config_result = resource_result::describe_configs_resource_result;

constexpr int8_t dynamic_broker_logger_source = 6;  // Kafka's DYNAMIC_BROKER_LOGGER_CONFIG

struct options {
  int16_t version;
  bool synonyms;
  bool documentation;
};

config_result to_wire(const config_entry& e, const options& o) {
  config_result c;
  c.name = e.name;
  c.value = e.sensitive ? std::nullopt : e.value;
  c.read_only = e.read_only;
  c.config_source = static_cast<int8_t>(e.from);
  // v0's form of the source (a v0-only field: setting it in later versions cannot be encoded).
  if (o.version == 0) c.is_default = e.from == config_entry::source::default_config;
  c.is_sensitive = e.sensitive;
  if (o.synonyms) {
    for (const auto& s : e.synonyms) {
      auto& w = c.synonyms.emplace_back();
      w.name = s.name;
      w.value = e.sensitive ? std::nullopt : s.value;
      w.source = static_cast<int8_t>(s.from);
    }
  }
  if (o.version >= 3) {
    c.config_type = static_cast<int8_t>(e.value_type);
    c.documentation =
        o.documentation && !e.documentation.empty() ? std::optional(e.documentation) : std::nullopt;
  }
  return c;
}

// Keeps the entries the resource asks for (all when the key list is null or empty).
std::vector<config_entry> filter(std::vector<config_entry> entries,
                                 const request_t::describe_configs_resource& resource) {
  if (!resource.configuration_keys || resource.configuration_keys->empty()) return entries;
  const auto& keys = *resource.configuration_keys;
  std::erase_if(entries, [&](const config_entry& e) {
    return std::find(keys.begin(), keys.end(), e.name) == keys.end();
  });
  return entries;
}

// Kafka's check of a BROKER / BROKER_LOGGER resource name in DescribeConfigs.
std::optional<resource_error> broker_name_error(const std::string& name, int32_t broker_id,
                                                bool empty_allowed) {
  if (name.empty()) {
    if (empty_allowed) return std::nullopt;
    return invalid_request("Broker id must not be empty");
  }
  int32_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size())
    return invalid_request(fmt::format("Broker id must be an integer, but it is: {}", name));
  if (id != broker_id)
    return invalid_request(fmt::format("Unexpected broker id, expected {}{}, but received {}",
                                       broker_id, empty_allowed ? " or empty string" : "", name));
  return std::nullopt;
}

// The configs of one resource, or the error Kafka gives for it.
std::variant<std::vector<config_entry>, resource_error> describe(
    request_context& ctx, const request_t::describe_configs_resource& resource) {
  auto& services = ctx.services;
  const auto& name = resource.resource_name;
  switch (static_cast<config_resource>(resource.resource_type)) {
    case config_resource::topic: {
      if (auto valid = cluster::validate_topic_name(name); !valid)
        return resource_error{error_code::invalid_topic_exception, valid.message()};
      auto topic = services.metadata.topic(name);
      if (!topic) return resource_error{error_code::unknown_topic_or_partition, std::nullopt};
      return services.configs.topic_configs(topic->configs);
    }
    case config_resource::broker:
      if (auto e = broker_name_error(name, services.settings.broker_id, true)) return *e;
      return services.configs.broker_configs(name.empty());
    case config_resource::broker_logger: {
      if (auto e = broker_name_error(name, services.settings.broker_id, false)) return *e;
      config_entry root;
      root.name = "root";
      root.value = root_log_level();
      root.read_only = false;
      return std::vector<config_entry>{root};
    }
    case config_resource::client_metrics:
      if (name.empty())
        return invalid_request("Client metrics subscription name must not be empty");
      if (services.telemetry == nullptr) return std::vector<config_entry>{};
      return client_metrics_entries(services.telemetry->subscription_configs(name));
    case config_resource::group:
      if (name.empty()) return invalid_request("Group name must not be empty");
      if (services.group_configs == nullptr)
        return invalid_request("Group configs are not supported by this broker.");
      return group_config_entries(services, services.group_configs->of(name));
  }
  return invalid_request(fmt::format("Unsupported resource type: {}", resource.resource_type));
}

}  // namespace

void handle_describe_configs(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  request_t request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  options opts{version, request.include_synonyms, version >= 3 && request.include_documentation};

  // Kafka rejects the whole request when any resource has a type it does not know.
  const request_t::describe_configs_resource* unknown = nullptr;
  for (const auto& resource : request.resources)
    if (!unknown && !is_known_config_resource(resource.resource_type)) unknown = &resource;

  const access acl(ctx);
  response_t response;
  for (const auto& resource : request.resources) {
    auto& out = response.results.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    if (unknown != nullptr) {
      out.error_code = code_of(error_code::invalid_request);
      out.error_message = fmt::format("Unexpected resource type {} for resource {}",
                                      unknown->resource_type, unknown->resource_name);
      continue;
    }
    if (auto refused = config_access_refused(acl, resource.resource_type, resource.resource_name,
                                             acl_operation::describe_configs)) {
      out.error_code = refused->wire_code();
      out.error_message = std::nullopt;
      continue;
    }
    auto described = describe(ctx, resource);
    if (auto* e = std::get_if<resource_error>(&described)) {
      out.error_code = e->wire_code();
      if (e->message) out.error_message = e->message;
      continue;
    }
    auto entries = filter(std::move(std::get<std::vector<config_entry>>(described)), resource);
    if (static_cast<config_resource>(resource.resource_type) == config_resource::broker_logger) {
      for (const auto& e : entries) {
        auto c = to_wire(e, opts);
        c.config_source = dynamic_broker_logger_source;
        out.configs.push_back(std::move(c));
      }
      continue;
    }
    for (const auto& e : entries) out.configs.push_back(to_wire(e, opts));
  }
  reply.send(response);
}

}  // namespace sluice::handlers
