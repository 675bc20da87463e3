// The sparse time index of one segment (the .timeindex file), held in memory.
//
// Each entry says: from this batch on (identified by its last offset, relative to the segment's
// base), the largest timestamp seen in the segment so far is `timestamp`. Timestamps strictly
// increase from entry to entry, so a lookup for "first record with timestamp >= T" can start at
// the batch of the last entry whose timestamp is < T... or <= T. On disk: 12-byte entries, int64
// timestamp then int32 relative offset, big-endian — Kafka's format. The last entry of a sealed
// segment holds the segment's largest timestamp.
//
// Threading as offset_index: guarded by the owning segment.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "storage/errc.h"

namespace sluice::storage {

class time_index {
 public:
  static constexpr size_t entry_size = 12;
  struct entry {
    int64_t timestamp;
    int64_t offset;  // absolute
  };

  explicit time_index(int64_t base_offset) : base_(base_offset) {}

  int64_t base_offset() const { return base_; }
  size_t entries() const { return entries_.size(); }
  std::optional<entry> last() const;

  // Adds an entry if `timestamp` is above the last one. REQUIRES: offset not below the last
  // entry's.
  void maybe_append(int64_t timestamp, int64_t offset);
  // The entry with the largest timestamp <= target; nullopt when every entry is above it.
  std::optional<entry> lookup(int64_t target) const;
  // Drops entries whose offset is >= offset.
  void truncate_to_offset(int64_t offset);
  void clear() { entries_.clear(); }

  std::vector<uint8_t> encode() const;
  // Parses a .timeindex file; timestamps must increase and offsets stay in [base, next_offset).
  static result<time_index> decode(int64_t base_offset, std::span<const uint8_t> data,
                                   int64_t next_offset);

  size_t memory_bytes() const { return entries_.capacity() * sizeof(entry); }

 private:
  int64_t base_;
  std::vector<entry> entries_;
};

}  // namespace sluice::storage
