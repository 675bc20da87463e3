// controller_state: the controller's decisions as a deterministic state machine, apart from I/O.
// The driver (controller.cc) feeds it events — it became controller with what ZooKeeper holds,
// the live broker set changed, a topic appeared or grew, topics were marked for deletion, a leader
// sent AlterPartition, a broker asked to shut down, leaders should move to preferred replicas —
// and executes what it returns: conditional writes of partition state znodes, topic znode
// removals, requests to brokers (LeaderAndIsr, UpdateMetadata, StopReplica) and replies.
//
// Kafka's ZooKeeper-mode rules, literally:
//   - a new partition's leader is its first live replica, its ISR every live replica, epoch 0;
//   - when a leader is gone (or shutting down), the new leader is the first replica in assignment
//     order that is live and in the ISR; with none (and unclean election off) leader = -1 and the
//     ISR keeps its last member; the leader epoch grows on every leader change and on every
//     ISR shrink the controller makes;
//   - a dead follower leaves the ISR unless it is the last member;
//   - AlterPartition is applied only for the current leader, leader epoch and partition epoch
//     (the state znode's zkVersion), with an ISR of live replicas;
//   - a reassignment (AlterPartitionReassignments) to target replicas T from origin O first
//     records the full set (T then O, deduplicated) with adding = full − O and removing =
//     full − T in the topic znode, bumps the leader epoch and tells the full set; once T is in
//     the ISR it completes: the leader stays if in T (else the first live ISR member of T), the
//     ISR and replicas become T's, the removed replicas get StopReplica(delete), the topic znode
//     loses adding/removing. Cancelling reassigns to O. A new controller resumes what it finds.
//
// Protocol of use: every call returns controller_actions. When its state_writes are non-empty the
// driver performs them (in order) and calls writes_done() with one result per write before any
// other event; writes_done may return further writes (a lost race is reconciled), so the driver
// loops until none remain. Requests and replies may be sent as soon as they are returned.
// Single-threaded: owned by the controller's worker thread (or a test).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "cluster/metadata_store.h"
#include "cluster/zk_layout.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_partition.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/controlled_shutdown.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/leader_and_isr.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/generated/stop_replica.h"
#include "protocol/generated/update_metadata.h"

namespace sluice::cluster {

struct controller_state_options {
  int32_t broker_id = 0;
  std::string inter_broker_listener =
      "PLAINTEXT";                       // whose endpoint LeaderAndIsr's live leaders carry
  bool unclean_leader_election = false;  // broker default; a topic may override
  bool delete_topic_enable = true;
  int32_t leader_imbalance_per_broker_percentage = 10;
};

// A registered broker and its epoch (the czxid of /brokers/ids/<id>).
struct live_broker {
  broker_info info;
  int64_t epoch = 0;
};

// A partition state znode as read: its payload and zkVersion.
struct stored_partition_state {
  zk_layout::leader_and_isr state;
  int32_t version = 0;
};

// A topic as read from ZooKeeper.
struct loaded_topic {
  std::string name;
  protocol::uuid id;
  std::map<int32_t, std::vector<int32_t>> assignment;
  std::map<int32_t, stored_partition_state> states;  // partitions with a state znode
  std::map<int32_t, std::vector<int32_t>> adding;    // reassignments under way
  std::map<int32_t, std::vector<int32_t>> removing;
  std::optional<bool> unclean_leader_election;  // the topic's override, if any
};

// What the controller knows of one partition.
struct partition_view {
  std::vector<int32_t> replicas;  // during a reassignment: target, then origin
  std::vector<int32_t> adding;    // replicas − origin, while reassigning
  std::vector<int32_t> removing;  // replicas − target, while reassigning
  bool has_state = false;         // a state znode exists
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
  int32_t zk_version = 0;  // partition epoch

