// Log compaction (cleanup.policy=compact, or compact,delete): keeps the latest record of each key.
//
// Transaction-aware, as Kafka's cleaner: nothing at or above the first unstable offset is
// cleaned; batches of aborted transactions are dropped (and their keys never enter the offset
// map); a COMMIT/ABORT marker stays while data of its transaction remains, then gets a delete
// horizon (now + delete.retention.ms, the batch's delete-horizon attribute) and goes in the first
// pass after that horizon; the batch holding each active producer's last data offset (or its
// last marker) is kept, emptied if need be, so the producer state survives. The cleaned segment
// gets a transaction index holding the aborts whose markers it keeps.
//
// One pass over a partition: (1) build an offset map, key hash -> last offset, from the dirty part
// of the log (from the first dirty offset up to the first uncleanable offset: the active segment,
// the high watermark, and min.compaction.lag.ms bound it); (2) rewrite the sealed segments below
// that point, in groups that fit one segment, keeping a record only if no later record has its
// key; tombstones (null values) are kept for delete.retention.ms after the segment that holds them
// was last written, then dropped; records without a key are dropped; (3) swap each rewritten group
// in, crash-safely (see swap protocol in docs/on-disk-format.md): write <base>.log.cleaned (and
// indexes), fsync, rename to .swap (the commit point), then under the partition's write lock
// rename the old files to .deleted and the .swap files into place. Batches keep their offsets;
// a batch that keeps every record is copied byte for byte, others are re-encoded with
// protocol::record_batch_builder (same compression, producer fields and leader epoch).
//
// The offset map holds hashes (SHA-free 64-bit, collision = a record kept or dropped wrongly with
// negligible odds, as in Kafka's 16-byte MD5 map) and is bounded by the dedupe buffer size: if
// the dirty part has more keys than fit, a pass cleans only up to where the map filled.
//
// Owned by log_manager; one cleaner thread calls it. A pass takes the partition's write lock only
// to swap segments, so appends and reads go on while it runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "storage/cleaned_txns.h"
#include "storage/errc.h"
#include "storage/partition_log.h"

namespace sluice::storage {

struct cleanable_range {
  int64_t first_dirty = 0;        // records below have been cleaned before
  int64_t first_uncleanable = 0;  // records at or above are not cleaned in this pass
  int64_t clean_bytes = 0;        // bytes of segments below first_dirty
  int64_t dirty_bytes = 0;        // bytes of segments in [first_dirty, first_uncleanable)
  double dirty_ratio() const {
    return clean_bytes + dirty_bytes == 0
               ? 0.0
               : static_cast<double>(dirty_bytes) / static_cast<double>(clean_bytes + dirty_bytes);
  }
  // max.compaction.lag.ms has passed for some dirty record: clean regardless of the ratio.
  bool overdue = false;
};

struct clean_stats {
  int64_t first_dirty_after = 0;  // the new cleaner checkpoint
  int32_t segments_before = 0;
  int32_t segments_after = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
  int64_t records_read = 0;
  int64_t records_kept = 0;
  int64_t tombstones_dropped = 0;
  int64_t aborted_batches_dropped = 0;  // data batches of aborted transactions
  int64_t markers_dropped = 0;          // COMMIT/ABORT markers past their delete horizon
};

class log_cleaner {
 public:
  explicit log_cleaner(size_t dedupe_buffer_bytes);

  // Where the dirty part of a partition starts and ends now.
  result<cleanable_range> assess(partition_log& log, int64_t first_dirty, int64_t now_ms) const;
  // Whether the partition is due for cleaning (policy compact, ratio or lag reached).
  result<bool> needs_cleaning(partition_log& log, int64_t first_dirty, int64_t now_ms) const;
  // Cleans `log` once. `first_dirty` is its cleaner checkpoint (0 when unknown).
  result<clean_stats> clean(partition_log& log, int64_t first_dirty, int64_t now_ms);

  // Hook for crash tests: called after the named step of a swap ("cleaned", "swap"); returning
  // false stops the pass right there, as if the process died.
  std::function<bool(const char* step)> crash_point;

 private:
  struct key_map;  // key hash -> last offset of the key in the dirty part

  // Rewrites one group of adjacent sealed segments into one and swaps it in. False when a crash
  // point stopped it.
  // `txns` carries the transactions across groups; `last_records` is what each producer needs
  // kept.
  result<bool> clean_group(partition_log& log, const std::vector<std::shared_ptr<segment>>& group,
                           const key_map& map, int64_t map_end, int64_t now_ms, clean_stats& stats,
                           cleaned_txns& txns,
                           const std::unordered_map<int64_t, producer_last_record>& last_records);
  // The last step of the swap protocol, under the partition's write lock.
  result<void> swap_in(partition_log& log, const std::vector<std::shared_ptr<segment>>& group,
                       int64_t new_size);

  size_t max_map_entries_;
};

}  // namespace sluice::storage
