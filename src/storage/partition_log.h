// The log of one partition: an ordered set of segments in <log.dir>/<topic>-<partition>/, the
// leader epoch cache, the offsets that bound the log (log start, log end, recovery point), and
// the producer state (idempotent and transactional producers; producer_state.h) with its
// snapshots and the segments' aborted-transaction indexes.
//
// Ownership: created and owned by log_manager (or directly by tests), shared with the broker's
// partition object through std::shared_ptr; a file_region returned by read() keeps its segment
// file open on its own, even after the partition or segment is gone.
//
// Threads:
// - Writers (append, roll, truncate_*, advance_log_start_offset, retention, cleaner swaps,
//   set_config) are serialized by a mutex of this partition; no lock is shared across partitions.
// - read, offset_for_timestamp, end_offset_for_epoch, the offset accessors and the producer-state
//   queries (first_unstable_offset, aborted_transactions, active_producers) may run on any
//   thread concurrently with the writer; they never see a partially written batch (the log end
//   offset and segment size are published after the bytes are written). A read racing with
//   truncate_to may return batches the truncation removes, as in Kafka; the caller's next read
//   sees the truncated log.
// - flush() does an fsync: call it from a background or request-handler thread, never from a
//   network thread. It does not block appends while it syncs.
//
// Lock order: flush_mu_ -> write_mu_ -> segments_mu_ -> (epoch_mu_, pending_mu_, config_mu_,
// producers_mu_).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "protocol/wire.h"
#include "storage/errc.h"
#include "storage/file_io.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/producer_state.h"
#include "storage/segment.h"
#include "storage/segment_cache.h"
#include "storage/topic_partition.h"

namespace sluice::storage {

struct append_options {
  // Stamped into every batch when >= 0 (a leader's append). Replica appends keep the batches'.
  int32_t leader_epoch = -1;
  // The broker's wall clock: LogAppendTime, the timestamp bounds, segment.ms.
  int64_t now_ms = 0;
  // True for a producer's batches: the log assigns offsets and checks the batches as client
  // input. False for a replica: the offsets come with the batches and must follow the log end
  // (and the producer state is updated without checks, as for origin replication).
  bool assign_offsets = true;
  // Who appends, which decides the producer-state checks (producer_state.h): client (epochs,
  // sequences, duplicates), coordinator (epochs; may write COMMIT/ABORT markers), replication
  // (none; the leader's offsets are kept, as with assign_offsets = false).
  append_origin origin = append_origin::client;
  // The caller already checked every batch's CRC (the produce path runs
  // protocol::validate_for_append first): skip the second pass over the bytes. Framing, sizes,
  // counts and timestamps are still checked here.
  bool crc_verified = false;
  // transaction.partition.verification.enable: what start_transaction_verification() gave for
  // this append (client appends of transactional batches); nullopt: verification is off.
  std::optional<verification> verified;
};

struct append_info {
  int64_t first_offset = -1;  // -1 when nothing was appended (an empty request)
  int64_t last_offset = -1;
  // The time stamped in with LogAppendTime, else -1. For a duplicate: the original batch's max
  // timestamp, whatever the timestamp type (as Kafka answers).
  int64_t log_append_time = -1;
  int64_t max_timestamp = -1;  // largest batch timestamp appended
  int64_t offset_of_max_timestamp = -1;
  int64_t log_start_offset = 0;  // for the Produce response
  int32_t batches = 0;
  int64_t records = 0;
  int64_t bytes = 0;
  // The append repeated one of its producer's last 5 batches (same epoch and sequences): nothing
  // was written, first_offset/last_offset/log_append_time are the original batch's, and the
  // producer is answered with success (Kafka: NONE).
  bool duplicate = false;
};

struct read_info {
  // Whole batches inside one segment file, ready for sendfile(); size 0 when there is nothing to
  // return (read at the end, bounded by max_offset_exclusive, or max_bytes too small without
  // min_one_batch).
  protocol::file_region region;
  int64_t first_offset = -1;  // base offset of the first batch in the region
  // With a region: an offset no offset of the region reaches, below which nothing is left out
  // (read_committed's upper bound for aborted transactions, as Kafka's fetch upper bound).
  int64_t end_offset = -1;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
};

// ListOffsets' special timestamps.
namespace list_offsets {
inline constexpr int64_t latest = -1;
inline constexpr int64_t earliest = -2;
inline constexpr int64_t max_timestamp = -3;
inline constexpr int64_t earliest_local = -4;
inline constexpr int64_t latest_tiered = -5;            // v9+ (KIP-1005)
inline constexpr int64_t earliest_pending_upload = -6;  // v11+ (KIP-1023)
}  // namespace list_offsets

struct timestamp_offset {
  int64_t offset = -1;  // -1 when no record matches
  int64_t timestamp = -1;
  int32_t leader_epoch = -1;
};

struct retention_result {
  int32_t segments_deleted = 0;
  int64_t bytes_deleted = 0;
};

struct partition_open_options {
  topic_partition tp;
  std::string dir;  // the partition's folder; created if missing
  log_config config;
  file_io* io = nullptr;
  segment_cache* cache = nullptr;
  // The log dir was shut down cleanly: trust the files and skip recovery.
  bool clean_shutdown = false;
  // From recovery-point-offset-checkpoint; -1 when unknown. After a clean shutdown it is the
  // log end offset.
  int64_t recovery_point = -1;
  // From log-start-offset-checkpoint; 0 when unknown.
  int64_t log_start_offset = 0;
  // Where a brand new (empty) log starts.
  int64_t initial_offset = 0;
  int64_t now_ms = 0;
  // producer.id.expiration.ms: idle producers are forgotten after this long (and not loaded
  // from a snapshot once expired).
  int64_t producer_id_expiration_ms = producer_state::default_producer_id_expiration_ms;
};

class log_cleaner;

class partition_log {
 public:
  // Opens (or creates) the partition's folder. After an unclean shutdown, re-scans every segment
  // past the recovery point, checking each batch's framing and CRC, truncates at the first torn
  // or corrupt batch (logging what was dropped) and rebuilds the indexes. Finishes interrupted
  // deletions and compaction swaps.
  static result<std::shared_ptr<partition_log>> open(const partition_open_options& options);

