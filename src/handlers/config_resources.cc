#include "handlers/config_resources.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <charconv>
#include <set>

#include "coordinator/group_configs.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "telemetry/client_telemetry.h"

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

namespace {

std::string describe(const cluster::config_map& configs, const config_provider& provider) {
  if (configs.empty()) return "none";
  std::vector<std::string> shown;
  for (const auto& [key, value] : configs)
    shown.push_back(key + "=" + (provider.is_sensitive(key) ? std::string("[hidden]") : value));
  return fmt::format("{}", fmt::join(shown, ", "));
}

using config_check = std::function<std::optional<resource_error>(const cluster::config_map&)>;
using store_update =
    std::function<cluster::result<void>(const cluster::metadata_store::config_edit&)>;

// What both config changes share: with validate_only, `edit` and `check` run once on `current`;
// otherwise inside `update` (the store's atomic read-modify-write, which may run them again).
// The set written, or the refusal (the edit's or the check's error, else the store's).
std::variant<cluster::config_map, resource_error> run_change(const config_edit& edit,
                                                             const config_check& check,
                                                             const cluster::config_map& current,
                                                             bool validate_only,
                                                             const store_update& update) {
  std::optional<resource_error> refusal;
  cluster::config_map written;
  auto guarded = [&](const cluster::config_map& stored) -> cluster::result<cluster::config_map> {
    refusal.reset();
    auto next = edit(stored);
    if (auto* e = std::get_if<resource_error>(&next)) refusal = *e;
    if (!refusal) refusal = check(std::get<cluster::config_map>(next));
    if (refusal) return fail(cluster::errc::invalid_config, refusal->message.value_or(""));
    written = std::get<cluster::config_map>(std::move(next));
    return written;
  };
  cluster::result<void> result = ok_v;
  if (!validate_only) {
    result = update(guarded);
  } else if (auto dry = guarded(current); !dry) {
    result = std::move(dry).error();
  }
  if (refusal) return *refusal;
  if (!result) return resource_error{to_kafka(result.code()), result.message()};
  return written;
}

}  // namespace

config_edit replace_with(cluster::config_map configs) {
  return [configs = std::move(configs)](const cluster::config_map&) { return configs; };
}

resource_error change_broker_configs(broker_services& services, const std::string& name,
                                     const config_edit& edit, bool validate_only) {
  auto broker = broker_of_resource(name);
  auto check = [&](const cluster::config_map& configs) -> std::optional<resource_error> {
    if (auto why = services.configs.validate_broker_configs(broker, configs, services.metadata))
      return invalid_request(*why);
    return std::nullopt;
  };
  // The new set as it is stored: password values encrypted (password.encoder.secret), as Kafka's
  // DynamicBrokerConfig.toPersistentProps; a refusal is Kafka's ConfigException, INVALID_CONFIG.
  auto stored_edit =
      [&](const cluster::config_map& stored) -> std::variant<cluster::config_map, resource_error> {
    auto next = edit(stored);
    auto* wanted = std::get_if<cluster::config_map>(&next);
    if (wanted == nullptr) return next;
    auto encoded = services.configs.broker_configs_to_store(broker, stored, *wanted);
    if (auto* why = std::get_if<std::string>(&encoded))
      return resource_error{error_code::invalid_config, *why};
    return std::get<cluster::config_map>(std::move(encoded));
  };
  auto outcome =
      run_change(config_edit(stored_edit), check, services.metadata.broker_configs(broker),
                 validate_only, [&](const cluster::metadata_store::config_edit& e) {
                   return services.metadata.update_broker_configs(broker, e);
                 });
  if (auto* refused = std::get_if<resource_error>(&outcome)) return *refused;
  if (!validate_only)
    spdlog::info("Updated dynamic configs of broker {}: {}", name.empty() ? "<default>" : name,
                 describe(std::get<cluster::config_map>(outcome), services.configs));
  return {};
}

