// kafka-configs --entity-type users: SCRAM credentials, as Kafka 3.9's ConfigCommand handles them.
// Over --bootstrap-server: DescribeUserScramCredentials, and AlterUserScramCredentials sent to the
// controller with a random salt and the salted password computed here (the broker never sees the
// password, as with Kafka's admin client). Over --zookeeper: the credential text written to
// /config/users/<user> with a /config/changes notice, as Kafka's AdminZkClient. Each value is
// Kafka's "[iterations=<n>,]password=<p>" (brackets stripped by the --add-config parser); the key
// derivation (PBKDF2, `iterations` HMACs) happens in this process. One thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/errors.h"
#include "security/scram.h"

namespace sluice::cli {

// "iterations=8192,password=x" → (8192, "x"); iterations default to 4096 (and -1 means the
// default over --bootstrap-server, as Kafka). Kafka's errors: "Invalid credential property
// SCRAM-SHA-256=<value>", "Iterations N is less than the minimum 4096 required for ...".
result<std::pair<int32_t, std::string>> parse_scram_credential_value(
    const security::scram_mechanism& m, const std::string& value, bool bootstrap);

// What the tool prints for --describe (one line per user).
result<std::string> describe_user_scram(kafka_client& c, const std::optional<std::string>& user);
result<void> alter_user_scram(kafka_client& c, const std::string& user,
                              const std::vector<std::pair<std::string, std::string>>& add,
                              const std::vector<std::string>& remove);

// --zookeeper.
result<std::string> describe_user_configs_zookeeper(const std::string& connect,
                                                    const std::optional<std::string>& user);
result<std::string> alter_user_configs_zookeeper(
    const std::string& connect, const std::string& user,
    const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::string>& remove);

}  // namespace sluice::cli
