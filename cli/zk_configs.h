// kafka-configs --zookeeper: Kafka 2.x's path (ConfigCommand over AdminZkClient) for topics and
// brokers. It reads and writes /config/topics/<t> and /config/brokers/<id|<default>> and announces
// each change in /config/changes, as Kafka's tool did; the brokers' watches apply it. Values are
// checked as a broker checks them (Kafka's tool checked topic configs only).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/errors.h"

namespace sluice::cli {

struct zookeeper_config_change {
  std::string type;                 // "topics" or "brokers"
  std::optional<std::string> name;  // a topic, a broker id, "" for the broker default; or all
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
};

// What the tool prints: "Configs for topic 't' are k=v,..." per entity (--describe), or
// "Completed updating config for entity: topic 't'." (--alter).
result<std::string> describe_zookeeper_configs(const std::string& connect,
                                               const zookeeper_config_change& what);
result<std::string> alter_zookeeper_configs(const std::string& connect,
                                            const zookeeper_config_change& what);

}  // namespace sluice::cli
