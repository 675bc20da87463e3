// consumer_group: the membership of a group that speaks KIP-848's consumer protocol
// (ConsumerGroupHeartbeat): the group epoch, the target assignment the server-side assignor
// computed at some epoch, and per member its subscription and current assignment, reconciled
// towards its target one heartbeat at a time.
//
// State changes only through records (consumer_record, the ConsumerGroup* records of
// __consumer_offsets): the coordinator decides what changes, writes it as records and applies
// them with apply() — the same function a partition load replays the log with, so live state and
// recovered state cannot differ. reconcile() is Kafka's CurrentAssignmentBuilder: a pure function
// from a member, the target and the partition owners to the member's next state.
//
// Owned by a classic `group` object (which keeps the offsets); single-threaded like the core.
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

#include "base/strong_int.h"
#include "coordinator/member.h"
#include "coordinator/timer_queue.h"
#include "protocol/wire.h"

namespace sluice::coordinator {

// A KIP-848 group's epoch (bumped when subscriptions or subscribed topics change) and a member's
// epoch (the group epoch of the target it has reconciled to; 0 joins, -1 leaves, -2 leaves a
// static member for now).
using group_epoch = strong_int<struct group_epoch_tag, int32_t>;
using member_epoch = strong_int<struct member_epoch_tag, int32_t>;
inline constexpr member_epoch join_epoch{0};
inline constexpr member_epoch leave_epoch{-1};
inline constexpr member_epoch static_leave_epoch{-2};

// Partitions by topic id: an assignment as KIP-848 carries it.
using partition_assignment = std::map<protocol::uuid, std::set<int32_t>>;

// A member's reconciliation state (ConsumerGroupCurrentMemberAssignmentValue.State).
enum class member_state : int8_t {
  stable = 0,                 // owns what its epoch's target gives it
  unrevoked_partitions = 1,   // must give up partitions before it moves to the next epoch
  unreleased_partitions = 2,  // at the target epoch, waiting for partitions others still own
  unknown = 127,
};
std::string_view to_string(member_state s);  // "STABLE", "UNREVOKED_PARTITIONS", ...

// A member that speaks the classic protocol (JoinGroup, SyncGroup, Heartbeat) in a consumer group
// (ConsumerGroupMemberMetadataValue.ClassicMemberMetadata): its session timeout and the protocols
// (assignor names and subscriptions) of its last JoinGroup, in its order of preference.
struct classic_member_metadata {
  int32_t session_timeout_ms = 0;
  std::vector<member_protocol> protocols;
  friend bool operator==(const classic_member_metadata&, const classic_member_metadata&) = default;
};

struct consumer_member {
  std::string id;
  // ---- subscription (ConsumerGroupMemberMetadataValue) ----
  std::optional<std::string> instance_id;
  std::optional<std::string> rack_id;
  std::string client_id;
  std::string client_host;
  std::vector<std::string> subscribed_topic_names;  // sorted
  std::optional<std::string> subscribed_topic_regex;
  std::optional<std::string> server_assignor;
  int32_t rebalance_timeout_ms = -1;
  std::optional<classic_member_metadata> classic;  // set: the member uses the classic protocol
  // ---- current assignment (ConsumerGroupCurrentMemberAssignmentValue) ----
  member_epoch epoch{0};
  member_epoch previous_epoch{0};
  member_state state = member_state::stable;
  partition_assignment assigned;
  partition_assignment pending_revocation;
  // ---- the target assignment (ConsumerGroupTargetAssignmentMemberValue) ----
  partition_assignment target;

