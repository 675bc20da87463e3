// Reading and changing the dynamic configs of a topic or a broker, shared by kafka-configs and
// `sluice topic alter-config`. `type` is Kafka's entity type: "topics", "brokers" (name "" is
// the cluster-wide broker default) or "broker-loggers" (a broker's log levels).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/admin.h"
#include "cli/client.h"

namespace sluice::cli {

// The source a dynamic config of this entity has.
int32_t dynamic_config_source(const std::string& type, const std::string& name);

// The entity's configs: all of them, or only those set dynamically; sorted by name.
result<std::vector<config_entry>> entity_configs(kafka_client& c, const std::string& type,
                                                 const std::string& name, bool all, deadline d);

// Sets `add` and removes `remove` (which must be set now, else "Invalid config(s): ...").
result<void> alter_entity_configs(kafka_client& c, const std::string& type, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& add,
                                  const std::vector<std::string>& remove, deadline d);

// KIP-714 client-metrics resources (ConfigResource type 16), over the raw client: one
// subscription's configs (sorted by name), a change (SET `add`, DELETE `remove`), and every
// subscription's name (ListConfigResources, ListClientMetricsResources before Kafka 4.1).
result<std::vector<config_entry>> client_metrics_configs(kafka_client& c, const std::string& name,
                                                         deadline d);
result<void> alter_client_metrics(kafka_client& c, const std::string& name,
                                  const std::vector<std::pair<std::string, std::string>>& add,
                                  const std::vector<std::string>& remove, deadline d);
result<std::vector<std::string>> list_client_metrics(kafka_client& c, deadline d);
// The names of the resources of ConfigResource type `type` (ListConfigResources v1; v0 only
// lists client metrics).
result<std::vector<std::string>> list_config_resources(kafka_client& c, int8_t type, deadline d);

}  // namespace sluice::cli
