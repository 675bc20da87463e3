// coordinator_core: the classic consumer-group coordinator as a deterministic state machine.
//
// Events in: decoded requests (with the version they came in and the current time), log appends
// finishing, timers falling due, __consumer_offsets partitions gained (loaded by replaying their
// records) and lost. Effects out: responses (each request's completion is called exactly once —
// at once, or when a later event finishes it: a JoinGroup waits for the rebalance, a follower's
// SyncGroup for the leader's assignment, an OffsetCommit for its records to be written), records
// to append to __consumer_offsets, and the next deadline to wake it at.
//
// Nothing here does I/O or reads a clock. The effects are queued, not run: after each call the
// driver takes the ready responses (take_ready) and the appends (take_appends), delivers them,
// and later reports each append's outcome (append_done). group_coordinator is that driver for the
// broker; tests drive it by hand with a fake clock and a fake log.
//
// Records and state. Offset records are applied to the in-memory state by the same function when
// a commit's append succeeds and when a partition is replayed on load (one code path for live and
// recovery). Group metadata records are a snapshot of the group that the live path writes after
// it has changed the group itself (as Kafka's coordinator does: those are not replayed live), and
// replay rebuilds the group from them.
//
// Threading: none. One thread at a time; group_coordinator serialises callers with a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "coordinator/completion.h"
#include "coordinator/config.h"
#include "coordinator/group.h"
#include "coordinator/log_records.h"
#include "coordinator/responses.h"
#include "coordinator/share_group.h"
#include "coordinator/timer_queue.h"
#include "coordinator/types.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/share_group_describe.h"
#include "protocol/generated/share_group_heartbeat.h"
#include "protocol/generated/sync_group.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::coordinator {

// Who sent a JoinGroup, as DescribeGroups reports it: the request header's client.id and the
// peer address ("/127.0.0.1" in Kafka's format).
struct client_info {
  std::string client_id;
  std::string client_host;
  // Whether the member's principal may DESCRIBE a topic; a regular-expression subscription
  // resolves only to such topics, as in Kafka 4 (unset: every topic).
  std::function<bool(const std::string& topic)> may_describe_topic;
};

// Records the driver must append to a __consumer_offsets partition, then report with
// append_done(id, ...).
struct append_request {
  uint64_t id = 0;
  int32_t partition = 0;
  std::vector<log_record> records;
};

// A topic as a KIP-848 assignor needs it.
struct topic_info {
  protocol::uuid id;
  int32_t partitions = 0;
};

// A hash of the topics a consumer group subscribes to (names, ids, partition counts): the group
// epoch moves when it changes (KIP-1101's metadata hash plays this role in Kafka).
int64_t metadata_hash(const std::map<std::string, topic_info>& topics);

// What the coordinator may ask of its surroundings. Every member is optional.
struct coordinator_hooks {
  // A topic by name (consumer groups subscribe by name, assign by id). Unset: no topic exists.
  std::function<std::optional<topic_info>(const std::string& topic)> topic_lookup;
  // Every topic clients may subscribe to (internal ones left out), for regular-expression
  // subscriptions. Unset: none.
  std::function<std::vector<std::string>()> topic_names;
  // A topic's name by id (ConsumerGroupDescribe). Unset: names are left empty.
  std::function<std::optional<std::string>(const protocol::uuid& id)> topic_name;
  // Whether a topic-partition exists (OffsetCommit and OffsetDelete answer
  // UNKNOWN_TOPIC_OR_PARTITION for those that do not). Unset: everything exists.
  std::function<bool(const std::string& topic, int32_t partition)> partition_exists;
  // A fresh random UUID string for member ids. Unset: an internal generator.
  std::function<std::string()> new_uuid;
};

class coordinator_core {
 public:
  explicit coordinator_core(coordinator_config config, coordinator_hooks hooks = {});
  ~coordinator_core();
  coordinator_core(const coordinator_core&) = delete;
  coordinator_core& operator=(const coordinator_core&) = delete;

  const coordinator_config& config() const { return config_; }
  int32_t partition_for(std::string_view group_id) const;

  // ---- lifecycle ----
  // Starts answering requests (before: COORDINATOR_NOT_AVAILABLE) and the offset-retention sweep.
  void start(int64_t now_ms);
  // Stops: every partition is unloaded (parked requests get NOT_COORDINATOR), then requests get
  // COORDINATOR_NOT_AVAILABLE.
  void stop(int64_t now_ms);
  bool active() const { return active_; }

