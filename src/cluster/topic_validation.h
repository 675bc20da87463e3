// topic_validation: the CreateTopics / CreatePartitions / config checks every metadata backend
// makes the same way (Kafka's wording), so the embedded and ZooKeeper stores answer alike.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::cluster {

using config_validator =
    std::function<std::optional<std::string>(const std::string&, const std::string&)>;

// A CreateTopics request's partition count and replication factor after defaults.
struct topic_counts {
  int32_t partitions = 0;
  int32_t replication_factor = 0;
  bool explicit_assignment = false;
};

// Applies num.partitions / default.replication.factor for -1 and rejects counts <= 0, or both
// counts and an explicit assignment given together.
result<topic_counts> resolve_topic_counts(const new_topic& spec, int32_t default_partitions,
                                          int16_t default_replication_factor);

// An explicit assignment: `expected_partitions` lists, all non-empty, of equal length, without
// duplicates, naming only `live_brokers`.
result<void> check_replica_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                      size_t expected_partitions,
                                      const std::vector<int32_t>& live_brokers);

// invalid_config with the validator's message for the first bad override.
result<void> check_topic_configs(const config_map& configs, const config_validator& validate);

// invalid_topic when `name` differs from an existing topic only by '.' versus '_'.
result<void> check_topic_collision(const std::string& name,
                                   const std::vector<std::string>& existing);

// CreatePartitions: `total` must exceed the current count.
result<void> check_partition_increase(int32_t current, int32_t total);

}  // namespace sluice::cluster
