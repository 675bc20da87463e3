// Altering topic and broker configs. Topics use IncrementalAlterConfigs, sent over
// raw_connection since librdkafka 2.0.2 lacks it, when the broker supports it; otherwise (and for
// brokers, as Kafka's tool does) AlterConfigs with the current dynamic configs merged in.
#include "cli/config_alter.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/raw_client.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/incremental_alter_configs.h"
#include "protocol/generated/list_config_resources.h"

namespace sluice::cli {

int32_t dynamic_config_source(const std::string& type, const std::string& name) {
  if (type == "topics") return RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
  if (type == "client-metrics") return 7;  // CLIENT_METRICS_CONFIG
  if (type == "groups") return 8;          // GROUP_CONFIG
  return name.empty() ? RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG
                      : RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG;
}

namespace {

constexpr int8_t broker_logger_resource = 8;  // Kafka's ConfigResource.Type.BROKER_LOGGER

constexpr int8_t broker_resource = 4;

constexpr int8_t client_metrics_resource = 16;  // Kafka's ConfigResource.Type.CLIENT_METRICS
constexpr int8_t group_resource = 32;           // Kafka's ConfigResource.Type.GROUP

// DescribeConfigs over the raw client, with synonyms: for what librdkafka 2.0.2 cannot ask (it
// has no BROKER_LOGGER resource type, and crashes on a BROKER resource named "", the cluster-wide
// defaults).
result<std::vector<config_entry>> raw_describe(kafka_client& c, int8_t resource,
                                               const std::string& name, deadline d) {
  auto conn = raw_connection::open_any(c.brokers(), c.properties(), d);
  if (!conn) return std::move(conn).error();
  using protocol::describe_configs_request;
  using protocol::describe_configs_response;
  auto version = conn->pick_version(describe_configs_request::api_key, 1,
                                    describe_configs_request::max_version);
  if (!version) return fail(errc::unsupported, "the broker does not support DescribeConfigs v1+");
  describe_configs_request req;
  req.resources.push_back({resource, name, std::nullopt, {}});
  req.include_synonyms = true;
  auto resp = conn->call<describe_configs_request, describe_configs_response>(req, *version, d);
  if (!resp) return std::move(resp).error();
  std::vector<config_entry> out;
  for (const auto& r : resp->results) {
    if (r.error_code != 0) {
      return fail(errc::broker, kafka_error_message(static_cast<rd_kafka_resp_err_t>(r.error_code),
                                                    r.error_message.value_or(""), name));
    }
    for (const auto& e : r.configs) {
      config_entry ce;
      ce.name = e.name;
      ce.value = e.value;
      ce.source = e.config_source;
      ce.read_only = e.read_only;
      ce.sensitive = e.is_sensitive;
      for (const auto& s : e.synonyms) {
        config_entry synonym;
        synonym.name = s.name;
        synonym.value = s.value;
        synonym.source = s.source;
        ce.synonyms.push_back(std::move(synonym));
      }
      out.push_back(std::move(ce));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const config_entry& a, const config_entry& b) { return a.name < b.name; });
  return out;
}

}  // namespace

// The configs of one entity: all of them, or only those set dynamically.
result<std::vector<config_entry>> entity_configs(kafka_client& c, const std::string& type,
                                                 const std::string& name, bool all, deadline d) {
  if (type == "broker-loggers") return raw_describe(c, broker_logger_resource, name, d);
  if (type == "client-metrics" || type == "groups") {
    auto all_entries =
        raw_describe(c, type == "groups" ? group_resource : client_metrics_resource, name, d);
    if (!all_entries || all) return all_entries;
    std::erase_if(*all_entries, [&](const config_entry& e) {
      return e.source != dynamic_config_source(type, name);
    });
    return all_entries;
  }
  // The cluster-wide defaults: only the broker's answer for "" tells a default apart from a
  // broker's own value for the same key.
  if (type == "brokers" && name.empty()) return raw_describe(c, broker_resource, name, d);
  resource_type rt = type == "topics" ? resource_type::topic : resource_type::broker;
  auto res = describe_configs(c, {{rt, name}}, d);
  if (!res) return std::move(res).error();
  if (res->empty()) return std::vector<config_entry>{};
  const config_resource& r = res->front();
  if (r.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(errc::broker, kafka_error_message(r.error, r.message, name));
  }
  std::vector<config_entry> out;
  for (const config_entry& e : r.entries) {
    if (all || e.source == dynamic_config_source(type, name)) out.push_back(e);
  }
  return out;
}

namespace {

// IncrementalAlterConfigs over the raw client; nullopt when the broker does not support it.
std::optional<result<void>> incremental_alter(
    kafka_client& c, int8_t resource, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::string>& remove, deadline d) {
  auto conn = raw_connection::open_any(c.brokers(), c.properties(), d);
  if (!conn) return result<void>(std::move(conn).error());
  using protocol::incremental_alter_configs_request;
  using protocol::incremental_alter_configs_response;
  auto version = conn->pick_version(incremental_alter_configs_request::api_key, 0,
                                    incremental_alter_configs_request::max_version);
  if (!version) return std::nullopt;
  incremental_alter_configs_request req;
  incremental_alter_configs_request::alter_configs_resource r;
  r.resource_type = resource;
  r.resource_name = name;
  for (const auto& [k, v] : add) r.configs.push_back({k, 0, v, {}});                  // SET
  for (const std::string& k : remove) r.configs.push_back({k, 1, std::nullopt, {}});  // DELETE
  req.resources.push_back(std::move(r));
  auto resp = conn->call<incremental_alter_configs_request, incremental_alter_configs_response>(
      req, *version, d);
  if (!resp) return result<void>(std::move(resp).error());
  for (const auto& rr : resp->responses) {
    if (rr.error_code != 0) {
      return result<void>(
          fail(errc::broker, kafka_error_message(static_cast<rd_kafka_resp_err_t>(rr.error_code),
                                                 rr.error_message.value_or(""), name)));
    }
  }
  return result<void>(ok_v);
}

}  // namespace

result<void> alter_entity_configs(kafka_client& c, const std::string& type, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& add,
                                  const std::vector<std::string>& remove, deadline d) {
  auto current = entity_configs(c, type, name, false, d);
  if (!current) return std::move(current).error();
  std::vector<std::string> invalid;
  for (const std::string& k : remove) {
    bool found = std::any_of(current->begin(), current->end(),
                             [&](const config_entry& e) { return e.name == k; });
    if (!found) invalid.push_back(k);
  }
  if (!invalid.empty()) {
    return fail(errc::invalid_input, fmt::format("Invalid config(s): {}", fmt::join(invalid, ",")));
  }
  if (type == "topics") {
    if (auto r = incremental_alter(c, 2, name, add, remove, d)) return std::move(*r);
  }
  if (type == "client-metrics") return alter_client_metrics(c, name, add, remove, d);
  if (type == "groups") {
    if (auto r = incremental_alter(c, group_resource, name, add, remove, d)) return std::move(*r);
    return fail(errc::unsupported, "the broker does not support IncrementalAlterConfigs");
  }
  if (type == "broker-loggers") {
    if (auto r = incremental_alter(c, broker_logger_resource, name, add, remove, d))
      return std::move(*r);
    return fail(errc::unsupported,
                "Changing log levels needs IncrementalAlterConfigs, which the broker does not "
                "support");
  }
  if (type == "brokers" && name.empty()) {
    // The cluster default cannot go through librdkafka (see entity_configs).
    if (auto r = incremental_alter(c, 4, name, add, remove, d)) return std::move(*r);
    return fail(errc::unsupported,
                "Altering the default broker configs needs IncrementalAlterConfigs, which the "
                "broker does not support");
  }
  // AlterConfigs replaces every dynamic config: send the current ones with the changes.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const config_entry& e : *current) {
    if (std::find(remove.begin(), remove.end(), e.name) != remove.end()) continue;
    if (std::any_of(add.begin(), add.end(), [&](const auto& kv) { return kv.first == e.name; })) {
      continue;
    }
    if (!e.value) {
      return fail(errc::invalid_input,
                  fmt::format("All sensitive broker config entries must be specified for --alter, "
                              "missing entries: Set({})",
                              e.name));
    }
    merged.emplace_back(e.name, *e.value);
  }
  merged.insert(merged.end(), add.begin(), add.end());
  resource_type rt = type == "topics" ? resource_type::topic : resource_type::broker;
  auto r = alter_configs(c, rt, name, merged, d);
  if (!r) return std::move(r).error();
  if (r->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return fail(errc::broker, kafka_error_message(r->error, r->message, name));
  }
  return ok_v;
}

