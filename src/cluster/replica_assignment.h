// replica_assignment: where a new topic's (or new partitions') replicas go, as Kafka's
// AdminUtils.assignReplicasToBrokers does it: round-robin over the live brokers from a random
// start, followers shifted so replicas spread; rack-aware (one replica per rack first) when every
// broker has broker.rack set. Pure function; deterministic for a given start index and shift.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errc.h"

namespace sluice::cluster {

struct assignable_broker {
  int32_t id = 0;
  std::optional<std::string> rack;
};

struct assignment_request {
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  int32_t first_partition = 0;  // CreatePartitions: assign only the new ones
  // -1: random (Kafka's behaviour); tests pass fixed values.
  int32_t start_index = -1;
  int32_t start_partition_shift = -1;
};

// One replica list per partition (first entry: the preferred leader). invalid_replication_factor
// when replication_factor exceeds the live brokers (message says how many are available).
result<std::vector<std::vector<int32_t>>> assign_replicas(std::vector<assignable_broker> brokers,
                                                          const assignment_request& request);

}  // namespace sluice::cluster