  // Use open(). (Public only so that make_shared can reach it; the tag keeps others out.)
  class construct_tag {
    friend class partition_log;
    construct_tag() = default;
  };
  partition_log(
      construct_tag, topic_partition tp, std::shared_ptr<const log_files> files, log_config config,
      int64_t producer_id_expiration_ms = producer_state::default_producer_id_expiration_ms);
  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  const topic_partition& tp() const { return tp_; }
  const std::string& dir() const { return files_->dir; }

  // Validates and appends one or more v2 batches, patching base offsets and the leader epoch (and
  // LogAppendTime) in place. Nothing is appended if any batch is refused.
  result<append_info> append(std::span<uint8_t> batches, const append_options& options);

  // Whole batches starting with the one that holds start_offset, from a single segment: at most
  // max_bytes (but at least one batch when min_one_batch), and only batches whose last offset is
  // below max_offset_exclusive (the high watermark or last stable offset). Offsets between batches
  // (compacted away) are skipped. errc::offset_out_of_range outside
  // [log_start_offset, log_end_offset].
  result<read_info> read(int64_t start_offset, int32_t max_bytes, int64_t max_offset_exclusive,
                         bool min_one_batch) const;

  int64_t log_start_offset() const { return log_start_.load(std::memory_order_acquire); }
  int64_t log_end_offset() const { return log_end_.load(std::memory_order_acquire); }
  // Everything below this offset has been fsynced.
  int64_t recovery_point() const { return recovery_point_.load(std::memory_order_acquire); }

  // ListOffsets: the first record (at or after the log start) whose timestamp is >= `timestamp`,
  // with its timestamp and leader epoch; or one of the list_offsets values (max_timestamp: the
  // first record carrying the largest timestamp). offset -1 when no record matches. The indexes
  // find the batch; only that batch's records are read (decompressed if need be).
  result<timestamp_offset> offset_for_timestamp(int64_t timestamp) const;

  // Replication: removes every offset >= offset (no-op when offset >= log end). The log end
  // becomes `offset`; a batch straddling it is dropped whole.
  result<void> truncate_to(int64_t offset);
  // Removes everything and restarts the log, empty, at `offset` (log start = log end = offset).
  result<void> truncate_fully_and_start_at(int64_t offset);
  // DeleteRecords: raises the log start offset (<= log end). Whole segments below it are deleted
  // by the next retention pass.
  result<void> advance_log_start_offset(int64_t offset);