resource_error change_client_metrics_configs(broker_services& services, const std::string& name,
                                             const config_edit& edit, bool validate_only) {
  if (name.empty()) return invalid_request("Subscription name can't be empty");
  if (services.telemetry == nullptr)
    return invalid_request("Client metrics are not served by this broker.");
  auto check = [](const cluster::config_map& configs) -> std::optional<resource_error> {
    if (auto refused = telemetry::validate_client_metrics_config(configs))
      return resource_error{refused->code, refused->message};
    return std::nullopt;
  };
  const std::string entity = telemetry::subscription_entity(name);
  auto outcome = run_change(edit, check, services.telemetry->subscription_configs(name),
                            validate_only, [&](const cluster::metadata_store::config_edit& e) {
                              return services.metadata.update_client_configs(entity, e);
                            });
  if (auto* refused = std::get_if<resource_error>(&outcome)) return *refused;
  if (!validate_only) {
    // Read back at once, so this broker answers with what was just written.
    if (auto all = services.metadata.client_configs()) services.telemetry->set_subscriptions(*all);
    spdlog::info("Updated client metrics subscription {}: {}", name,
                 describe(std::get<cluster::config_map>(outcome), services.configs));
  }
  return {};
}

resource_error change_group_configs(broker_services& services, const std::string& group,
                                    const config_edit& edit, bool validate_only) {
  if (group.empty()) return invalid_request("Group name must not be empty");
  if (services.group_configs == nullptr)
    return invalid_request("Group configs are not supported by this broker.");
  auto check = [](const cluster::config_map& configs) -> std::optional<resource_error> {
    if (auto refused = coordinator::validate_group_config(configs))
      return resource_error{refused->code, refused->message};
    return std::nullopt;
  };
  auto outcome = run_change(edit, check, services.group_configs->of(group), validate_only,
                            [&](const cluster::metadata_store::config_edit& e) {
                              return services.metadata.update_client_configs(
                                  coordinator::group_entity(group), e);
                            });
  if (auto* refused = std::get_if<resource_error>(&outcome)) return *refused;
  if (!validate_only) {
    if (auto all = services.metadata.client_configs()) services.group_configs->set_all(*all);
    spdlog::info("Updated configs of group {}: {}", group,
                 describe(std::get<cluster::config_map>(outcome), services.configs));
  }
  return {};
}

