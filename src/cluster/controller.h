// controller: the cluster's one active controller, elected through ZooKeeper (/controller,
// /controller_epoch) exactly as Kafka's ZooKeeper mode does. Every broker runs one; at most one
// is active. The active controller
//   - creates partition state znodes for new topics (/brokers/topics/<t>/partitions/<p>/state),
//     electing the first live in-sync replica of the assignment as leader;
//   - elects new leaders from the ISR when a broker's registration disappears, bumps leader
//     epochs, and removes dead brokers from ISRs (unclean election only when enabled);
//   - deletes topics listed under /admin/delete_topics (StopReplica with delete, then znodes);
//   - applies leaders' AlterPartition ISR changes (conditional on the partition epoch);
//   - handles ControlledShutdown by moving leadership off the stopping broker;
//   - moves leadership back to preferred replicas (auto.leader.rebalance.enable);
//   - reassigns partitions to other replicas (AlterPartitionReassignments), recording the move in
//     the topic znode so a successor resumes it;
//   - tells brokers through LeaderAndIsr, UpdateMetadata and StopReplica (one sender thread per
//     broker, in order, retried until the broker answers or leaves).
// The decisions are made by a deterministic state machine (controller_state.h) fed events and
// producing ZooKeeper writes and broker requests; this class is its I/O driver.
// Thread-safe; the requests it serves complete through one-shot callbacks from its own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/unique_function.h"
#include "cluster/zk_session.h"
#include "net/client_security.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_partition.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/controlled_shutdown.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace sluice::cluster {

struct controller_options {
  int32_t broker_id = 0;
  std::string inter_broker_listener = "PLAINTEXT";  // whose endpoint the channel connects to
  bool auto_leader_rebalance = true;
  int32_t leader_imbalance_check_interval_seconds = 300;
  int32_t leader_imbalance_per_broker_percentage = 10;
  bool unclean_leader_election = false;  // broker default; topic configs may override
  bool delete_topic_enable = true;
  int32_t request_timeout_ms = 30000;
  net::client_security security;  // how the channel reaches brokers (the inter-broker listener's)
};

class controller {
 public:
  controller(controller_options options, zk_session& zk);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  // Starts competing for /controller (and keeps doing so after losing it or the session).
  void start();
  void stop();

  bool active() const;
  int32_t epoch() const;  // this controller's epoch while active, else -1
  // unclean.leader.election.enable's broker default changed (dynamic broker config).
  void set_unclean_leader_election_default(bool enabled);

  // Served only while active (otherwise answered NOT_CONTROLLER). `version` is the request's.
  void alter_partition(protocol::alter_partition_request request, int16_t version,
                       unique_function<void(protocol::alter_partition_response)> done);
  void controlled_shutdown(protocol::controlled_shutdown_request request, int16_t version,
                           unique_function<void(protocol::controlled_shutdown_response)> done);
  void elect_leaders(protocol::elect_leaders_request request, int16_t version,
                     unique_function<void(protocol::elect_leaders_response)> done);
  void alter_reassignments(
      protocol::alter_partition_reassignments_request request,
      unique_function<void(protocol::alter_partition_reassignments_response)> done);
  // Checks, on the worker, that `broker` is registered with `epoch`; `done` gets the error
  // (none when it is), on the worker thread, so it may go on to write ZooKeeper.
  void check_broker_epoch(int32_t broker, int64_t epoch,
                          unique_function<void(protocol::error_code)> done);
  void list_reassignments(
      protocol::list_partition_reassignments_request request,
      unique_function<void(protocol::list_partition_reassignments_response)> done);

 private:
  struct impl;
  template <class Response>
  using waiter_map_ptr = std::map<uint64_t, unique_function<void(Response)>> impl::*;
  template <class Response, class Decide>
  void submit(waiter_map_ptr<Response> waiters, unique_function<void(Response)> done,
              Decide decide);
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::cluster
