// txn_metadata: what the coordinator knows about one transactional id, and the transitions Kafka
// allows it (prepare_*: pure functions computing the next record; the coordinator writes it and,
// once written, applies it with apply()).
//
// `current` is exactly what the last TransactionLogValue for the id says: a live write and a
// replayed record change the id through the same apply(). The rest is live-only: the previous
// producer id and epoch (KIP-360 retries; TransactionLogValue v0 has no room for them, so after a
// load they are -1, as in Kafka 3.9), the transition being written (`pending`, which blocks
// others), and the markers in flight.
//
// Owned by txn_coordinator_core; single-threaded like it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "protocol/error_code.h"
#include "transaction/log_records.h"
#include "transaction/types.h"

namespace sluice::transaction {

using protocol::error_code;

struct txn_metadata {
  std::string transactional_id;
  int32_t state_partition = 0;  // its partition of __transaction_state
  uint64_t load_id = 0;         // which load of that partition created this object
  txn_record current;
  producer_id last_pid = no_producer_id;
  producer_epoch last_epoch = no_producer_epoch;
  // The state a write in flight moves the id to (Kafka's pendingState).
  std::optional<txn_state> pending;
  // An epoch fence was written and failed: the in-memory epoch is already bumped, the next fence
  // must not bump it again.
  bool failed_epoch_fence = false;
  uint64_t marker_id = 0;  // the markers in flight (PrepareCommit/PrepareAbort), 0 when none

  const producer_id& pid() const { return current.pid; }
  const producer_epoch& epoch() const { return current.epoch; }
  txn_state state() const { return current.state; }
};

// A transition being written: the record, and the live-only fields that go with it.
struct txn_transit {
  txn_record next;
  producer_id last_pid = no_producer_id;
  producer_epoch last_epoch = no_producer_epoch;
};

// Applies a written (or replayed) record: `current` becomes it.
void apply(txn_metadata& m, const txn_record& record);
// Applies a transition this coordinator wrote: apply(), and for InitProducerId's transitions (to
// Empty) the previous producer id and epoch too.
void apply_written(txn_metadata& m, const txn_transit& t);

// InitProducerId on an id without a transaction in progress: the epoch goes up by one. With the
// producer's current epoch (KIP-360) `expected`: bumped when it is the current epoch (or there is
// none yet), returned unchanged when it is the previous one (a retry whose answer was lost),
// PRODUCER_FENCED otherwise. The epoch must not be exhausted.
std::variant<txn_transit, error_code> prepare_epoch_bump(const txn_metadata& m, int32_t timeout_ms,
                                                         std::optional<producer_epoch> expected,
                                                         int64_t now_ms);
// InitProducerId when the epoch is exhausted: a new producer id at epoch 0 (remembering the old
// epoch as the last one when the producer sent it, so its retry is recognised).
txn_transit prepare_producer_id_rotation(const txn_metadata& m, producer_id new_pid,
                                         int32_t timeout_ms, int64_t now_ms,
                                         bool record_last_epoch);
// AddPartitionsToTxn / AddOffsetsToTxn: Ongoing with the union of the partitions; the
// transaction starts now unless it was already ongoing.
txn_transit prepare_add_partitions(const txn_metadata& m, const std::set<topic_partition>& tps,
                                   int64_t now_ms);
// EndTxn (or an abort by the coordinator): PrepareCommit or PrepareAbort.
txn_transit prepare_end(const txn_metadata& m, txn_state next, int64_t now_ms);
// PrepareCommit/PrepareAbort written: what to write once every marker is, CompleteCommit or
// CompleteAbort without partitions (computed when the markers start, as Kafka does). A
// PrepareEpochFence read from the log completes as an abort.
txn_transit prepare_complete(const txn_metadata& m, int64_t now_ms);

}  // namespace sluice::transaction