std::vector<config_entry> group_config_entries(const broker_services& services,
                                               const cluster::config_map& stored) {
  const auto broker = services.configs.broker_configs();
  std::vector<config_entry> out;
  for (const auto& k : coordinator::group_config_keys()) {
    config_entry e;
    e.name = k.name;
    e.read_only = false;
    e.documentation = k.doc;
    e.value_type = k.type == coordinator::group_config_key::kind::int_ ? config_entry::type::int_
                   : k.type == coordinator::group_config_key::kind::boolean
                       ? config_entry::type::boolean
                       : config_entry::type::string;
    std::optional<std::string> fallback = k.fallback;
    if (k.broker_key != nullptr)
      for (const auto& b : broker)
        if (b.name == k.broker_key) fallback = b.value;
    if (auto it = stored.find(k.name); it != stored.end()) {
      e.value = it->second;
      e.from = config_entry::source::group;
      e.synonyms.push_back({k.name, it->second, config_entry::source::group});
    } else {
      e.value = fallback;
      e.from = config_entry::source::default_config;
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<config_entry> client_metrics_entries(const cluster::config_map& stored) {
  struct key {
    const char* name;
    const char* fallback;
    config_entry::type type;
    const char* doc;
  };
  static const key keys[] = {
      {telemetry::interval_key, "300000", config_entry::type::int_,
       "The interval in milliseconds between pushes of the clients' metrics."},
      {telemetry::match_key, "", config_entry::type::list,
       "The selectors of the clients the subscription is for (name=regex, all must match): "
       "client_instance_id, client_id, client_software_name, client_software_version, "
       "client_source_address, client_source_port. Empty: every client."},
      {telemetry::metrics_key, "", config_entry::type::list,
       "The metric name prefixes the clients push; * for all."},
  };
  std::vector<config_entry> out;
  for (const auto& k : keys) {
    config_entry e;
    e.name = k.name;
    e.read_only = false;
    e.value_type = k.type;
    e.documentation = k.doc;
    auto it = stored.find(k.name);
    if (it != stored.end()) {
      e.value = it->second;
      e.from = config_entry::source::client_metrics;
      e.synonyms.push_back({k.name, it->second, config_entry::source::client_metrics});
    } else {
      e.value = k.fallback;
      e.from = config_entry::source::default_config;
    }
    out.push_back(std::move(e));
  }
  return out;
}

resource_error change_topic_configs(broker_services& services, const std::string& topic,
                                    const config_edit& edit, bool validate_only) {
  if (topic.empty()) return invalid_request("Default topic resources are not allowed.");
  const resource_error unknown{error_code::unknown_topic_or_partition,
                               fmt::format("The topic '{}' does not exist.", topic)};
  auto existing = services.metadata.topic(topic);
  if (!existing) return unknown;
  auto check = [&](const cluster::config_map& configs) -> std::optional<resource_error> {
    for (const auto& [key, value] : configs) {
      if (auto why = services.configs.validate_topic_config(key, value))
        return resource_error{error_code::invalid_config, *why};
    }
    return std::nullopt;
  };
  auto outcome = run_change(edit, check, existing->configs, validate_only,
                            [&](const cluster::metadata_store::config_edit& e) {
                              return services.metadata.update_topic_configs(topic, e);
                            });
  if (auto* refused = std::get_if<resource_error>(&outcome)) {
    if (refused->code == to_kafka(cluster::errc::unknown_topic)) return unknown;
    return *refused;
  }
  if (!validate_only)
    spdlog::info("Updated configs of topic {}: {}", topic,
                 describe(std::get<cluster::config_map>(outcome), services.configs));
  return {};
}

std::string root_log_level() {
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
      return "TRACE";
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::info:
      return "INFO";
    case spdlog::level::warn:
      return "WARN";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "FATAL";
    default:
      return "OFF";
  }
}

namespace {
std::optional<spdlog::level::level_enum> log4j_level(const std::string& name) {
  static const std::map<std::string, spdlog::level::level_enum> levels{
      {"ALL", spdlog::level::trace},      {"TRACE", spdlog::level::trace},
      {"DEBUG", spdlog::level::debug},    {"INFO", spdlog::level::info},
      {"WARN", spdlog::level::warn},      {"ERROR", spdlog::level::err},
      {"FATAL", spdlog::level::critical}, {"OFF", spdlog::level::off}};
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto it = levels.find(upper);
  if (it == levels.end()) return std::nullopt;
  return it->second;
}
}  // namespace

bool is_log4j_level(const std::string& level) {
  return log4j_level(level).has_value();
}

bool set_root_log_level(const std::string& level) {
  auto parsed = log4j_level(level);
  if (parsed) spdlog::set_level(*parsed);
  return parsed.has_value();
}

std::optional<resource_error> config_access_refused(const access& acl, int8_t type,
                                                    const std::string& name, acl_operation op) {
  switch (static_cast<config_resource>(type)) {
    case config_resource::topic:
      if (acl.allows_topic(op, name)) return std::nullopt;
      return resource_error{protocol::error_code::topic_authorization_failed, std::nullopt};
    case config_resource::group:
      if (acl.allows_group(op, name)) return std::nullopt;
      return resource_error{protocol::error_code::group_authorization_failed, std::nullopt};
    case config_resource::broker:
    case config_resource::broker_logger:
    case config_resource::client_metrics:
      if (acl.allows_cluster(op)) return std::nullopt;
      return resource_error{protocol::error_code::cluster_authorization_failed, std::nullopt};
    default:
      return std::nullopt;
  }
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
