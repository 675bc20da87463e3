// The leader epoch cache of one partition: for each leader epoch, the first offset written in it.
// Answers OffsetForLeaderEpoch (where an epoch ends) and stamps ListOffsets answers with an epoch.
// Persisted in the partition's leader-epoch-checkpoint file ("0", count, "<epoch> <offset>" lines).
//
// A plain value type; partition_log guards its instance with a mutex and writes the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/file_io.h"

namespace sluice::storage {

class leader_epoch_cache {
 public:
  static constexpr int32_t undefined_epoch = -1;
  static constexpr int64_t undefined_offset = -1;
  inline static constexpr const char* file_name = "leader-epoch-checkpoint";

  struct entry {
    int32_t epoch;
    int64_t start_offset;
    friend bool operator==(const entry&, const entry&) = default;
  };
  struct epoch_end {
    int32_t epoch;
    int64_t end_offset;
    friend bool operator==(const epoch_end&, const epoch_end&) = default;
  };

  leader_epoch_cache() = default;
  explicit leader_epoch_cache(std::vector<entry> entries) : entries_(std::move(entries)) {}

  // Records that `epoch` starts at `start_offset`. Entries that contradict it (an epoch >= this
  // one, or a start offset >= this one) are dropped first. False when nothing changed (the epoch
  // is already known to start at or before that offset) or the entry is invalid.
  bool assign(int32_t epoch, int64_t start_offset);

  // OffsetForLeaderEpoch: the largest known epoch <= `epoch` and the offset where it ends (the
  // start of the next known epoch, or log_end_offset for the latest). {-1, -1} when `epoch` is
  // above every known epoch or undefined.
  epoch_end end_offset_for(int32_t epoch, int64_t log_end_offset) const;
  // The epoch that wrote `offset` (the last entry starting at or before it).
  std::optional<int32_t> epoch_for_offset(int64_t offset) const;
  std::optional<entry> latest() const;
  std::optional<entry> earliest() const;
  const std::vector<entry>& entries() const { return entries_; }

  // Drops epochs starting at or after end_offset (log truncated to end_offset). True if changed.
  bool truncate_from_end(int64_t end_offset);
  // The log now starts at start_offset: epochs wholly before it go, and the epoch holding it is
  // moved to start there. True if changed.
  bool truncate_from_start(int64_t start_offset);
  void clear() { entries_.clear(); }

  // Reads the checkpoint; errc::not_found when absent, errc::corrupt_file when malformed or not
  // increasing.
  static result<leader_epoch_cache> read(file_io& io, const std::string& path);
  result<void> write(file_io& io, const std::string& path, bool durable) const;

 private:
  std::vector<entry> entries_;  // epochs and start offsets both strictly increasing
};

}  // namespace sluice::storage