  // ---- partitions of __consumer_offsets ----
  // This broker now leads `partition` at `epoch`: its groups answer COORDINATOR_LOAD_IN_PROGRESS
  // until finish_load. A newer epoch restarts a load; an older one is ignored.
  void begin_load(int32_t partition, int32_t epoch);
  // One record of the partition, in log order (records of an older epoch's load are ignored).
  // A record that does not decode is skipped and reported.
  result<void> replay(int32_t partition, int32_t epoch, const log_record& record);
  // The whole log was replayed: groups go live (members' sessions start now) and requests for
  // them are answered. With ok=false the load failed and the partition is dropped.
  void finish_load(int32_t partition, int32_t epoch, bool ok, int64_t now_ms);
  // This broker no longer leads `partition` (epoch nullopt: whatever the epoch). Its groups are
  // dropped; parked requests get NOT_COORDINATOR.
  void unload(int32_t partition, std::optional<int32_t> epoch);
  bool is_loading(int32_t partition) const;
  bool owns(int32_t partition) const;  // loaded and serving

  // ---- requests ----
  void join_group(protocol::join_group_request request, int16_t version, const client_info& client,
                  int64_t now_ms, completion<protocol::join_group_response> done);
  void sync_group(protocol::sync_group_request request, int16_t version, int64_t now_ms,
                  completion<protocol::sync_group_response> done);
  void heartbeat(const protocol::heartbeat_request& request, int16_t version, int64_t now_ms,
                 completion<protocol::heartbeat_response> done);
  void leave_group(const protocol::leave_group_request& request, int16_t version, int64_t now_ms,
                   completion<protocol::leave_group_response> done);
  void offset_commit(const protocol::offset_commit_request& request, int16_t version,
                     int64_t now_ms, completion<protocol::offset_commit_response> done);
  void offset_fetch(const protocol::offset_fetch_request& request, int16_t version,
                    completion<protocol::offset_fetch_response> done);
  void list_groups(const protocol::list_groups_request& request, int16_t version,
                   completion<protocol::list_groups_response> done);
  void describe_groups(const protocol::describe_groups_request& request, int16_t version,
                       completion<protocol::describe_groups_response> done);
  void delete_groups(const protocol::delete_groups_request& request, int16_t version,
                     int64_t now_ms, completion<protocol::delete_groups_response> done);
  void offset_delete(const protocol::offset_delete_request& request, int16_t version,
                     int64_t now_ms, completion<protocol::offset_delete_response> done);

  // KIP-848: a consumer-protocol member's heartbeat (join, leave, reconcile), and the description
  // of consumer groups.
  void consumer_group_heartbeat(protocol::consumer_group_heartbeat_request request, int16_t version,
                                const client_info& client, int64_t now_ms,
                                completion<protocol::consumer_group_heartbeat_response> done);
  void consumer_group_describe(const protocol::consumer_group_describe_request& request,
                               int16_t version,
                               completion<protocol::consumer_group_describe_response> done);

  // KIP-932: a share-group member's heartbeat (join, leave, subscription, assignment), and the
  // description of share groups (coordinator_share.cc).
  void share_group_heartbeat(protocol::share_group_heartbeat_request request, int16_t version,
                             const client_info& client, int64_t now_ms,
                             completion<protocol::share_group_heartbeat_response> done);
  void share_group_describe(const protocol::share_group_describe_request& request, int16_t version,
                            completion<protocol::share_group_describe_response> done);

  // TxnOffsetCommit: the offsets are written in the producer's transaction (a transactional batch)
  // and held aside until the transaction ends; OffsetFetch does not return them before.
  void txn_offset_commit(const protocol::txn_offset_commit_request& request, int16_t version,
                         int64_t now_ms, completion<protocol::txn_offset_commit_response> done);
  // The transaction coordinator's marker for `producer_id` was written to __consumer_offsets
  // partition `partition` (WriteTxnMarkers): its held offsets in that partition's groups become
  // the committed offsets (unless a later plain commit replaced them) or are dropped.
  void complete_transaction(int32_t partition, int64_t producer_id, bool commit);

