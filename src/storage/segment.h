// One segment of a partition log: the .log file of batches starting at `base_offset`, with its
// sparse .index and .timeindex, and the .txnindex of the transactions aborted in it.
//
// Lifecycle: a partition creates the active segment (create()), appends to it, and seals it when
// it rolls (seal(): the indexes go to disk and stop changing). Segments found on disk at open are
// sealed (existing()) except the last, which the partition activates. A segment deleted by
// retention, replaced by the cleaner or dropped by truncation is retired: its handle leaves the
// file cache and it is never reopened by path (readers that still hold its handle keep reading
// the old file).
//
// The .log file is opened through the segment_cache, lazily; so are a sealed segment's indexes.
// The active segment keeps its indexes in memory and writes them at seal and close, never
// preallocating index files.
//
// Threads: one writer at a time, serialized by the owning partition_log (the methods marked
// "writer"); any number of readers concurrently (the "any thread" methods). The writer publishes
// an append with one atomic store of (next offset, size) after the bytes and index entries are in
// place, so a reader never sees a partial batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/batch_header.h"
#include "protocol/wire.h"
#include "storage/batch_scanner.h"
#include "storage/file_io.h"
#include "storage/offset_index.h"
#include "storage/segment_cache.h"
#include "storage/time_index.h"
#include "storage/txn_index.h"

namespace sluice::storage {

struct segment_indexes {
  explicit segment_indexes(int64_t base) : offsets(base), times(base) {}
  offset_index offsets;
  time_index times;
};

// Adds index entries as batches are written, the way every writer of a segment does: an offset
// entry (and a time entry) for a batch once more than index.interval.bytes were written since the
// last entry. Used by appends, scans and the cleaner so that all build the same indexes.
struct index_appender {
  segment_indexes& indexes;
  int32_t interval;
  int64_t bytes_since_entry = 0;
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;

  void add(int64_t last_offset, int64_t batch_max_timestamp, int64_t position, int64_t size) {
    if (batch_max_timestamp > max_timestamp) {
      max_timestamp = batch_max_timestamp;
      offset_of_max_timestamp = last_offset;
    }
    if (bytes_since_entry > interval) {
      indexes.offsets.append(last_offset, static_cast<uint32_t>(position));
      indexes.times.maybe_append(max_timestamp, offset_of_max_timestamp);
      bytes_since_entry = 0;
    }
    bytes_since_entry += size;
  }
  // The entry a sealed segment ends with: its largest timestamp.
  void finish() { indexes.times.maybe_append(max_timestamp, offset_of_max_timestamp); }
};

// Where a partition's files live; shared by its segments.
struct log_files {
  file_io* io;
  segment_cache* cache;
  std::string dir;
  // index.interval.bytes, for index rebuilds of sealed segments (kept current by set_config).
  mutable std::atomic<int32_t> index_interval_bytes{4096};
};

// "<20-digit base offset><suffix>", e.g. 00000000000000000042.log
std::string segment_file_name(int64_t base_offset, std::string_view suffix);
// The base offset of a file named like segment_file_name(base, suffix); nullopt otherwise.
std::optional<int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix);

// What a scan of a segment's bytes found (recovery, index rebuild, truncation).
struct segment_scan {
  std::unique_ptr<segment_indexes> indexes;
  int64_t valid_end = 0;    // bytes of valid batches from the start
  int64_t next_offset = 0;  // last valid offset + 1, or the base offset when empty
  int64_t batches = 0;
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;
  int64_t first_batch_timestamp = -1;
  int64_t bytes_since_index_entry = 0;
  batch_scanner::status stop = batch_scanner::status::end;
  std::string problem;  // why the scan stopped before `limit`, if it did
};

// A batch found by position.
struct batch_location {
  int64_t position;
  protocol::batch_header header;
};

class segment {
 public:
  // What to append: one entry per batch, in order, describing the bytes passed to append().
  struct batch_meta {
    int64_t last_offset;
    int64_t max_timestamp;
    int32_t size;
  };
  // A read inside this segment.
  struct read_result {
    enum kind_t { found, bounded, past_end } kind = past_end;
    protocol::file_region region;  // found: whole batches (size 0 if nothing fits max_bytes)
    int64_t first_offset = -1;     // found: base offset of the first batch in the region
    // found: no offset of the region is at or above it, and no offset between the region and it
    // exists (the first offset after the region, or the read's bound): a read_committed fetch
    // looks for aborted transactions below it, as Kafka's fetch upper bound.
    int64_t end_offset = -1;
  };

  // A new, empty active segment (creates the .log file).
  static result<std::shared_ptr<segment>> create(std::shared_ptr<const log_files> files,
                                                 int64_t base_offset, int64_t now_ms,
                                                 int64_t roll_jitter_ms, int64_t preallocate_bytes);
  // A sealed segment found on disk with `size` bytes. Opens nothing.
  static std::shared_ptr<segment> existing(std::shared_ptr<const log_files> files,
                                           int64_t base_offset, int64_t size);

  segment(std::shared_ptr<const log_files> files, int64_t base_offset, int64_t size);
  ~segment();
  segment(const segment&) = delete;
  segment& operator=(const segment&) = delete;

  // ---- any thread
  int64_t base_offset() const { return base_; }
  uint64_t id() const { return id_; }
  std::string path(std::string_view suffix) const;  // e.g. path(".log")
  // Committed bytes; readers never look past them.
  int64_t size() const;
  // The offset after the last batch, when known (always for the active segment); -1 otherwise.
  int64_t next_offset() const;
  bool active() const { return active_.load(std::memory_order_acquire); }
  bool retired() const { return retired_.load(std::memory_order_acquire); }

