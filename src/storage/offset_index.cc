#include "storage/offset_index.h"

#include <algorithm>

#include "base/assert.h"
#include "storage/big_endian.h"

namespace sluice::storage {

int64_t offset_index::last_offset() const {
  return entries_.empty() ? base_ - 1 : base_ + entries_.back().relative_offset;
}

void offset_index::append(int64_t offset, uint32_t position) {
  int64_t rel = offset - base_;
  SLUICE_ASSERT(rel >= 0 && rel <= INT32_MAX, "offset index entry out of the segment's range");
  SLUICE_ASSERT(entries_.empty() || (static_cast<uint32_t>(rel) > entries_.back().relative_offset &&
                                     position >= entries_.back().position),
                "offset index entries must increase");
  entries_.push_back(entry{static_cast<uint32_t>(rel), position});
}

offset_index::position_hint offset_index::lookup(int64_t target, uint32_t position_limit) const {
  if (target < base_) return {base_, 0};
  int64_t rel = target - base_;
  // First entry with relative offset > rel; the one before it is the answer.
  auto it = std::upper_bound(entries_.begin(), entries_.end(), rel, [](int64_t r, const entry& e) {
    return r < int64_t{e.relative_offset};
  });
  while (it != entries_.begin()) {
    --it;
    if (it->position < position_limit) return {base_ + it->relative_offset, it->position};
  }
  return {base_, 0};
}

offset_index::position_hint offset_index::lookup_position(uint32_t position) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), position,
                             [](uint32_t p, const entry& e) { return p < e.position; });
  if (it == entries_.begin()) return {base_, 0};
  --it;
  return {base_ + it->relative_offset, it->position};
}

void offset_index::truncate_to_offset(int64_t offset) {
  while (!entries_.empty() && base_ + int64_t{entries_.back().relative_offset} >= offset)
    entries_.pop_back();
}

void offset_index::truncate_to_position(uint32_t position) {
  while (!entries_.empty() && entries_.back().position >= position) entries_.pop_back();
}

std::vector<uint8_t> offset_index::encode() const {
  std::vector<uint8_t> out(entries_.size() * entry_size);
  uint8_t* p = out.data();
  for (const auto& e : entries_) {
    store_be32(p, e.relative_offset);
    store_be32(p + 4, e.position);
    p += entry_size;
  }
  return out;
}

result<offset_index> offset_index::decode(int64_t base_offset, std::span<const uint8_t> data,
                                          int64_t log_size, int64_t next_offset) {
  if (data.size() % entry_size != 0)
    return fail(errc::corrupt_file, "offset index size is not a multiple of 8");
  offset_index out(base_offset);
  out.entries_.reserve(data.size() / entry_size);
  for (size_t at = 0; at < data.size(); at += entry_size) {
    uint32_t rel = load_be32(&data[at]);
    uint32_t pos = load_be32(&data[at + 4]);
    if (rel > INT32_MAX || pos > INT32_MAX)
      return fail(errc::corrupt_file, "offset index entry out of range");
    if (!out.entries_.empty() &&
        (rel <= out.entries_.back().relative_offset || pos < out.entries_.back().position))
      return fail(errc::corrupt_file, "offset index entries do not increase");
    if (int64_t{pos} >= log_size || base_offset + int64_t{rel} >= next_offset)
      return fail(errc::corrupt_file, "offset index entry points past the end of the log");
    out.entries_.push_back(entry{rel, pos});
  }
  return out;
}

}  // namespace sluice::storage
