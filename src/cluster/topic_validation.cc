#include "cluster/topic_validation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "cluster/topic_name.h"

namespace sluice::cluster {

result<topic_counts> resolve_topic_counts(const new_topic& spec, int32_t default_partitions,
                                          int16_t default_replication_factor) {
  topic_counts counts;
  counts.explicit_assignment = !spec.assignment.empty();
  if (counts.explicit_assignment && (spec.partitions != -1 || spec.replication_factor != -1))
    return fail(errc::invalid_request,
                "Both numPartitions or replicationFactor and replicasAssignment were set. Both "
                "cannot be used at the same time.");
  counts.partitions = counts.explicit_assignment ? static_cast<int32_t>(spec.assignment.size())
                      : spec.partitions == -1    ? default_partitions
                                                 : spec.partitions;
  counts.replication_factor = counts.explicit_assignment
                                  ? static_cast<int32_t>(spec.assignment.front().size())
                              : spec.replication_factor == -1 ? default_replication_factor
                                                              : spec.replication_factor;
  if (counts.partitions <= 0)
    return fail(errc::invalid_partitions, "Number of partitions must be larger than 0.");
  if (counts.replication_factor <= 0)
    return fail(errc::invalid_replication_factor, "Replication factor must be larger than 0.");
  return counts;
}

result<void> check_replica_assignment(const std::vector<std::vector<int32_t>>& assignment,
                                      size_t expected_partitions,
                                      const std::vector<int32_t>& live_brokers) {
  if (assignment.size() != expected_partitions)
    return fail(errc::invalid_replica_assignment,
                "Replica assignment has the wrong partition count");
  size_t rf = assignment.empty() ? 0 : assignment.front().size();
  for (size_t i = 0; i < assignment.size(); ++i) {
    const auto& replicas = assignment[i];
    if (replicas.empty())
      return fail(errc::invalid_replica_assignment, fmt::format("Partition {} has no replicas", i));
    if (replicas.size() != rf)
      return fail(errc::invalid_replica_assignment,
                  "All partitions should have the same number of replicas");
    std::set<int32_t> seen(replicas.begin(), replicas.end());
    if (seen.size() != replicas.size())
      return fail(errc::invalid_replica_assignment,
                  fmt::format("Duplicate brokers not allowed in replica assignment: {}",
                              fmt::join(replicas, ", ")));
    for (int32_t b : replicas)
      if (std::find(live_brokers.begin(), live_brokers.end(), b) == live_brokers.end())
        return fail(errc::invalid_replica_assignment,
                    fmt::format("Unknown broker {} in replica assignment (live brokers: {})", b,
                                fmt::join(live_brokers, ", ")));
  }
  return ok_v;
}

result<void> check_topic_configs(const config_map& configs, const config_validator& validate) {
  if (!validate) return ok_v;
  for (const auto& [k, v] : configs)
    if (auto why = validate(k, v)) return fail(errc::invalid_config, *why);
  return ok_v;
}

result<void> check_topic_collision(const std::string& name,
                                   const std::vector<std::string>& existing) {
  if (!has_collision_chars(name)) return ok_v;
  auto unified = unify_collision_chars(name);
  for (const auto& other : existing)
    if (other != name && unify_collision_chars(other) == unified)
      return fail(errc::invalid_topic,
                  fmt::format("Topic '{}' collides with existing topic: {}", name, other));
  return ok_v;
}

result<void> check_partition_increase(int32_t current, int32_t total) {
  if (total < current)
    return fail(errc::invalid_partitions,
                fmt::format("Topic currently has {} partitions, which is higher than the "
                            "requested {}.",
                            current, total));
  if (total == current)
    return fail(errc::invalid_partitions, fmt::format("Topic already has {} partitions.", current));
  return ok_v;
}

}  // namespace sluice::cluster
