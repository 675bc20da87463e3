// share_group: the membership of a KIP-932 share group (ShareGroupHeartbeat): its epoch, its
// members' subscriptions, and the target assignment the simple assignor computed. Partitions of a
// share group are not owned exclusively — records are handed out one by one by the partition
// leaders (share/share_partition) — so a member moves to the target at its next heartbeat, with
// no revocation step, and a partition may go to several members when there are more members
// than partitions.
//
// The membership lives in the coordinator's memory: members rejoin after a coordinator failover
// (their heartbeat gets UNKNOWN_MEMBER_ID and the client joins again), as the delivery state of
// the share partitions lives with their leaders.
//
// Owned by coordinator_core; single-threaded like it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/consumer_group.h"
#include "coordinator/timer_queue.h"

namespace sluice::coordinator {

inline constexpr std::string_view share_protocol_type = "share";
inline constexpr std::string_view share_assignor_name = "simple";

struct share_member {
  std::string id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topic_names;  // sorted, unique
  int32_t epoch = 0;                                // the epoch last given to the member
  int32_t previous_epoch = 0;  // the one before, accepted once if that response was lost
  partition_assignment assigned;
  timer_id session_timer = no_timer;
};

struct share_group {
  std::string id;
  int32_t partition = 0;  // of __consumer_offsets
  uint64_t incarnation = 0;
  int32_t epoch = 0;             // bumped when members or subscribed topics change
  int32_t assignment_epoch = 0;  // the epoch `target` was computed at
  int64_t metadata_hash = 0;
  std::map<std::string, share_member> members;
  std::map<std::string, partition_assignment> target;  // by member id
  // Every topic a member has subscribed to since the group was created: whose share partitions
  // may have state (Kafka keeps this as ShareGroupStatePartitionMetadata's initialized topics).
  std::set<std::string> topics_seen;

  // Kafka's share group states: "Empty" without members, else "Stable".
  std::string_view state() const { return members.empty() ? "Empty" : "Stable"; }
};

// The simple assignor (Kafka's SimpleAssignor for share groups): per topic, its partitions are
// dealt round-robin over the members subscribed to it, in member-id order; with more members than
// partitions each member gets one partition and partitions are shared. Deterministic.
std::map<std::string, partition_assignment> assign_share_partitions(
    const std::map<std::string, share_member>& members,
    const std::map<std::string, protocol::uuid>& topic_ids,
    const std::map<std::string, int32_t>& partition_counts);

}  // namespace sluice::coordinator
