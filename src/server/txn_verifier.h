// txn_verifier: the partition leader's side of KIP-890 part 1 (Kafka's AddPartitionsToTxnManager).
// Before a transactional batch opens a transaction in a partition, the leader asks the producer's
// transaction coordinator — the leader of the transactional id's __transaction_state partition —
// with AddPartitionsToTxn (v4+, verify_only) whether the partition was added to the transaction.
// The coordinator's answer is translated as Kafka's broker does for the Produce response:
// a partition not in the transaction is INVALID_TXN_STATE (TRANSACTION_ABORTABLE for Produce
// v11+ clients), a coordinator that is moving or busy is NOT_ENOUGH_REPLICAS (which every client
// retries without refreshing its metadata), a fenced producer INVALID_PRODUCER_EPOCH.
//
// Owned by the broker, installed as replica_manager::options::verify_transaction. A coordinator
// on this broker is asked in process; another broker over a blocking inter-broker client on this
// class's one worker thread. verify() may be called from any thread (network threads included: it
// never blocks); `done` runs on the coordinator's completing thread or the worker.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cluster/metadata_store.h"
#include "protocol/generated/add_partitions_to_txn.h"
#include "replication/replica_manager.h"
#include "server/inter_broker_clients.h"

namespace sluice::transaction {
class txn_coordinator;
}

namespace sluice::server {

class txn_verifier {
 public:
  txn_verifier(int32_t broker_id, std::string listener_name, cluster::metadata_store& metadata,
               transaction::txn_coordinator& coordinator, net::client_security security = {});
  ~txn_verifier();
  txn_verifier(const txn_verifier&) = delete;
  txn_verifier& operator=(const txn_verifier&) = delete;

  void verify(replication::verification_request request,
              std::function<void(replication::verification_result)> done);
  void stop();

  // The translation of a coordinator's answer (or its absence) into the Produce outcome, exposed
  // for tests: per-partition AddPartitionsToTxn codes, or a top-level error for all.
  static replication::verification_result translate(
      const replication::verification_request& request,
      const protocol::add_partitions_to_txn_response& response);
  static replication::verification_result fail_all(const replication::verification_request& request,
                                                   int16_t error_code);

 private:
  struct remote_call {
    int32_t broker;
    replication::verification_request request;
    std::function<void(replication::verification_result)> done;
  };
  void loop();

  const int32_t broker_id_;
  cluster::metadata_store& metadata_;
  transaction::txn_coordinator& coordinator_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<remote_call> queue_;  // mutex_
  bool stopping_ = false;          // mutex_
  inter_broker_clients clients_;   // the worker's; stop() closes them
  std::thread worker_;             // last: started once everything above exists
};

}  // namespace sluice::server
