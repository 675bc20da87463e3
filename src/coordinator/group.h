// group: one classic consumer group held by the coordinator — its state in the rebalance protocol
// (Empty -> PreparingRebalance -> CompletingRebalance -> Stable, and Dead when removed), its
// members and generation, the rebalance timers, and its committed offsets.
//
// This class keeps the bookkeeping consistent (the leader, the static-member index, pending
// members, the protocol every member supports); the protocol decisions — when to rebalance, what
// to answer — are coordinator_core's. Owned by coordinator_core, single-threaded like it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "coordinator/consumer_group.h"
#include "coordinator/member.h"
#include "coordinator/timer_queue.h"
#include "coordinator/types.h"
#include "protocol/generated/group_metadata_value.h"

namespace sluice::coordinator {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's names ("Empty", "PreparingRebalance", ...), as ListGroups/DescribeGroups report them.
std::string_view to_string(group_state s);
std::optional<group_state> parse_group_state(std::string_view name);  // case-insensitive

class group {
 public:
  group(std::string id, int32_t partition, uint64_t incarnation, int64_t now_ms);

  const std::string& id() const { return id_; }
  int32_t partition() const { return partition_; }
  // Tells this group object from an earlier or later one with the same id (deleted, reloaded).
  uint64_t incarnation() const { return incarnation_; }

  group_state state() const { return state_; }
  bool is(group_state s) const { return state_ == s; }
  std::optional<int64_t> state_timestamp() const { return state_timestamp_; }
  void transition_to(group_state next, int64_t now_ms);  // asserts the transition is legal
  // Stable, CompletingRebalance and Empty may start a rebalance.
  bool can_rebalance() const;

  int32_t generation = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::optional<std::string> leader_id;

  // ---- members ----
  bool has(const std::string& member_id) const { return members_.contains(member_id); }
  member& get(const std::string& member_id);
  member* find(const std::string& member_id);
  std::map<std::string, member>& members() { return members_; }
  const std::map<std::string, member>& members() const { return members_; }
  size_t size() const { return members_.size(); }
  bool is_leader(const std::string& member_id) const { return leader_id == member_id; }

  // Adds a member; the first one fixes the protocol type, and becomes leader if there is none.
  member& add(member m);
  // Removes a member (from the pending and pending-sync sets too) and moves the leadership to
  // the first remaining member if it led. Returns it, so the caller can answer what it parked.
  std::optional<member> remove(const std::string& member_id);
  // A static member restarted: the member keeps everything but its id.
  member& replace_static_member(const std::string& instance_id, const std::string& old_id,
                                const std::string& new_id);
  std::optional<std::string> static_member_id(const std::string& instance_id) const;

  size_t awaiting_join_count() const;
  // Every member has rejoined and no MEMBER_ID_REQUIRED member is still to come back.
  bool all_members_joined() const;
  int32_t rebalance_timeout_ms() const;  // the largest of the members'

  // Whether a member of `type` supporting `protocols` may join: an empty group takes any
  // non-empty type and list; otherwise the type must match and one protocol must be supported by
  // every current member.
  bool supports_protocols(std::string_view type,
                          const std::vector<member_protocol>& protocols) const;
  std::unordered_set<std::string> candidate_protocols() const;
  // The protocol for the next generation: each member votes for its preferred candidate; the most
  // votes win (a tie goes to the protocol the leader prefers, then by name).
  std::string select_protocol() const;

  // ---- members that got MEMBER_ID_REQUIRED and are expected back (JoinGroup v4+) ----
  std::map<std::string, timer_id> pending_members;
  // ---- members of a new generation that have not sent SyncGroup yet ----
  std::set<std::string> pending_sync;

  // ---- the join phase of a rebalance ----
  timer_id join_timer = no_timer;
  bool initial_join = false;         // the join phase is the initial delay of an empty group
  int32_t initial_delay_ms = 0;      // the current delay step
  int32_t initial_remaining_ms = 0;  // how much longer it may be extended
  bool new_member_added = false;     // a new member arrived during the initial delay
  timer_id sync_timer = no_timer;

  // ---- offsets ----
  std::map<topic_partition, committed_offset> offsets;
  // Commits being written, per partition (by commit id). Deleting a partition's offsets clears its
  // entry, so a commit that completes afterwards does not bring the offset back.
  std::map<topic_partition, std::set<uint64_t>> pending_commits;
  // Where each offset stands in the log (a counter the coordinator advances as it issues appends
  // and replays records): a transaction's offsets, committed later, replace only offsets written
  // before them, as in Kafka.
  std::map<topic_partition, uint64_t> offset_order;
  // TxnOffsetCommit: offsets of open transactions, by producer id, until the transaction's marker
  // commits or aborts them. `written` is false while the append is in flight.
  struct txn_offset {
    committed_offset value;
    uint64_t order = 0;
    bool written = false;
  };
  std::map<int64_t, std::map<topic_partition, txn_offset>> txn_offsets;
  bool has_offsets() const {
    return !offsets.empty() || !pending_commits.empty() || !txn_offsets.empty();
  }
  // A commit of `tp` is being written or waits for its transaction (OffsetFetch require_stable
  // answers UNSTABLE_OFFSET_COMMIT).
  bool has_pending_commit(const topic_partition& tp) const;

  // Topics the members subscribe to, for a "consumer" group with a protocol; nullopt when unknown
  // (other protocol types, or metadata that does not parse).
  std::optional<std::set<std::string>> subscribed_topics;
  void refresh_subscribed_topics();
  bool is_subscribed_to(const std::string& topic) const;  // true when unknown

  // Offsets due for removal at `now_ms` under a retention of `retention_ms`.
  std::vector<topic_partition> expired_offsets(int64_t now_ms, int64_t retention_ms) const;

  // ---- the GroupMetadataValue record ----
  // The group as a record, with `assignment` as the members' assignments (members missing from it
  // get an empty one).
  protocol::group_metadata_value to_record(
      const std::map<std::string, protocol::bytes>& assignment) const;
  // Replaces the membership state with a record's (offsets are kept); the group becomes Stable,
  // or Empty without members. No timers are armed.
  void load_record(const protocol::group_metadata_value& value);
  // Forgets the membership state (a tombstone replayed): a fresh Empty group, offsets kept.
  void clear_metadata();
  bool has_metadata_record = false;  // set by load_record, for loading only

  // ---- KIP-848 ----
  // Set when the group speaks the consumer protocol (ConsumerGroupHeartbeat): its membership is
  // here, and the classic membership above stays empty. The offsets are kept above either way.
  std::optional<consumer_group> consumer;
  bool is_consumer_group() const { return consumer && consumer->exists(); }

 private:
  std::string id_;
  int32_t partition_;
  uint64_t incarnation_;
  group_state state_ = group_state::empty;
  std::optional<int64_t> state_timestamp_;
  std::map<std::string, member> members_;
  std::map<std::string, std::string> static_members_;  // group.instance.id -> member id
};

}  // namespace sluice::coordinator
