// kafka-configs --zookeeper --entity-type users|clients: Kafka 2.x's path (ConfigCommand over
// AdminZkClient) for client quotas. It reads and read-modify-writes /config/users/<u>,
// /config/users/<u>/clients/<c> and /config/clients/<c> (names sanitized as Kafka's Sanitizer,
// "<default>" for the defaults) and announces each change in /config/changes, which the brokers'
// quota refreshers follow. Only the quota keys may be changed (with numeric values, whole numbers
// for byte rates); other keys of a user's znode (SCRAM credentials) are kept.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/errors.h"
#include "cli/kafka/client_quotas_command.h"

namespace sluice::cli {

// "Configs for user-principal 'u', client-id 'c' are k=v,..." (an entity whose parts are all
// named or default); with one part and no name, every entity of that type.
result<std::string> describe_zookeeper_client_quotas(const std::string& connect,
                                                     const std::vector<quota_entity_arg>& entity);
// "Completed updating config for entity: user-principal 'u'."
result<std::string> alter_zookeeper_client_quotas(
    const std::string& connect, const std::vector<quota_entity_arg>& entity,
    const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::string>& remove);

}  // namespace sluice::cli
