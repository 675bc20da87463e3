// txn_marker_channel: the transaction coordinator's marker_channel (transaction/txn_io.h) — writes
// each transaction's COMMIT/ABORT markers to the leaders of its partitions, as Kafka's
// TransactionMarkerChannelManager does. Partitions are grouped by their current leader (from the
// metadata store) into one WriteTxnMarkers request per broker; partitions this broker leads are
// written in process (handlers/txn_markers.h) instead of over a socket. Retriable failures (no
// leader yet, a lost connection, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, timeouts) are tried
// again after `retry_backoff` with whatever leader is current then; a partition whose topic is
// gone counts as done.
//
// Owned by the broker. One worker thread does the sending (blocking inter-broker clients, never a
// network thread); send() and cancel() may be called from any thread; reports run on the worker
// thread, without the channel's lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "cluster/metadata_store.h"
#include "protocol/generated/write_txn_markers.h"
#include "server/inter_broker_clients.h"
#include "transaction/txn_io.h"

namespace sluice::server {

struct txn_marker_channel_options {
  int32_t broker_id = 0;
  std::string listener_name;  // inter.broker.listener.name
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds retry_backoff{100};
  net::client_security security;  // the inter-broker listener's
  // Writes markers to partitions led here; nullopt (not ready yet) is retried later.
  using local_writer =
      std::function<bool(protocol::write_txn_markers_request, int32_t timeout_ms,
                         std::function<void(protocol::write_txn_markers_response)> done)>;
  local_writer write_locally;
};

class txn_marker_channel final : public transaction::marker_channel {
 public:
  txn_marker_channel(txn_marker_channel_options options, cluster::metadata_store& metadata);
  ~txn_marker_channel() override;
  txn_marker_channel(const txn_marker_channel&) = delete;
  txn_marker_channel& operator=(const txn_marker_channel&) = delete;

  void start();
  // Stops the worker; markers not yet written are dropped (the next coordinator redoes them).
  void stop();

  void send(transaction::marker_request marker, transaction::marker_report report) override;
  void cancel(uint64_t marker_id) override;

 private:
  struct job {
    transaction::marker_request marker;
    transaction::marker_report report;
    std::set<transaction::topic_partition> left;
    int64_t due_ms = 0;  // steady clock
  };
  // One partition's fate after an attempt.
  struct outcome {
    uint64_t marker_id;
    transaction::topic_partition tp;
    std::optional<transaction::marker_outcome> final;  // nullopt: try again later
    int64_t producer_id = -1;
  };
  void loop();
  std::vector<outcome> attempt(const std::vector<job>& due);
  // Sends one broker's share; fills `out` with an outcome per partition sent.
  void send_to(int32_t broker, const protocol::write_txn_markers_request& request,
               std::vector<outcome>& out);

  const txn_marker_channel_options options_;
  cluster::metadata_store& metadata_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<uint64_t, job> jobs_;  // mutex_
  bool stopping_ = false;         // mutex_
  std::thread worker_;
  inter_broker_clients clients_;  // used by the worker; stop() closes them
};

}  // namespace sluice::server
