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
//     (the state znode's zkVersion), with an ISR of live replicas.
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
#include "protocol/generated/alter_partition.h"
#include "protocol/generated/controlled_shutdown.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/leader_and_isr.h"
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
  std::optional<bool> unclean_leader_election;       // the topic's override, if any
};

// What the controller knows of one partition.
struct partition_view {
  std::vector<int32_t> replicas;
  bool has_state = false;  // a state znode exists
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
  int32_t zk_version = 0;  // partition epoch
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
  std::vector<state_write> state_writes;
  // Remove /brokers/topics/<t> (recursively), /config/topics/<t> and /admin/delete_topics/<t>.
  std::vector<std::string> topic_removals;
  // Remove only the /admin/delete_topics/<t> marker (unknown topic, or deletion disabled).
  std::vector<std::string> deletion_marker_removals;
  std::vector<broker_request> requests;
  std::vector<std::pair<uint64_t, protocol::alter_partition_response>> alter_partition_replies;
  std::vector<std::pair<uint64_t, protocol::controlled_shutdown_response>> shutdown_replies;
  std::vector<std::pair<uint64_t, protocol::elect_leaders_response>> elect_leaders_replies;

  bool empty() const;
  void append(controller_actions other);
};

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

  bool is_live(int32_t broker) const;
  bool eligible_leader(int32_t broker) const;  // live and not shutting down
  bool unclean_allowed(const topic_entry& topic) const;
  partition_view* find(const std::string& topic, int32_t p);
  std::optional<change> reconcile_partition(const std::string& topic, const topic_entry& entry,
                                            int32_t number, const partition_view& p) const;
  std::vector<change> reconcile_all() const;

  controller_actions run(batch b);
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
