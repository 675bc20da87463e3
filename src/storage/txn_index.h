// The aborted-transaction index of one segment, Kafka's `<base>.txnindex`.
//
// One 34-byte entry (big-endian) per transaction aborted by an ABORT marker in the segment, in
// marker order: int16 version (0), int64 producer id, int64 first offset, int64 last offset (the
// marker), int64 last stable offset when the marker was written. A read_committed Fetch asks it
// which aborted transactions overlap the fetched range (collect()).
//
// The file is created on the first append only, so segments without aborts have none. Nothing is
// kept open or cached: an append opens, writes and closes; a search reads the whole file (aborts
// are rare and entries small). The owning segment renames or deletes the file with its other
// files; recovery rebuilds it by replaying the segment's markers.
//
// Owned by its segment. Appends and truncation come from the partition's writer; searches from any
// thread at the same time (an internal mutex orders them).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "storage/file_io.h"
#include "storage/producer_state.h"

namespace sluice::storage {

// What a search of one segment's index found: the aborted transactions overlapping the range,
// and whether later segments cannot hold any more (an entry's last stable offset reached the
// upper bound: every transaction aborted later started at or after it).
struct txn_search_result {
  std::vector<aborted_txn> aborted;
  bool complete = false;
};

class txn_index {
 public:
  static constexpr size_t entry_size = 34;
  static constexpr int16_t version = 0;

  txn_index(file_io& io, std::string path) : io_(io), path_(std::move(path)) {}

  static std::array<uint8_t, entry_size> encode(const aborted_txn& txn);
  // corrupt_file for a version above 0.
  static result<aborted_txn> decode(std::span<const uint8_t> entry);

  const std::string& path() const { return path_; }

  // Adds an entry, creating the file if need be. invalid_argument unless the last offset is above
  // the last entry's.
  result<void> append(const aborted_txn& txn);
  // Every entry, in order (none when the file does not exist). A torn trailing entry is ignored.
  result<std::vector<aborted_txn>> read_all() const;
  // The aborted transactions with last_offset >= fetch_offset and first_offset < upper_bound,
  // stopping at the first entry whose last stable offset is >= upper_bound (then complete).
  result<txn_search_result> collect(int64_t fetch_offset, int64_t upper_bound) const;
  // Drops the entries whose last offset is >= offset (the file goes when none is left).
  result<void> truncate_to(int64_t offset);
  // Removes every entry (and the file).
  result<void> reset();
  // fsyncs the file if there is one.
  result<void> flush();
  // Forgets what is known about the file (after it was replaced or renamed behind our back).
  void forget();

 private:
  result<std::vector<aborted_txn>> read_locked() const;

  file_io& io_;
  const std::string path_;
  mutable std::mutex mu_;
  // Bytes in the file (-1: not known yet, looked up on first use) and the last entry's offset.
  mutable int64_t size_ = -1;
  mutable int64_t last_offset_ = -1;
};

}  // namespace sluice::storage
