// partition_log's read side: read() and offset_for_timestamp().
#include <spdlog/spdlog.h>

#include "storage/partition_log.h"

namespace sluice::storage {

result<read_info> partition_log::read(int64_t start_offset, int32_t max_bytes,
                                      int64_t max_offset_exclusive, bool min_one_batch) const {
  if (closed_.load(std::memory_order_acquire))
    return fail(errc::closed, "partition " + tp_.dir_name() + " is closed");
  failure<errc> last_error{errc::closed, {}};
  // A segment may be retired (retention, compaction, truncation) between finding it and opening
  // it; then the next attempt sees the new segment list.
  for (int attempt = 0; attempt < 8; ++attempt) {
    read_info out;
    out.log_start_offset = log_start_offset();
    out.log_end_offset = log_end_offset();
    if (start_offset < out.log_start_offset || start_offset > out.log_end_offset)
      return fail(errc::offset_out_of_range,
                  "offset " + std::to_string(start_offset) + " is outside [" +
                      std::to_string(out.log_start_offset) + ", " +
                      std::to_string(out.log_end_offset) + "] in " + tp_.dir_name());
    if (start_offset == out.log_end_offset || start_offset >= max_offset_exclusive) return out;
    auto [seg, next_base] = floor_segment(start_offset);
    bool retry = false;
    while (seg) {
      auto r = seg->read(start_offset, max_bytes, max_offset_exclusive, min_one_batch, next_base);
      if (!r) {
        if (r.code() == errc::closed) {
          last_error = std::move(r).error();
          retry = true;
          break;
        }
        return std::move(r).error();
      }
      if (r->kind == segment::read_result::found) {
        out.region = std::move(r->region);
        out.first_offset = r->first_offset;
        return out;
      }
      if (r->kind == segment::read_result::bounded) return out;
      std::tie(seg, next_base) = next_segment(seg->base_offset());
    }
    if (!retry) return out;
  }
  return last_error;
}

result<timestamp_offset> partition_log::offset_for_timestamp(int64_t timestamp) const {
  auto epoch_of = [this](int64_t offset) {
    std::lock_guard lock(epoch_mu_);
    auto e = epochs_.epoch_for_offset(offset);
    return e ? *e : -1;
  };
  if (timestamp == list_offsets::earliest || timestamp == list_offsets::earliest_local) {
    int64_t start = log_start_offset();
    return timestamp_offset{start, -1, epoch_of(start)};
  }
  if (timestamp == list_offsets::latest) {
    int64_t end = log_end_offset();
    std::lock_guard lock(epoch_mu_);
    auto latest = epochs_.latest();
    return timestamp_offset{end, -1, latest ? latest->epoch : -1};
  }
  auto segments = segments_snapshot();
  int64_t start = log_start_offset();
  if (timestamp == list_offsets::max_timestamp) {
    timestamp_offset best;
    for (const auto& seg : segments) {
      auto m = seg->max_timestamp();
      if (!m) {
        if (m.code() == errc::closed) continue;
        return std::move(m).error();
      }
      if (m->first > best.timestamp && m->second >= start) {
        best.timestamp = m->first;
        best.offset = m->second;
      }
    }
    if (best.offset >= 0) best.leader_epoch = epoch_of(best.offset);
    return best;
  }
  if (timestamp < 0)
    return fail(errc::invalid_argument,
                "unknown ListOffsets timestamp " + std::to_string(timestamp));
  for (const auto& seg : segments) {
    auto m = seg->max_timestamp();
    if (!m) {
      if (m.code() == errc::closed) continue;
      return std::move(m).error();
    }
    if (m->first < timestamp) continue;
    auto loc = seg->find_timestamp(timestamp, start);
    if (!loc) {
      if (loc.code() == errc::closed) continue;
      return std::move(loc).error();
    }
    if (!*loc) continue;
    int64_t offset = std::max((*loc)->header.base_offset, start);
    return timestamp_offset{offset, (*loc)->header.max_timestamp, epoch_of(offset)};
  }
  return timestamp_offset{};
}

}  // namespace sluice::storage
