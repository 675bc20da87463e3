// The transaction markers the coordinator asks for: after PrepareCommit/PrepareAbort is written,
// one marker_request per transaction names every partition that must get a COMMIT/ABORT control
// batch. The driver (txn_coordinator's marker_channel) groups the partitions by leader, sends
// WriteTxnMarkers (to_writable_marker builds one entry of it), retries what failed retriably
// (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, a lost connection, ...)
// against the current leader, and reports each partition's outcome once. When every partition
// is reported the coordinator writes CompleteCommit/CompleteAbort. Plain values; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol/generated/write_txn_markers.h"
#include "transaction/types.h"

namespace sluice::transaction {

struct marker_request {
  uint64_t id = 0;  // report outcomes under this id; it also names a cancellation
  std::string transactional_id;
  int32_t state_partition = 0;  // the __transaction_state partition the transaction lives on
  producer_id pid = no_producer_id;
  producer_epoch epoch = no_producer_epoch;
  int32_t coordinator_epoch = 0;  // the leader epoch of state_partition
  txn_result result = txn_result::abort;
  std::vector<topic_partition> partitions;  // sorted, no duplicates
  friend bool operator==(const marker_request&, const marker_request&) = default;
};

// How writing one partition's marker ended (WriteTxnMarkers' per-partition error code).
enum class marker_outcome {
  // NONE: the marker is in the partition's log.
  written,
  // The partition has no leader any more (its topic was deleted), or its leader answered
  // UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION: nothing to write there, counts as done.
  partition_gone,
  // INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED: a newer producer epoch or a newer
  // coordinator owns the transaction. The coordinator stops sending this transaction's markers
  // (and does not complete it: whoever fenced it will), as Kafka does.
  fenced,
};

// One WriteTxnMarkers entry for `partitions` (a subset of m.partitions, e.g. those one broker
// leads), topics grouped in order.
protocol::write_txn_markers_request::writable_txn_marker to_writable_marker(
    const marker_request& m, const std::vector<topic_partition>& partitions);

}  // namespace sluice::transaction
