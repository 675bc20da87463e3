// The sparse offset index of one segment (the .index file), held in memory.
//
// Each entry maps the last offset of a batch, relative to the segment's base offset, to the byte
// position of that batch in the .log file. Entries are added every index.interval.bytes of log, so
// a lookup lands at most that far (plus one batch) before the wanted batch. On disk: 8-byte
// entries, int32 relative offset then int32 position, big-endian, no header — Kafka's format.
//
// Not thread-safe by itself: the owning segment guards the active segment's index with a mutex;
// a sealed segment's index is immutable once loaded and shared read-only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "storage/errc.h"

namespace sluice::storage {

class offset_index {
 public:
  static constexpr size_t entry_size = 8;
  struct entry {
    uint32_t relative_offset;
    uint32_t position;
  };
  // An absolute offset and the position to start scanning from.
  struct position_hint {
    int64_t offset;
    uint32_t position;
  };

  explicit offset_index(int64_t base_offset) : base_(base_offset) {}

  int64_t base_offset() const { return base_; }
  size_t entries() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The last indexed (absolute) offset, or base - 1 when empty.
  int64_t last_offset() const;

  // REQUIRES: offset above the last entry's and within 2^31 of the base, position not below the
  // last entry's.
  void append(int64_t offset, uint32_t position);

  // The entry with the largest offset <= target among entries whose position is below
  // `position_limit`; {base, 0} when there is none.
  position_hint lookup(int64_t target, uint32_t position_limit = UINT32_MAX) const;
  // The entry with the largest position <= position; {base, 0} when none.
  position_hint lookup_position(uint32_t position) const;

  // Drops the entries for offsets >= offset.
  void truncate_to_offset(int64_t offset);
  // Drops the entries whose position is >= position.
  void truncate_to_position(uint32_t position);
  void clear() { entries_.clear(); }

  std::vector<uint8_t> encode() const;
  // Parses a .index file and checks it against its log: offsets strictly increasing and below
  // `next_offset`, positions non-decreasing and below `log_size`. errc::corrupt_file otherwise.
  static result<offset_index> decode(int64_t base_offset, std::span<const uint8_t> data,
                                     int64_t log_size, int64_t next_offset);

  size_t memory_bytes() const { return entries_.capacity() * sizeof(entry); }

 private:
  int64_t base_;
  std::vector<entry> entries_;
};

}  // namespace sluice::storage