  bool same_subscription(const consumer_member& o) const;
  bool same_assignment(const consumer_member& o) const;
};

// ---- the records ----------------------------------------------------------------------------
// Each names its group; `member` records also their member. A tombstone is `deleted`.
struct group_epoch_record {  // ConsumerGroupMetadata (key type 3)
  group_epoch epoch{0};
  int64_t metadata_hash = 0;
  bool deleted = false;
};
struct member_subscription_record {  // ConsumerGroupMemberMetadata (5)
  consumer_member member;            // the subscription fields
  bool deleted = false;
};
struct target_epoch_record {  // ConsumerGroupTargetAssignmentMetadata (6)
  group_epoch assignment_epoch{0};
  int64_t assignment_timestamp = 0;
  bool deleted = false;
};
struct target_member_record {  // ConsumerGroupTargetAssignmentMember (7)
  std::string member_id;
  partition_assignment target;
  bool deleted = false;
};
struct current_assignment_record {  // ConsumerGroupCurrentMemberAssignment (8)
  std::string member_id;
  member_epoch epoch{0};
  member_epoch previous_epoch{0};
  member_state state = member_state::stable;
  partition_assignment assigned;
  partition_assignment pending_revocation;
  bool deleted = false;
};
struct regex_record {  // ConsumerGroupRegularExpression (16): what a pattern resolved to
  std::string regex;
  std::set<std::string> topics;
  int64_t timestamp = 0;  // when it was resolved
  bool deleted = false;
};
using consumer_record_body =
    std::variant<group_epoch_record, member_subscription_record, target_epoch_record,
                 target_member_record, current_assignment_record, regex_record>;
struct consumer_record {
  std::string group;
  consumer_record_body body;
};

// ---- the group --------------------------------------------------------------------------------

// KIP-848's group states, as ListGroups and ConsumerGroupDescribe name them.
enum class consumer_group_state { empty, assigning, reconciling, stable };
std::string_view to_string(consumer_group_state s);  // "Empty", "Assigning", ...

class consumer_group {
 public:
  group_epoch epoch() const { return epoch_; }
  int64_t metadata_hash() const { return metadata_hash_; }
  group_epoch assignment_epoch() const { return assignment_epoch_; }
  int64_t assignment_timestamp() const { return assignment_timestamp_; }
  const std::map<std::string, consumer_member>& members() const { return members_; }
  const consumer_member* find(const std::string& member_id) const;
  bool empty() const { return members_.empty(); }
  // Whether records have created this group (an epoch record, or a member).
  bool exists() const { return exists_; }

  consumer_group_state state() const;
  // Whether a member owns the partition (assigned, or pending revocation).
  bool is_owned(const protocol::uuid& topic, int32_t partition) const;
  std::string member_of_instance(const std::string& instance_id) const;  // "" if none
  // Whether every member but `except` uses the classic protocol.
  bool all_classic_except(const std::string& except) const;
  // Whether a classic member of `type` with `protocols` may join: the type is "consumer" and one
  // of the protocols is supported by every classic member (as Kafka's ConsumerGroup decides).
  bool supports_classic_protocols(std::string_view type,
                                  const std::vector<member_protocol>& protocols) const;
  // Whether a member at its target epoch still waits for a partition another member owns.
  bool waits_on_unreleased_partition(const consumer_member& m) const;

  // Applies one record (live or replayed). Records of other groups are the caller's to route.
  void apply(const consumer_record_body& record);

  // Timers the coordinator keeps per member (not state the records carry).
  std::map<std::string, timer_id> session_timers;
  std::map<std::string, timer_id> revocation_timers;
  // Classic members: the deadline to rejoin once told REBALANCE_IN_PROGRESS, and to SyncGroup
  // after JoinGroup (both their rebalance timeout).
  std::map<std::string, timer_id> join_timers;
  std::map<std::string, timer_id> sync_timers;
  // The topics each member's regular expression matches (SubscribedTopicRegex), as resolved
  // against the cluster's topics at `regex_resolved_ms`; recorded as ConsumerGroupRegularExpression
  // records, so a new coordinator starts from the same resolution.
  std::map<std::string, std::set<std::string>> regex_topics;
  int64_t regex_resolved_ms = -1;

 private:
  void set_owner(const partition_assignment& a, const std::string& member_id);
  void clear_owner(const partition_assignment& a);

  bool exists_ = false;
  group_epoch epoch_{0};
  int64_t metadata_hash_ = 0;
  group_epoch assignment_epoch_{0};
  int64_t assignment_timestamp_ = 0;
  std::map<std::string, consumer_member> members_;
  std::map<std::pair<protocol::uuid, int32_t>, std::string> owners_;
};

// Kafka's CurrentAssignmentBuilder: the member's next current assignment given its target
// (member.target, computed at `target_epoch`), what the member says it owns (`owned`, nullopt if
// the heartbeat did not say), and who owns each partition. Pure.
consumer_member reconcile(const consumer_member& member, group_epoch target_epoch,
                          const std::optional<partition_assignment>& owned,
                          const std::function<bool(const protocol::uuid&, int32_t)>& is_owned);

// Whether every partition in `owned` is in `assignment`.
bool is_subset(const partition_assignment& owned, const partition_assignment& assignment);

}  // namespace sluice::coordinator
