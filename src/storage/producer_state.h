// The producer state of one partition: what idempotent and transactional producers have written,
// as Kafka's ProducerStateManager keeps it. Pure logic: no I/O and no clock (time is passed in).
//
// Per producer id it keeps the epoch, the metadata of the last 5 batches (to spot retried
// duplicates and check sequences), the epoch of the last transaction coordinator that wrote a
// marker, the first offset of the producer's open transaction, and the last timestamp. Across
// producers it keeps the open transactions by first offset (the first unstable offset comes from
// them) and the completed ones whose marker is not yet below the high watermark.
//
// An append is checked in two steps, so nothing changes unless the bytes reach the log:
// prepare() validates the batches against the state (per append_origin) and stages the new
// entries, apply() installs them after the write and returns the aborted transactions to record
// in the transaction index. replay() is both at once, for batches already in the log (recovery,
// truncation).
//
// Owned by partition_log (one per partition, guarded by its locks) or by tests. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/batch_header.h"
#include "protocol/record_batch.h"
#include "storage/errc.h"

namespace sluice::storage {

// Who is appending: what the producer state checks.
enum class append_origin : int8_t {
  client,       // a producer's Produce on the leader: epoch and sequence checks, duplicates
  replication,  // a follower copying its leader (or the log replayed): no checks, only updates
  coordinator,  // the broker's own writes (transaction markers, coordinator records): epochs only
};

// A record in the transaction index: an aborted transaction, [first_offset, last_offset] where
// last_offset is its ABORT marker, and the last stable offset when it was aborted.
struct aborted_txn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t last_stable_offset = -1;
  friend bool operator==(const aborted_txn&, const aborted_txn&) = default;
};

// One producer, as DescribeProducers shows it.
struct producer_info {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = -1;
  int64_t current_txn_start_offset = -1;  // -1: no open transaction
  friend bool operator==(const producer_info&, const producer_info&) = default;
};

// What the producer state needs of one batch: its header fields, and for a COMMIT/ABORT control
// batch the marker (nullopt for an empty control batch, which compaction leaves behind).
struct producer_batch {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t last_offset_delta = 0;
  int64_t base_offset = 0;
  int64_t max_timestamp = -1;
  bool transactional = false;
  bool control = false;
  std::optional<protocol::end_txn_marker> marker;
  int64_t marker_timestamp = -1;  // the marker record's timestamp

  static producer_batch from_header(const protocol::batch_header& h);
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // base_sequence + last_offset_delta, wrapping past INT32_MAX to 0 as producers do.
  int32_t last_sequence() const;
};

// The metadata of one batch a producer wrote.
struct batch_metadata {
  int32_t first_sequence = -1;
  int32_t last_sequence = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  int64_t timestamp = -1;  // the batch's max timestamp
  friend bool operator==(const batch_metadata&, const batch_metadata&) = default;
};

// Everything known about one producer id.
struct producer_entry {
  static constexpr size_t batches_kept = 5;

  int64_t producer_id = -1;
  int16_t epoch = -1;  // -1: no epoch seen (any sequence is then accepted)
  int32_t coordinator_epoch = -1;
  int64_t last_timestamp = -1;
  std::optional<int64_t> current_txn_first_offset;
  std::vector<batch_metadata> batches;  // oldest first, at most batches_kept

  int32_t last_sequence() const { return batches.empty() ? -1 : batches.back().last_sequence; }
  int64_t last_data_offset() const { return batches.empty() ? -1 : batches.back().last_offset; }
  // A batch with these sequences among the cached ones (same epoch), for duplicate detection.
  const batch_metadata* find_batch(int16_t epoch, int32_t first_seq, int32_t last_seq) const;
};

// One line of a producer snapshot (Kafka's <offset>.snapshot): a producer and its last batch.
struct producer_snapshot_entry {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_offset = -1;  // last offset of the last batch, -1 without one
  int32_t offset_delta = 0;  // last offset - first offset of that batch
  int64_t timestamp = -1;
  int32_t coordinator_epoch = -1;
  int64_t current_txn_first_offset = -1;
  friend bool operator==(const producer_snapshot_entry&, const producer_snapshot_entry&) = default;
};

// What the cleaner must keep of a producer so that its state survives compaction: the batch
// holding its last data offset, or (without one) its latest marker.
struct producer_last_record {
  int64_t last_data_offset = -1;  // -1: no data batch known
  int16_t epoch = -1;
};

// A transaction that a marker of this append ends.
struct completed_txn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;  // the marker's offset
  bool aborted = false;
};

// KIP-890 verification of a transactional client append (Kafka's VerificationGuard): the leader
// records a guard when it asks the coordinator whether a batch may open the producer's
// transaction here, and the append must present it. A marker of the producer, or the start of
// its transaction, withdraws the guard, so an append verified before its transaction ended is
// refused instead of opening a transaction nobody will close.
struct verification {
  // The guard start_verification() returned (0: none, because a transaction was open then).
  uint64_t guard = 0;
};

