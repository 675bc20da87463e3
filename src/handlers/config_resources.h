// config_resources: what DescribeConfigs, AlterConfigs and IncrementalAlterConfigs share — the
// resource types, Kafka's checks of a resource's name, who may describe or change a resource,
// changing a topic's config overrides or a broker resource's dynamic configs, and the root log
// level (BROKER_LOGGER).
// Stateless functions; any network thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cluster/metadata_store.h"
#include "handlers/authorization.h"
#include "protocol/error_code.h"

namespace sluice::handlers {

struct broker_services;
struct config_entry;

// Kafka's ConfigResource type ids.
enum class config_resource : int8_t {
  topic = 2,
  broker = 4,
  broker_logger = 8,
  client_metrics = 16,
  group = 32,
};
bool is_known_config_resource(int8_t type);

// A per-resource outcome: a Kafka error code and the message that goes with it.
struct resource_error {
  protocol::error_code code = protocol::error_code::none;
  std::optional<std::string> message;
  bool ok() const { return code == protocol::error_code::none; }
  int16_t wire_code() const { return static_cast<int16_t>(code); }
};
inline resource_error invalid_request(std::string message) {
  return {protocol::error_code::invalid_request, std::move(message)};
}

// A BROKER resource names either this broker (its id) or, when empty, the cluster-wide default.
// Anything else is INVALID_REQUEST worded as Kafka's.
resource_error check_broker_resource_name(const std::string& name, int32_t broker_id);

// The broker a BROKER resource name stands for: nullopt for "" (the cluster-wide default), else
// its id. Call after check_broker_resource_name.
std::optional<int32_t> broker_of_resource(const std::string& name);

// A change to a config set: the stored set in, the new complete set (or the error to answer)
// out. It may run more than once (see metadata_store::config_edit), so it only computes.
using config_edit = std::function<std::variant<cluster::config_map, resource_error>(
    const cluster::config_map& current)>;

// Changes BROKER resource `name`'s dynamic configs (this broker's id, or "" for the cluster-wide
// default) with `edit`, validates the result and, unless validate_only, stores it atomically
// against concurrent changes; every broker it concerns then applies it (dynamic_broker_config).
// Read-only and unknown keys and bad values are INVALID_REQUEST, as Kafka answers.
resource_error change_broker_configs(broker_services& services, const std::string& name,
                                     const config_edit& edit, bool validate_only);

// Changes `topic`'s config overrides with `edit` the same way; bad values are INVALID_CONFIG. The
// replica manager then applies the new set to the topic's live partitions.
resource_error change_topic_configs(broker_services& services, const std::string& topic,
                                    const config_edit& edit, bool validate_only);

// Changes CLIENT_METRICS resource `name` (a KIP-714 subscription) the same way; the set is
// checked as Kafka checks it (telemetry::validate_client_metrics_config) and kept with the client
// configs ("client-metrics/<name>").
resource_error change_client_metrics_configs(broker_services& services, const std::string& name,
                                             const config_edit& edit, bool validate_only);
// A CLIENT_METRICS resource's three keys as DescribeConfigs reports them (Kafka 4.1+): the stored
// value (source CLIENT_METRICS_CONFIG), else the default.
std::vector<config_entry> client_metrics_entries(const cluster::config_map& stored);

// Changes GROUP resource `group`'s configs the same way (coordinator/group_configs.h), kept with
// the client configs ("groups/<group>").
resource_error change_group_configs(broker_services& services, const std::string& group,
                                    const config_edit& edit, bool validate_only);
// A GROUP resource's keys as DescribeConfigs reports them: the stored value (source
// GROUP_CONFIG), else the default — the broker's group.* setting where there is one.
std::vector<config_entry> group_config_entries(const broker_services& services,
                                               const cluster::config_map& stored);

// An edit that replaces the whole set (AlterConfigs).
config_edit replace_with(cluster::config_map configs);

// BROKER_LOGGER resources: Sluice logs through one logger, Kafka's "root". Its level in Kafka's
// (log4j's) names: TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF.
std::string root_log_level();
// A log4j level name: ALL or one of the names above, any case.
bool is_log4j_level(const std::string& level);
// Sets the root level from a log4j level name; false (and nothing changed) when it is not one.
bool set_root_log_level(const std::string& level);
inline constexpr const char* log4j_levels = "OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL";

// Kafka's authorization of a config resource: `op` (DESCRIBE_CONFIGS or ALTER_CONFIGS) on the
// topic for a TOPIC, on the cluster for BROKER and BROKER_LOGGER; refused: TOPIC_ or
// CLUSTER_AUTHORIZATION_FAILED without a message. nullopt when allowed (or another type).
std::optional<resource_error> config_access_refused(const access& acl, int8_t type,
                                                    const std::string& name, acl_operation op);

// Kafka's checks of one resource before any change: no key twice (`names`), and no null values
// (`null_valued`: the keys given a null value where one is not allowed).
resource_error check_config_keys(const std::vector<std::string>& names,
                                 const std::vector<std::string>& null_valued);

// AlterConfigs and IncrementalAlterConfigs answer alike: one result per resource in request
// order, INVALID_REQUEST for a resource named twice, else `alter(resource)`.
template <class Response, class Request, class Alter>
Response answer_each_resource(const Request& request, Alter alter) {
  std::map<std::pair<int8_t, std::string>, int> occurrences;
  for (const auto& resource : request.resources)
    ++occurrences[{resource.resource_type, resource.resource_name}];
  Response response;
  for (const auto& resource : request.resources) {
    auto& out = response.responses.emplace_back();
    out.resource_type = resource.resource_type;
    out.resource_name = resource.resource_name;
    resource_error result = occurrences[{resource.resource_type, resource.resource_name}] > 1
                                ? invalid_request("Each resource must appear at most once.")
                                : alter(resource);
    out.error_code = result.wire_code();
    out.error_message = result.message;
  }
  return response;
}

}  // namespace sluice::handlers