  bool reassigning() const { return !adding.empty() || !removing.empty(); }
  std::vector<int32_t> target() const;  // replicas − removing
  std::vector<int32_t> origin() const;  // replicas − adding
};

// Write /brokers/topics/<t>/partitions/<p>/state: create (with parents) when expected_version is
// empty, else set conditionally on it.
struct state_write {
  std::string topic;
  int32_t partition = 0;
  zk_layout::leader_and_isr state;
  std::optional<int32_t> expected_version;
};

// The outcome of one state_write. On failure (lost a race: bad version, node exists/absent) the
// driver re-reads the znode and passes what it found (nullopt: it does not exist).
// Set these partitions' replicas (and adding/removing, empty when not reassigning) in
// /brokers/topics/<t>, leaving the rest of the znode as it is.
struct assignment_write {
  std::string topic;
  std::map<int32_t, partition_view> partitions;  // only replicas, adding and removing are used
};

struct state_write_result {
  bool ok = false;
  int32_t new_version = 0;
  std::optional<stored_partition_state> current;
};

using broker_request_body =
    std::variant<protocol::leader_and_isr_request, protocol::update_metadata_request,
                 protocol::stop_replica_request>;

struct broker_request {
  int32_t broker = 0;
  broker_request_body body;
};

struct controller_actions {
  // Performed before this object's state writes and requests.
  std::vector<assignment_write> assignment_writes;
  std::vector<state_write> state_writes;
  // Remove /brokers/topics/<t> (recursively), /config/topics/<t> and /admin/delete_topics/<t>.
  std::vector<std::string> topic_removals;
  // Remove only the /admin/delete_topics/<t> marker (unknown topic, or deletion disabled).
  std::vector<std::string> deletion_marker_removals;
  std::vector<broker_request> requests;
  std::vector<std::pair<uint64_t, protocol::alter_partition_response>> alter_partition_replies;
  std::vector<std::pair<uint64_t, protocol::controlled_shutdown_response>> shutdown_replies;
  std::vector<std::pair<uint64_t, protocol::elect_leaders_response>> elect_leaders_replies;
  std::vector<std::pair<uint64_t, protocol::alter_partition_reassignments_response>>
      reassignment_replies;

  bool empty() const;
  void append(controller_actions other);
};

// Why AlterPartitionReassignments refuses moving a partition from `origin` to `target`, with
// Kafka 3.9's messages (KIP-860's replication-factor check as Kafka 4.x), or nullopt.
struct reassignment_refusal {
  protocol::error_code code;
  std::string message;
};
std::optional<reassignment_refusal> check_reassignment(const std::vector<int32_t>& target,
                                                       const std::vector<int32_t>& origin,
                                                       const std::set<int32_t>& live,
                                                       bool allow_replication_factor_change);

class controller_state {
 public:
  explicit controller_state(controller_state_options options);

  controller_actions became_controller(int32_t epoch, std::vector<live_broker> brokers,
                                       std::vector<loaded_topic> topics,
                                       std::vector<std::string> pending_deletions);
  void resigned();
  bool active() const { return active_; }
  int32_t epoch() const { return epoch_; }

  // The whole live set (from /brokers/ids); departures, arrivals and restarts (same id, new
  // epoch) are derived from it.
  controller_actions brokers_changed(std::vector<live_broker> brokers);
  // A topic's assignment znode appeared or changed (new partitions), or nullopt: it vanished.
  controller_actions topic_changed(const std::string& name, std::optional<loaded_topic> topic);
  // Topics marked under /admin/delete_topics. As Kafka: UpdateMetadata marks their partitions
  // deleted, every replica gets StopReplica(delete); the znodes go once every replica answered
  // (replicas on dead brokers are asked again when they return).
  controller_actions deletions_requested(const std::vector<std::string>& topics);
  // `broker` answered a StopReplica(delete) for these partitions of `topic`.
  controller_actions replicas_deleted(int32_t broker, const std::string& topic,
                                      const std::vector<int32_t>& partitions);
  controller_actions alter_partition(uint64_t reply_id,
                                     const protocol::alter_partition_request& request,
                                     int16_t version);
  controller_actions controlled_shutdown(uint64_t reply_id,
                                         const protocol::controlled_shutdown_request& request);
  controller_actions elect_leaders(uint64_t reply_id,
                                   const protocol::elect_leaders_request& request);
  // AlterPartitionReassignments: validates each partition as Kafka 3.9's controller does, starts
  // (or replaces, or cancels) its reassignment and answers once the first writes are done.
  controller_actions alter_reassignments(
      uint64_t reply_id, const protocol::alter_partition_reassignments_request& request);
  // Whether `broker` is registered with `epoch` (-1: any), as AllocateProducerIds checks its
  // sender: none, BROKER_ID_NOT_REGISTERED, STALE_BROKER_EPOCH or NOT_CONTROLLER.
  protocol::error_code check_broker_epoch(int32_t broker, int64_t epoch) const;
  // ListPartitionReassignments: the named (or all) partitions being reassigned.
  protocol::list_partition_reassignments_response list_reassignments(
      const protocol::list_partition_reassignments_request& request) const;
  // The broker default of unclean.leader.election.enable changed (a dynamic broker config). Used
  // by every election from now on; turned on, partitions left without a leader get one now from
  // their live replicas, as Kafka's controller does.
  controller_actions unclean_leader_election_default_changed(bool enabled);
  // The periodic leader-imbalance check (auto.leader.rebalance.enable).
  controller_actions rebalance_leaders();
  controller_actions writes_done(const std::vector<state_write_result>& results);