  // Topic partitions were deleted: their committed offsets go from every group (and a group left
  // empty without offsets goes too).
  void partitions_deleted(const std::vector<topic_partition>& tps, int64_t now_ms);

  // ---- I/O and time ----
  void append_done(uint64_t append_id, append_status status, int64_t now_ms);
  // Fires every timer due at `now_ms`.
  void on_timer(int64_t now_ms);
  std::optional<int64_t> next_deadline() const { return timers_.next_deadline(); }

  // ---- effects ----
  std::vector<task> take_ready();
  std::vector<append_request> take_appends();

  // ---- inspection (tests, admin tools) ----
  const group* find_group(const std::string& group_id) const;
  const share_group* find_share_group(const std::string& group_id) const;
  // The topics a share group's members have subscribed to since it was created (whose share
  // partitions may have state: DescribeShareGroupOffsets without topics), or GROUP_ID_NOT_FOUND,
  // or why this coordinator cannot answer for the group.
  sluice::result<std::set<std::string>, error_code> share_group_topics(
      const std::string& group_id) const;
  // Before the offsets of a share group are reset or deleted (AlterShareGroupOffsets,
  // DeleteShareGroupOffsets): the group must be a share group without members (else
  // NON_EMPTY_GROUP). One that does not exist is created empty when `create` (a reset, as Kafka),
  // else GROUP_ID_NOT_FOUND; a classic or consumer group is GROUP_ID_NOT_FOUND. `topics` join the
  // topics the group has seen, so a reset topic shows in its offsets.
  std::optional<error_code> prepare_share_offsets_change(const std::string& group_id, bool create,
                                                         const std::set<std::string>& topics,
                                                         int64_t now_ms);
  size_t group_count() const { return groups_.size(); }
  size_t pending_append_count() const { return pending_appends_.size(); }

 private:
  struct partition_state {
    int32_t epoch = 0;
    bool loading = true;
  };
  using append_continuation = unique_function<void(append_status, int64_t now_ms)>;
  struct pending_append {
    int32_t partition = 0;
    int32_t epoch = 0;
    append_continuation then;
  };

  // ---- shared plumbing (coordinator_core.cc) ----
  std::optional<error_code> check_group(const std::string& group_id, bool empty_id_ok) const;
  group* lookup(const std::string& group_id);
  // The group only if it is still the same object (not deleted and recreated, not reloaded).
  group* lookup(const std::string& group_id, uint64_t incarnation);
  group& create_group(const std::string& group_id, int64_t now_ms);
  void erase_group(const std::string& group_id);
  template <class Response>
  void respond(completion<Response> done, Response response);
  void append(int32_t partition, std::vector<log_record> records, append_continuation then);
  void append_and_forget(int32_t partition, std::vector<log_record> records);
  std::string new_member_id(const std::string& prefix);
  void drop_group(group& g);  // unload: answer everything parked, cancel timers
  // Answers every JoinGroup and SyncGroup the classic group holds with `e`; cancels its timers.
  void answer_parked(group& g, error_code e);

  // ---- joining (coordinator_join.cc) ----
  void join_new_member(group& g, protocol::join_group_request& request, int16_t version,
                       const client_info& client, int32_t rebalance_timeout, int64_t now_ms,
                       parked_join reply);
  void join_current_member(group& g, protocol::join_group_request& request,
                           const client_info& client, int32_t rebalance_timeout, int64_t now_ms,
                           parked_join reply);
  void add_member_and_rebalance(group& g, std::string member_id,
                                protocol::join_group_request& request, const client_info& client,
                                int32_t rebalance_timeout, int64_t now_ms, parked_join reply);
  void update_member_and_rebalance(group& g, member& m, std::vector<member_protocol> protocols,
                                   int32_t rebalance_timeout, int32_t session_timeout,
                                   int64_t now_ms, parked_join reply);
  void replace_static_member(group& g, const std::string& instance_id, const std::string& old_id,
                             std::string new_id, std::vector<member_protocol> protocols,
                             int32_t rebalance_timeout, int32_t session_timeout, int64_t now_ms,
                             parked_join reply);
  void answer_join(member& m, join_outcome outcome);
  join_outcome current_generation_outcome(const group& g, const member& m, bool with_members,
                                          const std::optional<std::string>& leader) const;
  std::optional<error_code> validate_current_member(
      const group& g, const std::string& member_id,
      const std::optional<std::string>& instance_id) const;