  // fsyncs everything up to the current log end and advances the recovery point.
  result<void> flush();
  // Whether flush.messages or flush.ms calls for a flush now.
  bool flush_due() const;
  // Called (on the appending thread) when unflushed messages reach flush.messages.
  void set_flush_listener(std::function<void()> listener);

  // OffsetForLeaderEpoch: the largest known epoch <= `epoch` and the offset where it ends.
  leader_epoch_cache::epoch_end end_offset_for_epoch(int32_t epoch) const;
  // A new leader records where its epoch starts (its log end at election time).
  result<void> assign_epoch_start_offset(int32_t epoch, int64_t offset);
  std::optional<leader_epoch_cache::entry> latest_epoch() const;
  std::vector<leader_epoch_cache::entry> epoch_entries() const;

  // Retention and compaction never touch offsets at or above the high watermark. Until the first
  // call the bound is the log end offset (a single-replica broker). Also lets completed
  // transactions whose markers it passed stop holding the first unstable offset back.
  void set_high_watermark(int64_t offset);
  int64_t retention_upper_bound() const;

  // ---- transactions and idempotent producers (partition_log_producers.cc)
  // The first offset of the earliest transaction that is still open, or completed with its
  // marker at or above the high watermark (Kafka's first unstable offset); nullopt if none. The
  // last stable offset is min(high watermark, this).
  std::optional<int64_t> first_unstable_offset() const;
  // For a read_committed Fetch of [start_offset, upper_bound_offset): the aborted transactions
  // that overlap it (last_offset >= start_offset, first_offset < upper_bound_offset), from the
  // transaction indexes of the segment holding start_offset and the following ones, stopping once
  // the search is complete. Any thread; a failed read of an index is logged and ends the search.
  std::vector<aborted_txn> aborted_transactions(int64_t start_offset,
                                                int64_t upper_bound_offset) const;
  // DescribeProducers: every producer the partition knows, by producer id.
  std::vector<producer_info> active_producers() const;
  // KIP-890: before a transactional batch of `producer_id` (first sequence `sequence`) is
  // verified with the coordinator, the guard its append must then present (0: the producer has a
  // transaction open here, nothing to verify). A marker of the producer withdraws it.
  uint64_t start_transaction_verification(int64_t producer_id, int32_t sequence, int16_t epoch,
                                          int64_t now_ms);
  // Forgets producers idle for producer.id.expiration.ms (those with an open transaction stay).
  void remove_expired_producers(int64_t now_ms);
  void set_producer_id_expiration_ms(int64_t ms);
  // Offsets of the producer-state snapshots on disk, oldest first (tests, tools).
  std::vector<int64_t> producer_snapshot_offsets() const;

  // Deletes (renames to .deleted, removed after file.delete.delay.ms) whole segments that are
  // below the log start offset, older than retention.ms or beyond retention.bytes. Never deletes
  // the active segment: when it is due itself, the log rolls first.
  result<retention_result> apply_retention(int64_t now_ms);
  // Removes the .deleted files whose delay has passed (all of them with `force`).
  void delete_pending_files(bool force = false);

  std::shared_ptr<const log_config> config() const;
  void set_config(const log_config& config);

  int64_t size_bytes() const;
  size_t segment_count() const;
  // Base offsets of the segments, oldest first (tests, tools).
  std::vector<int64_t> segment_bases() const;

  // Clean shutdown: writes the active segment's indexes, fsyncs (unless `flush` is false: then
  // the caller syncs the file system and calls mark_synced()), and refuses further writes.
  result<void> close(bool flush = true);
  // Everything written so far is durable (the caller synced the whole file system): the
  // recovery point moves to the log end.
  void mark_synced();
  // Marks the partition deleted: later calls fail with errc::closed. Files are left to the caller.
  void mark_deleted();
  bool is_offline() const { return offline_.load(); }

 private:
  friend class log_cleaner;
  struct pending_delete {
    std::string path;
    int64_t due_steady_ms;
  };

