// What the transaction coordinator needs from the broker: a way to write and read
// __transaction_state, a channel that writes transaction markers to partition leaders, and a
// timer. The broker implements them (over the replica manager, the inter-broker clients and its
// io context); txn_coordinator is the only caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "coordinator/completion.h"
#include "transaction/log_records.h"
#include "transaction/markers.h"

namespace sluice::transaction {

class state_log {
 public:
  virtual ~state_log() = default;

  // Appends `records` to partition `partition` of __transaction_state as one record batch
  // (magic 2, no compression, CreateTime = each record's timestamp_ms, no producer id), as the
  // partition's leader, and calls `done` once the batch is committed (acks=all) or has failed —
  // exactly once, on any thread, possibly before append() returns. For one partition, `done`
  // calls come in the order of the append() calls.
  virtual void append(int32_t partition, std::vector<log_record> records,
                      unique_function<void(append_status)> done) = 0;

  // Reads partition `partition` from its log start offset up to its end and hands every record
  // to `chunk` in offset order, a batch (or more) at a time; then calls `done(true)`, or
  // `done(false)` if the read failed. Calls for one read never overlap; any thread.
  virtual void read(int32_t partition, std::function<void(std::vector<log_record>)> chunk,
                    unique_function<void(bool ok)> done) = 0;
};

// Reports how one partition of a marker_request ended: once per partition, from any thread.
using marker_report = std::function<void(const topic_partition& tp, marker_outcome outcome)>;

class marker_channel {
 public:
  virtual ~marker_channel() = default;

  // Writes the marker to each partition's current leader with WriteTxnMarkers (grouping
  // partitions by broker; to_writable_marker builds the entries), retrying retriable failures
  // (a lost connection, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT,
  // KAFKA_STORAGE_ERROR, UNKNOWN_TOPIC_OR_PARTITION while the topic still exists) with the leader
  // known then, and reports each partition through `report` once: written, partition_gone (no
  // leader because the topic is gone, or UNSUPPORTED_FOR_MESSAGE_FORMAT/UNSUPPORTED_VERSION), or
  // fenced (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED). Called without the
  // coordinator's lock; `report` may be called before send() returns.
  virtual void send(marker_request marker, marker_report report) = 0;

  // The coordinator no longer wants marker `marker_id` (it lost the partition, or the marker was
  // fenced): stop retrying it. Reports that still come are ignored.
  virtual void cancel(uint64_t marker_id) = 0;
};

class txn_timer {
 public:
  virtual ~txn_timer() = default;

  // Asks for txn_coordinator::on_timer() at wall-clock time `deadline_ms` (or soon after),
  // replacing any earlier request; nullopt cancels it. Called with the coordinator's lock held:
  // it must only schedule, never call on_timer() from inside arm().
  virtual void arm(std::optional<int64_t> deadline_ms) = 0;
};

}  // namespace sluice::transaction
