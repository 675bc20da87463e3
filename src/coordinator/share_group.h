// share_group: the membership of a KIP-932 share group (ShareGroupHeartbeat): its epoch, its
// members' subscriptions, and the target assignment the simple assignor computed. Partitions of a
// share group are not owned exclusively — records are handed out one by one by the partition
// leaders (share/share_partition) — so a member moves to the target at its next heartbeat, with
// no revocation step, and a partition may go to several members when there are more members
// than partitions.
//
// The membership is written to __consumer_offsets as Kafka 4.x writes it (the ShareGroup* records,
// key types 10-15, below), so a coordinator that loads the partition knows the members, their
// epochs and assignments and the topics whose share partitions have state; the delivery state of
// the share partitions lives with their leaders (__share_group_state).
//
// Owned by coordinator_core; single-threaded like it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
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

// ---- the records ----------------------------------------------------------------------------
// Each names its group; member records also their member. A tombstone is `deleted`.
struct share_epoch_record {  // ShareGroupMetadata (key type 11)
  int32_t epoch = 0;
  int64_t metadata_hash = 0;
  bool deleted = false;
};
struct share_member_record {  // ShareGroupMemberMetadata (10): the subscription fields
  share_member member;
  bool deleted = false;
};
struct share_target_epoch_record {  // ShareGroupTargetAssignmentMetadata (12)
  int32_t assignment_epoch = 0;
  int64_t assignment_timestamp = 0;
  bool deleted = false;
};
struct share_target_member_record {  // ShareGroupTargetAssignmentMember (13)
  std::string member_id;
  partition_assignment target;
  bool deleted = false;
};
struct share_current_assignment_record {  // ShareGroupCurrentMemberAssignment (14)
  std::string member_id;
  int32_t epoch = 0;
  int32_t previous_epoch = 0;
  partition_assignment assigned;
  bool deleted = false;
};
struct share_topic_state {  // one InitializedTopics entry
  protocol::uuid id;
  std::string name;
  std::vector<int32_t> partitions;
};
struct share_topics_record {  // ShareGroupStatePartitionMetadata (15)
  std::vector<share_topic_state> initialized;
  bool deleted = false;
};
using share_record_body =
    std::variant<share_epoch_record, share_member_record, share_target_epoch_record,
                 share_target_member_record, share_current_assignment_record, share_topics_record>;
struct share_record {
  std::string group;
  share_record_body body;
};

// Applies one record (live or replayed) to `sg`; false once the group's tombstone (of its
// ShareGroupMetadata) removed it.
bool apply_share_record(share_group& sg, const share_record_body& record);

// The records that take the group from `before` to `after` (Kafka's order: subscriptions, the
// group epoch, the target, the members' current assignments; tombstones of members that left).
// `topic_state` describes a subscribed topic for ShareGroupStatePartitionMetadata (nullopt: gone).
std::vector<share_record_body> share_records_between(
    const share_group& before, const share_group& after, int64_t now_ms,
    const std::function<std::optional<share_topic_state>(const std::string&)>& topic_state);
// Every record's tombstone, to delete the group.
std::vector<share_record_body> share_group_tombstones(const share_group& sg);

// The simple assignor (Kafka's SimpleAssignor for share groups): per topic, its partitions are
// dealt round-robin over the members subscribed to it, in member-id order; with more members than
// partitions each member gets one partition and partitions are shared. Deterministic.
std::map<std::string, partition_assignment> assign_share_partitions(
    const std::map<std::string, share_member>& members,
    const std::map<std::string, protocol::uuid>& topic_ids,
    const std::map<std::string, int32_t>& partition_counts);

}  // namespace sluice::coordinator