  result<void> check_writable() const;
  failure<errc> go_offline(failure<errc> f);
  result<void> ensure_active_loaded();
  result<void> maybe_roll(const log_config& cfg, int64_t bytes, int64_t first_offset,
                          int64_t last_offset, int64_t now_ms);
  result<void> roll_locked(int64_t new_base, int64_t now_ms);
  result<std::shared_ptr<segment>> new_segment(int64_t base, int64_t now_ms);
  void schedule_deletes(std::vector<std::string> paths, int64_t delay_ms);
  result<void> remove_segments_locked(const std::vector<std::shared_ptr<segment>>& doomed,
                                      int64_t delay_ms);
  result<void> truncate_fully_locked(int64_t offset);
  void update_epochs_locked(const std::function<bool(leader_epoch_cache&)>& change);
  // The segment holding `offset` (the last with base <= offset), and the base after it.
  std::pair<std::shared_ptr<segment>, int64_t> floor_segment(int64_t offset) const;
  std::pair<std::shared_ptr<segment>, int64_t> next_segment(int64_t base) const;
  std::vector<std::shared_ptr<segment>> segments_snapshot() const;
  // Returns the base offset of the first segment it re-scanned.
  result<int64_t> recover_segments(int64_t recovery_point);

  // Producer state (partition_log_producers.cc); callers hold write_mu_ (or are open()).
  // The batches to check against the producer state; a COMMIT/ABORT marker's record is parsed.
  result<std::vector<producer_batch>> producer_batches(std::span<const uint8_t> batches,
                                                       const std::vector<size_t>& positions,
                                                       append_origin origin) const;
  // Replays the batches of [from, to) into the producer state; segments whose base is at or
  // above rebuild_txn_from get their transaction index entries written again.
  result<void> replay_producers(int64_t from, int64_t to, int64_t rebuild_txn_from);
  // Rebuilds the producer state: the latest readable snapshot at or below `limit` (corrupt ones
  // are deleted), then the log replayed from there (or from the log start) to the log end.
  result<void> load_producers(int64_t limit, int64_t rebuild_txn_from);
  // Writes a snapshot of the producer state at `offset` (not fsynced; flush() does that) unless
  // one at or above it exists.
  result<void> take_snapshot_locked(int64_t offset);
  // Removes the snapshots that satisfy `doomed`.
  result<void> delete_snapshots_locked(const std::function<bool(int64_t)>& doomed);
  // Kafka's stray-snapshot rule at open: keep snapshots at segment bases, and the latest other
  // one if it lies at or above the last segment's base.
  result<void> remove_stray_snapshots();

  const topic_partition tp_;
  const std::shared_ptr<const log_files> files_;

  mutable std::mutex config_mu_;
  std::shared_ptr<const log_config> config_;

  std::mutex flush_mu_;
  mutable std::mutex write_mu_;
  mutable std::shared_mutex segments_mu_;
  std::map<int64_t, std::shared_ptr<segment>> segments_;  // by base offset
  std::shared_ptr<segment> active_;                       // write_mu_

  std::atomic<int64_t> log_start_{0};
  std::atomic<int64_t> log_end_{0};
  std::atomic<int64_t> recovery_point_{0};
  std::atomic<int64_t> high_watermark_{-1};

  mutable std::mutex epoch_mu_;
  leader_epoch_cache epochs_;
  bool epochs_unsynced_ = false;  // written but not fsynced (epoch_mu_)
  bool parent_synced_ = false;    // the log dir's entry for our folder is durable (flush_mu_)

  std::atomic<int64_t> unflushed_messages_{0};
  std::atomic<int64_t> last_flush_steady_ms_{0};
  std::function<void()> flush_listener_;

  std::mutex pending_mu_;
  std::vector<pending_delete> pending_deletes_;

  mutable std::mutex producers_mu_;
  producer_state producers_;
  std::set<int64_t> snapshots_;                  // offsets of the snapshot files (write_mu_)
  std::vector<std::string> unsynced_snapshots_;  // written, not yet fsynced (write_mu_)
  int64_t last_now_ms_ = 0;                      // latest wall clock seen (write_mu_)

  std::atomic<bool> closed_{false};
  std::atomic<bool> offline_{false};
};

}  // namespace sluice::storage