  // Views (tests, the driver's logging).
  const partition_view* partition(const std::string& topic, int32_t p) const;
  std::vector<std::string> topic_names() const;
  std::set<int32_t> live_broker_ids() const;
  bool writes_pending() const { return pending_.has_value(); }
  bool deletion_underway(const std::string& topic) const { return deleting_.contains(topic); }

 private:
  struct topic_entry {
    protocol::uuid id;
    std::map<int32_t, partition_view> partitions;
    std::optional<bool> unclean_leader_election;
  };
  struct change {
    std::string topic;
    int32_t partition = 0;
    partition_view proposed;
    bool is_new = false;
  };
  // Writes in flight and what to do once they are answered: LeaderAndIsr to the live replicas and
  // UpdateMetadata to every live broker for the partitions written, then `then` (told which
  // changes were written) for replies and follow-up work.
  struct batch {
    std::vector<change> changes;
    bool send_leader_and_isr = true;
    bool send_update_metadata = true;
    bool update_metadata_even_if_unchanged = false;  // the live broker set changed
    std::function<controller_actions(const std::vector<bool>& written)> then;
  };
  using partition_list = std::vector<std::pair<std::string, int32_t>>;

  static partition_view loaded_view(const loaded_topic& t, int32_t p);
  bool is_live(int32_t broker) const;
  bool eligible_leader(int32_t broker) const;  // live and not shutting down
  bool unclean_allowed(const topic_entry& topic) const;
  partition_view* find(const std::string& topic, int32_t p);
  std::optional<change> reconcile_partition(const std::string& topic, const topic_entry& entry,
                                            int32_t number, const partition_view& p) const;
  std::vector<change> reconcile_all() const;

  controller_actions run(batch b);
  // Completes every reassignment whose target replicas are all in the ISR (and can be led).
  controller_actions continue_reassignments();
  std::optional<change> completion_of(const std::string& topic, int32_t number,
                                      const partition_view& p) const;
  // A completing reassignment: its change's index in the batch and the replicas it drops.
  struct completion {
    std::string topic;
    int32_t partition = 0;
    std::vector<int32_t> removed;
    size_t change_index = 0;
  };
  // The StopReplica(delete) and topic znode writes that follow written completions.
  controller_actions after_completions(const std::vector<completion>& completed,
                                       const std::vector<bool>& ok);
  controller_actions finish(batch& b, const partition_list& written, const std::vector<bool>& ok,
                            const std::vector<bool>& is_new);
  void add_leader_and_isr(controller_actions& out, const partition_list& partitions,
                          const std::vector<bool>& is_new, std::optional<int32_t> only_broker);
  void add_update_metadata(controller_actions& out, const partition_list& partitions,
                           std::optional<int32_t> only_broker);
  void add_stop_replica(controller_actions& out, int32_t broker, const partition_list& partitions,
                        bool delete_partitions);
  partition_list all_partitions() const;
  controller_actions on_brokers_started(const std::vector<int32_t>& started);
  // Asks the live replicas still holding a deleting topic (only `broker`'s, if given); removes
  // the topic once none is left.
  controller_actions continue_deletion(const std::string& topic, std::optional<int32_t> broker);

  controller_state_options options_;
  bool active_ = false;
  int32_t epoch_ = -1;
  std::map<int32_t, live_broker> live_;
  std::set<int32_t> shutting_down_;
  std::map<std::string, topic_entry> topics_;
  // Topics being deleted: the (broker, partition) replicas that have not answered StopReplica.
  std::map<std::string, std::set<std::pair<int32_t, int32_t>>> deleting_;
  std::optional<batch> pending_;
  bool reconcile_needed_ = false;  // a write lost a race; re-derive leaders once idle
};

}  // namespace sluice::cluster
