// What the group coordinator needs from the broker: a way to write and read __consumer_offsets,
// and a timer. The broker implements both (over the replica manager and its io context);
// group_coordinator is the only caller.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "coordinator/completion.h"
#include "coordinator/log_records.h"
#include "coordinator/types.h"

namespace sluice::coordinator {

class offsets_log {
 public:
  virtual ~offsets_log() = default;

  // Appends `records` to partition `partition` of __consumer_offsets as one record batch (magic
  // 2, CreateTime = each record's timestamp_ms; no producer id, or the producer's transactional
  // batch when the records carry a txn_tag), as the partition's leader, and
  // calls `done` once the batch is committed (acks=all: replicated to the in-sync replicas) or has
  // failed — exactly once, on any thread, possibly before append() returns. For one partition,
  // `done` calls come in the order of the append() calls (the log's order).
  virtual void append(int32_t partition, std::vector<log_record> records,
                      unique_function<void(append_status)> done) = 0;

  // Reads partition `partition` from its log start offset up to its log end (all this new leader
  // holds: its high watermark may still lag, as Kafka's coordinators know) and hands
  // every record of every data batch to `chunk`, in offset order, a batch (or more) at a time;
  // then calls `done(true)`, or `done(false)` if the read failed. Records of transactional
  // batches carry their txn_tag; a COMMIT/ABORT marker comes as a record with only a txn_tag
  // (marker_commits set). Other control records are skipped.
  // Calls for one read never overlap; they may come on any thread, `chunk` possibly before
  // read() returns.
  virtual void read(int32_t partition, std::function<void(std::vector<log_record>)> chunk,
                    unique_function<void(bool ok)> done) = 0;
};

class timer_driver {
 public:
  virtual ~timer_driver() = default;

  // Asks for group_coordinator::on_timer() at wall-clock time `deadline_ms` (or soon after),
  // replacing any earlier request; nullopt cancels it. Called with the coordinator's lock held:
  // it must only schedule, never call on_timer() from inside arm().
  virtual void arm(std::optional<int64_t> deadline_ms) = 0;
};

}  // namespace sluice::coordinator