// The checked, not yet applied, effect of one append.
struct producer_update {
  // The append repeats a batch already written (client appends): nothing is to be written and
  // the producer is answered with the original batch's offsets and timestamp.
  std::optional<batch_metadata> duplicate;
  std::unordered_map<int64_t, producer_entry> entries;    // staged, by producer id
  std::vector<std::pair<int64_t, int64_t>> started_txns;  // (first offset, producer id)
  std::vector<completed_txn> completed_txns;              // in log order
  std::vector<int64_t> marked_producers;                  // producers a marker of this append ends
  int64_t end_offset = -1;  // the offset after the last batch (-1: no batch)
};

class producer_state {
 public:
  static constexpr int64_t default_producer_id_expiration_ms = 86400000;

  explicit producer_state(int64_t producer_id_expiration_ms = default_producer_id_expiration_ms);

  // Checks the batches of one append (offsets already assigned) and stages their effect. Fails
  // with invalid_producer_epoch, out_of_order_sequence, invalid_txn_state or
  // transaction_coordinator_fenced; for a client append that repeats one of a producer's last 5
  // batches, returns an update with `duplicate` set. Batches without a producer id are ignored.
  // `verified`: verification is on and this is what the leader got (client appends only); null:
  // verification is off, or the append is not a client's.
  result<producer_update> prepare(std::span<const producer_batch> batches, append_origin origin,
                                  const verification* verified = nullptr) const;
  // Before asking the coordinator about a transactional batch of `producer_id` (first sequence
  // `sequence`): 0 when the producer has a transaction open here (nothing to verify), else the
  // guard the append must present (the producer's pending one, its lowest sequence lowered).
  uint64_t start_verification(int64_t producer_id, int32_t sequence, int16_t epoch, int64_t now_ms);
  bool has_verification(int64_t producer_id) const { return verifications_.contains(producer_id); }
  // Installs a prepared update (once its batches are in the log). Returns the aborted
  // transactions it completed, with their last stable offsets, for the transaction index.
  std::vector<aborted_txn> apply(producer_update update);
  // prepare() with replication origin then apply(): batches read back from the log.
  std::vector<aborted_txn> replay(const producer_batch& batch);

  // The first offset of the earliest transaction that is open, or completed with its marker at
  // or above the high watermark. The last stable offset is min(high watermark, this).
  std::optional<int64_t> first_unstable_offset() const;
  // Completed transactions with markers below `offset` stop holding the first unstable offset
  // back. Until the first call every completed transaction counts as replicated.
  void on_high_watermark_updated(int64_t offset);

  // The log start moved to `offset`: forgets producers whose last batch lies below it (producers
  // with an open transaction stay) and completed transactions that end below it.
  void truncate_head(int64_t offset);
  // Removes producers without an open transaction whose last timestamp is at least
  // producer.id.expiration.ms older than now_ms.
  void remove_expired(int64_t now_ms);
  void set_producer_id_expiration_ms(int64_t ms) { expiration_ms_ = ms; }
  int64_t producer_id_expiration_ms() const { return expiration_ms_; }
  // Forgets everything; the state then describes a log ending at `end_offset`.
  void clear(int64_t end_offset = 0);

  // The offset after the last batch the state has seen (where a snapshot of it would be taken).
  int64_t end_offset() const { return end_offset_; }
  void set_end_offset(int64_t offset) { end_offset_ = offset; }

  const producer_entry* find(int64_t producer_id) const;
  std::vector<producer_info> active_producers() const;  // by producer id
  std::unordered_map<int64_t, producer_last_record> last_records() const;
  size_t size() const { return producers_.size(); }
  bool empty() const { return producers_.empty() && unreplicated_.empty(); }

  // Snapshots: the entries (by producer id) and loading them back. load() replaces the state,
  // skipping producers expired at now_ms, and sets the end offset.
  std::vector<producer_snapshot_entry> snapshot_entries() const;
  void load(std::span<const producer_snapshot_entry> entries, int64_t end_offset, int64_t now_ms);

 private:
  struct txn_end {
    int64_t producer_id;
    int64_t last_offset;
  };
  bool expired(const producer_entry& e, int64_t now_ms) const;
  // The first offset of the earliest open transaction of another producer.
  std::optional<int64_t> next_open_txn(int64_t producer_id) const;

  struct verification_entry {
    uint64_t guard = 0;
    int32_t lowest_sequence = 0;
    int16_t epoch = -1;
    int64_t created_ms = 0;
  };

  int64_t expiration_ms_;
  std::unordered_map<int64_t, producer_entry> producers_;
  std::unordered_map<int64_t, verification_entry> verifications_;
  uint64_t next_guard_ = 1;
  std::map<int64_t, int64_t> open_txns_;     // first offset -> producer id
  std::map<int64_t, txn_end> unreplicated_;  // first offset -> completed txn, marker >= hw
  int64_t high_watermark_ = -1;
  int64_t end_offset_ = 0;
};

}  // namespace sluice::storage
