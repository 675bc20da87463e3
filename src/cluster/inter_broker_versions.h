// inter_broker_versions: the one place that fixes which versions of the inter-broker APIs Sluice
// brokers send each other in cluster mode (issue #7). The controller sends LeaderAndIsr,
// UpdateMetadata and StopReplica at these versions; brokers send AlterPartition and
// ControlledShutdown to the controller and Fetch/OffsetForLeaderEpoch to leaders at these
// versions. The handlers serve at least these versions.
#pragma once

#include <cstdint>

namespace sluice::cluster::inter_broker_versions {

// v6: topic-grouped partition states with topic ids (v5) and leader recovery state (v6), broker
// epoch, live leaders. What Kafka 3.2+ controllers in ZooKeeper mode send.
inline constexpr int16_t leader_and_isr = 6;
// v7: topic ids, live brokers with every listener endpoint and rack, offline replicas.
inline constexpr int16_t update_metadata = 7;
// v3: per-partition leader epoch and delete flag, broker epoch.
inline constexpr int16_t stop_replica = 3;
// v1: names topics (v2+ name them by id); carries the partition epoch (zkVersion).
inline constexpr int16_t alter_partition = 1;
// v3: broker epoch, flexible.
inline constexpr int16_t controlled_shutdown = 3;
inline constexpr int16_t fetch = 12;
inline constexpr int16_t offset_for_leader_epoch = 4;

}  // namespace sluice::cluster::inter_broker_versions