  // ---- rebalancing and timers (coordinator_rebalance.cc) ----
  void maybe_prepare_rebalance(group& g, int64_t now_ms);
  void prepare_rebalance(group& g, int64_t now_ms);
  void try_complete_join(group& g, int64_t now_ms);
  void complete_join(group& g, int64_t now_ms);
  void remove_member_and_update(group& g, const std::string& member_id, int64_t now_ms);
  void remove_pending_member(group& g, const std::string& member_id, int64_t now_ms);
  std::optional<member> remove_member(group& g, const std::string& member_id);
  void schedule_session(group& g, member& m, int64_t now_ms, int32_t timeout_ms);
  void set_and_propagate_assignment(group& g, std::map<std::string, protocol::bytes> assignment,
                                    int64_t now_ms);
  void reset_and_propagate_error(group& g, error_code e, int64_t now_ms);
  void propagate_assignment(group& g, error_code e, int64_t now_ms);
  void remove_pending_sync(group& g, const std::string& member_id);
  void store_group(group& g, const std::map<std::string, protocol::bytes>& assignment,
                   int64_t now_ms, append_continuation then);
  void fire(timer_id id, const timer_key& key, int64_t now_ms);
  void on_session_expired(group& g, timer_id id, const std::string& member_id, int64_t now_ms);
  void on_join_timer(group& g, int64_t now_ms);
  void on_sync_expired(group& g, int32_t generation, int64_t now_ms);
  void after_load(group& g, int64_t now_ms);

  // ---- consumer groups (coordinator_consumer.cc) ----
  std::map<std::string, topic_info> subscribed_topics(const consumer_group& cg,
                                                      const consumer_member* replacing) const;
  // The topics `m` subscribes to: its names and what its regular expression matches.
  std::set<std::string> member_topics(const consumer_group& cg, const consumer_member& m) const;
  // Resolves the members' regular expressions (and `replacing`'s) against the cluster's topics
  // when one is new or the last resolution is older than regex_refresh_ms.
  // Returns the ConsumerGroupRegularExpression records of what changed (new, changed or dropped
  // patterns).
  std::vector<consumer_record_body> resolve_regexes(consumer_group& cg,
                                                    const consumer_member* replacing,
                                                    int64_t now_ms, const client_info& client);
  static std::vector<consumer_record_body> regex_tombstones(const consumer_group& cg);
  const consumer_member& update_consumer_member(group& g,
                                                const std::optional<consumer_member>& prior,
                                                consumer_member updated, bool release,
                                                const std::optional<partition_assignment>& owned,
                                                const client_info& client,
                                                std::vector<log_record>& records, int64_t now_ms);
  void take_over_static_member(group& g, const consumer_member& old, const std::string& member_id,
                               std::vector<log_record>& records, int64_t now_ms);
  // Arms (or re-arms) one of a consumer-group member's timers.
  void arm_consumer_timer(group& g, timer_kind kind, const std::string& member_id, int64_t at_ms,
                          int32_t generation = 0);
  void cancel_consumer_timer(group& g, timer_kind kind, const std::string& member_id);
  int32_t session_timeout_of(const group& g, const consumer_member& m) const;
  // Applies each record to g.consumer and adds it to `out` for the log.
  void write_consumer_records(group& g, std::vector<consumer_record_body> bodies,
                              std::vector<log_record>& out, int64_t now_ms);
  // The records that remove a member (and bump the group epoch); cancels its timers.
  std::vector<consumer_record_body> member_removal(group& g, const std::string& member_id,
                                                   bool bump_epoch = true);
  void remove_consumer_member(group& g, const std::string& member_id, const char* why,
                              int64_t now_ms);
  // OffsetCommit/OffsetFetch by a member of a consumer group: UNKNOWN_MEMBER_ID or
  // STALE_MEMBER_EPOCH unless `epoch` is the member's.
  std::optional<error_code> validate_consumer_member(const group& g, const std::string& member_id,
                                                     int32_t epoch) const;
  void on_consumer_timer(group& g, timer_id id, const timer_key& key, int64_t now_ms);
  void after_consumer_load(group& g, int64_t now_ms);
  void drop_consumer_group(group& g);
  // An empty consumer group's KIP-848 state goes (tombstones written): deleted, or classic again.
  void delete_consumer_state(group& g, int64_t now_ms);