result<std::vector<config_entry>> client_metrics_configs(kafka_client& c, const std::string& name,
                                                         deadline d) {
  return raw_describe(c, client_metrics_resource, name, d);
}

result<void> alter_client_metrics(kafka_client& c, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& add,
                                  const std::vector<std::string>& remove, deadline d) {
  auto done = incremental_alter(c, client_metrics_resource, name, add, remove, d);
  if (!done) return fail(errc::unsupported, "the broker does not support IncrementalAlterConfigs");
  return *done;
}

result<std::vector<std::string>> list_client_metrics(kafka_client& c, deadline d) {
  return list_config_resources(c, client_metrics_resource, d);
}

result<std::vector<std::string>> list_config_resources(kafka_client& c, int8_t type, deadline d) {
  auto conn = raw_connection::open_any(c.brokers(), c.properties(), d);
  if (!conn) return std::move(conn).error();
  using protocol::list_config_resources_request;
  using protocol::list_config_resources_response;
  auto version = conn->pick_version(list_config_resources_request::api_key,
                                    type == client_metrics_resource ? 0 : 1, 1);
  if (!version) return fail(errc::unsupported, "the broker does not list config resources");
  list_config_resources_request req;
  if (*version >= 1) req.resource_types = {type};
  auto resp =
      conn->call<list_config_resources_request, list_config_resources_response>(req, *version, d);
  if (!resp) return std::move(resp).error();
  if (resp->error_code != 0)
    return fail(errc::broker,
                kafka_error_message(static_cast<rd_kafka_resp_err_t>(resp->error_code), ""));
  std::vector<std::string> out;
  for (const auto& r : resp->config_resources) out.push_back(r.resource_name);
  return out;
}

}  // namespace sluice::cli
