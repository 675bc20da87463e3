#include "storage/time_index.h"

#include <algorithm>

#include "base/assert.h"
#include "storage/big_endian.h"

namespace sluice::storage {

std::optional<time_index::entry> time_index::last() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.back();
}

void time_index::maybe_append(int64_t timestamp, int64_t offset) {
  // An empty index behaves as if its last timestamp were -1 ("none"), so -1 is never indexed.
  if (timestamp <= (entries_.empty() ? -1 : entries_.back().timestamp)) return;
  SLUICE_ASSERT(offset >= base_ && offset - base_ <= INT32_MAX, "time index offset out of range");
  SLUICE_ASSERT(entries_.empty() || offset >= entries_.back().offset,
                "time index offsets must not go backwards");
  entries_.push_back(entry{timestamp, offset});
}

std::optional<time_index::entry> time_index::lookup(int64_t target) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), target,
                             [](int64_t t, const entry& e) { return t < e.timestamp; });
  if (it == entries_.begin()) return std::nullopt;
  return *(it - 1);
}

void time_index::truncate_to_offset(int64_t offset) {
  while (!entries_.empty() && entries_.back().offset >= offset) entries_.pop_back();
}

std::vector<uint8_t> time_index::encode() const {
  std::vector<uint8_t> out(entries_.size() * entry_size);
  uint8_t* p = out.data();
  for (const auto& e : entries_) {
    store_be64(p, static_cast<uint64_t>(e.timestamp));
    store_be32(p + 8, static_cast<uint32_t>(e.offset - base_));
    p += entry_size;
  }
  return out;
}

result<time_index> time_index::decode(int64_t base_offset, std::span<const uint8_t> data,
                                      int64_t next_offset) {
  if (data.size() % entry_size != 0)
    return fail(errc::corrupt_file, "time index size is not a multiple of 12");
  time_index out(base_offset);
  out.entries_.reserve(data.size() / entry_size);
  for (size_t at = 0; at < data.size(); at += entry_size) {
    auto ts = static_cast<int64_t>(load_be64(&data[at]));
    uint32_t rel = load_be32(&data[at + 8]);
    int64_t offset = base_offset + int64_t{rel};
    if (rel > INT32_MAX || offset >= next_offset)
      return fail(errc::corrupt_file, "time index entry out of range");
    if (!out.entries_.empty() &&
        (ts <= out.entries_.back().timestamp || offset < out.entries_.back().offset))
      return fail(errc::corrupt_file, "time index entries do not increase");
    out.entries_.push_back(entry{ts, offset});
  }
  return out;
}

}  // namespace sluice::storage
