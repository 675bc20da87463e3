// kafka-configs --entity-type users|clients over --bootstrap-server: client quotas through
// DescribeClientQuotas and AlterClientQuotas (raw protocol: librdkafka 2.0.2 has no API for
// them), with Kafka's ConfigCommand output. Quota keys only; users' SCRAM credentials are another
// command's.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"

namespace sluice::cli {

// One part of the entity: "users" or "clients", and its name ("" for the default; nullopt when
// describing: every entity of the type).
struct quota_entity_arg {
  std::string type;
  std::optional<std::string> name;
};

// "Quota configs for user-principal 'alice', the default client-id are producer_byte_rate=1024.0"
// lines for every entity matching exactly these parts. Returns the exit code.
int describe_client_quotas(const client_settings& settings,
                           const std::vector<quota_entity_arg>& entity);
// Sets `add` and removes `remove` on the entity (every part named or default), then, with
// `report`, prints Kafka's "Completed updating config for ..." line. Returns the exit code.
int alter_client_quotas(const client_settings& settings,
                        const std::vector<quota_entity_arg>& entity,
                        const std::vector<std::pair<std::string, std::string>>& add,
                        const std::vector<std::string>& remove, bool report = true);

// Java's Double.toString, as Kafka prints quota values: 1024.0, 0.5, 1.0E7.
std::string java_double(double v);

}  // namespace sluice::cli