  // ---- classic members in consumer groups, and migration (coordinator_migration.cc) ----
  void classic_join_to_consumer_group(group& g, protocol::join_group_request& request,
                                      int16_t version, const client_info& client, int64_t now_ms,
                                      completion<protocol::join_group_response> done);
  void classic_sync_to_consumer_group(group& g, const protocol::sync_group_request& request,
                                      int16_t version, int64_t now_ms,
                                      completion<protocol::sync_group_response> done);
  error_code classic_heartbeat_to_consumer_group(group& g,
                                                 const protocol::heartbeat_request& request,
                                                 int64_t now_ms);
  std::vector<protocol::leave_group_response::member_response> classic_leave_to_consumer_group(
      group& g, const std::vector<protocol::leave_group_request::member_identity>& leaving,
      int64_t now_ms);
  // Classic member `member_id` of a consumer group: UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID
  // unless it is one (found by its instance id when it has one).
  sluice::result<const consumer_member*, error_code> find_classic_member(
      const group& g, const std::string& member_id,
      const std::optional<std::string>& instance) const;
  // A non-empty classic group whose members use the consumer protocol type becomes a consumer
  // group (a consumer-protocol member is joining); false if the policy or the group forbid it.
  bool maybe_upgrade(group& g, std::vector<log_record>& records, int64_t now_ms);
  // Consumer-protocol member `leaving` goes: if every other member uses the classic protocol
  // the group becomes a classic group (records to `records`) and true is returned.
  bool maybe_downgrade(group& g, const std::string& leaving, std::vector<log_record>& records,
                       int64_t now_ms);

  // ---- share groups (coordinator_share.cc) ----
  void compute_share_assignment(share_group& sg, const std::map<std::string, topic_info>& topics);
  void remove_share_member(share_group& sg, const std::string& member_id, const char* why,
                           int64_t now_ms);
  void on_share_timer(timer_id id, const timer_key& key, int64_t now_ms);
  void drop_share_groups(int32_t partition);  // unload
  // The records from `before` to `after` (`created`: the group is new), encoded into `out`.
  void share_changes(const share_group& before, const share_group& after, bool created,
                     int64_t now_ms, std::vector<log_record>& out) const;
  // A loaded share group's members get their session timers.
  void after_share_load(int32_t partition, int64_t now_ms);
  void arm_share_session(share_group& sg, share_member& m, int64_t now_ms);
  std::map<std::string, share_group>::iterator create_share_group(const std::string& group_id);

  // ---- offsets (coordinator_offsets.cc) ----
  void apply_offset(group& g, const topic_partition& tp, const std::optional<committed_offset>& v,
                    uint64_t order);
  void apply_txn_marker(int32_t partition, int64_t producer_id, bool commit);
  void apply_record(int32_t partition, decoded_record record, const std::optional<txn_tag>& txn);
  fetched_group fetch_offsets(const std::string& group_id,
                              const std::optional<std::vector<fetched_topic>>& wanted,
                              bool require_stable, int16_t version) const;
  void expire_offsets(int64_t now_ms);
  // Removes offsets (and the group itself when it is left empty and without offsets), applies the
  // tombstones and appends them. Returns whether the group was removed.
  bool remove_offsets_and_maybe_group(group& g, const std::vector<topic_partition>& tps,
                                      bool remove_group, int64_t now_ms);

  coordinator_config config_;
  coordinator_hooks hooks_;
  bool active_ = false;
  std::map<int32_t, partition_state> partitions_;
  std::map<std::string, group> groups_;
  std::map<std::string, share_group> share_groups_;  // a group id is in one map or the other
  uint64_t next_incarnation_ = 1;
  uint64_t next_join_seq_ = 1;
  uint64_t next_commit_id_ = 1;
  uint64_t next_log_order_ = 1;  // see group::offset_order
  timer_queue timers_;
  timer_id retention_timer_ = no_timer;
  std::map<uint64_t, pending_append> pending_appends_;
  uint64_t next_append_id_ = 1;
  std::vector<task> ready_;
  std::vector<append_request> appends_;
  std::mt19937_64 uuid_rng_;
};

}  // namespace sluice::coordinator