  // The aborted-transaction index (thread-safe itself; appended to by the writer).
  txn_index& txn() const { return txn_; }

  // The open .log file (through the cache). errc::closed once retired.
  result<std::shared_ptr<segment_handle>> handle() const;

  // Whole batches from the one holding `start` (the first with last offset >= start), stopping
  // before the first batch whose last offset >= max_offset_exclusive, within max_bytes unless
  // min_one_batch and the first batch alone is bigger. past_end when no batch here reaches start;
  // bounded when the first such batch is already at or past the bound. `next_segment_base` (the
  // following segment's base offset, if any) saves a scan when the bound lies beyond it.
  result<read_result> read(int64_t start, int32_t max_bytes, int64_t max_offset_exclusive,
                           bool min_one_batch, int64_t next_segment_base = INT64_MAX) const;
  // The first batch whose last offset >= offset.
  result<std::optional<batch_location>> find_batch(int64_t offset) const;
  // The first batch whose max timestamp >= timestamp and whose last offset >= min_offset.
  result<std::optional<batch_location>> find_timestamp(int64_t timestamp, int64_t min_offset) const;
  // The largest batch timestamp in the segment (-1 when unknown/empty) and the last offset of the
  // first batch that carries it.
  result<std::pair<int64_t, int64_t>> max_timestamp() const;

  // ---- writer
  // Makes this segment the writable one: loads (or rebuilds) its indexes into memory.
  // `next_offset` is the log end offset when the caller knows it (-1: find it by scanning).
  result<void> activate(int64_t next_offset, int32_t index_interval_bytes);
  // Records where a sealed segment's offsets end (the log end, for the last segment at open).
  void set_next_offset(int64_t next_offset) { publish(next_offset, size()); }
  // Appends `bytes` (the batches described by `batches`) at the end.
  result<void> append(std::span<const uint8_t> bytes, std::span<const batch_meta> batches,
                      int32_t index_interval_bytes);
  // Whether the active indexes hold max_entries (offset) entries, or the time index is as full.
  bool index_full(int64_t max_offset_entries) const;
  int64_t index_entries() const;
  // When this segment should roll by time: the first batch's max timestamp (or creation time)
  // plus segment.ms minus the jitter chosen at creation.
  int64_t roll_deadline_ms(int64_t segment_ms) const;
  // Writes the indexes (with a final time index entry) and makes the segment read-only.
  result<void> seal();
  // Writes the active indexes to disk without sealing (clean shutdown).
  result<void> write_indexes();
  // Scans the file from the start, rebuilding the indexes; with verify_crc, checks every batch
  // and truncates the file at the first invalid one. Leaves the segment active.
  result<segment_scan> recover(int32_t index_interval_bytes, bool verify_crc, int64_t min_offset);
  // Drops every batch whose last offset >= offset (the segment stays or becomes active), and
  // the transaction index entries of markers at or above it, and sets the next offset to
  // `offset`. Returns the bytes removed.
  result<int64_t> truncate_to(int64_t offset, int32_t index_interval_bytes);
  // fsyncs the .log and the transaction index, and the other index files of a sealed segment.
  result<void> flush();
  // Stops all use through the cache; the files stay. Idempotent.
  void retire();
  // retire(), then renames this segment's files to "<name>.deleted". Returns the new paths.
  result<std::vector<std::string>> retire_and_rename_deleted();

  // Reads a whole sealed-segment index pair: from the files when they check out, else rebuilt
  // by scanning the log (and written back). Used via handle() for lookups.
  result<std::shared_ptr<const segment_indexes>> sealed_indexes(segment_handle& h) const;

  static constexpr uint32_t unknown_rel = 0xffffffffu;

 private:
  struct active_state {
    explicit active_state(int64_t base) : indexes(base) {}
    segment_indexes indexes;
    int64_t bytes_since_index_entry = 0;
    int64_t first_batch_timestamp = -1;
  };

  void publish(int64_t next_offset, int64_t size);
  failure<errc> read_failure(const batch_scanner& sc, int64_t size_seen) const;
  result<offset_index::position_hint> lookup(int64_t offset, int64_t limit,
                                             segment_handle& h) const;
  result<offset_index::position_hint> lookup_position(int64_t position, segment_handle& h) const;
  result<time_index::entry> lookup_time(int64_t timestamp, segment_handle& h) const;
  result<segment_scan> scan(int fd, int64_t limit, int32_t interval, bool verify_crc,
                            int64_t min_offset) const;
  result<void> write_index_files(const segment_indexes& ix) const;
  void set_max_timestamp(int64_t ts, int64_t offset) const;

  std::shared_ptr<const log_files> files_;
  const int64_t base_;
  const uint64_t id_;
  std::atomic<uint64_t> committed_;  // (relative next offset << 32) | size
  std::atomic<bool> active_{false};
  std::atomic<bool> retired_{false};
  // Largest batch timestamp and the last offset of its batch; lazily known for sealed segments.
  mutable std::atomic<int64_t> max_ts_{-1};
  mutable std::atomic<int64_t> offset_of_max_ts_{-1};
  mutable std::atomic<bool> max_ts_known_{false};
  int64_t created_ms_ = 0;
  int64_t roll_jitter_ms_ = 0;

  mutable txn_index txn_;

  mutable std::mutex active_mu_;  // guards active_ (the state below) for readers
  std::unique_ptr<active_state> active_state_;
};

}  // namespace sluice::storage
