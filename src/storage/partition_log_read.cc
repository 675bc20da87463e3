// partition_log's read side: read() and offset_for_timestamp().
#include <spdlog/spdlog.h>

#include "protocol/record_batch.h"
#include "storage/partition_log.h"

namespace sluice::storage {

namespace {

// The first record of the batch at `loc` with an offset >= min_offset and a timestamp >= target
// (== target when `exact`): {offset, timestamp}, or nullopt when none in this batch.
result<std::optional<std::pair<int64_t, int64_t>>> record_in_batch(file_io& io, const segment& seg,
                                                                   const batch_location& loc,
                                                                   int64_t target,
                                                                   int64_t min_offset, bool exact) {
  using found_t = std::optional<std::pair<int64_t, int64_t>>;
  auto h = seg.handle();
  if (!h) return std::move(h).error();
  std::vector<uint8_t> bytes(static_cast<size_t>(loc.header.total_size()));
  auto n = io.pread((*h)->fd.get(), bytes, loc.position);
  if (!n) return std::move(n).error();
  if (*n != bytes.size()) return fail(errc::io_error, seg.path(".log") + ": short read");
  std::vector<uint8_t> scratch;
  auto view = protocol::record_batch_view::open(bytes, scratch);
  if (!view)
    return fail(errc::corrupt_message,
                seg.path(".log") + ": " + std::string(protocol::to_string(view.code())));
  found_t found;
  auto r = view->for_each([&](const protocol::record_view& rec) {
    int64_t ts = rec.timestamp(loc.header);
    int64_t offset = rec.offset(loc.header);
    if (offset >= min_offset && (exact ? ts == target : ts >= target)) {
      found = std::pair{offset, ts};
      return false;
    }
    return true;
  });
  if (!r)
    return fail(errc::corrupt_message,
                seg.path(".log") + ": " + std::string(protocol::to_string(r.code())));
  return found;
}

}  // namespace

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
    // A segment publishes an append a moment before the log end offset moves; bounding by the log
    // end seen above keeps a reader from getting a batch past it (and then an out-of-range error
    // for the offset after it).
    const int64_t bound = std::min(max_offset_exclusive, out.log_end_offset);
    auto [seg, next_base] = floor_segment(start_offset);
    bool retry = false;
    while (seg) {
      auto r = seg->read(start_offset, max_bytes, bound, min_one_batch, next_base);
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
        out.end_offset = r->end_offset;
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
    if (best.offset < 0) return best;
    // The segment knows the batch; the answer is the first record carrying the timestamp.
    for (const auto& seg : segments) {
      auto m = seg->max_timestamp();
      if (!m || m->first != best.timestamp) continue;
      auto loc = seg->find_timestamp(best.timestamp, start);
      if (!loc || !*loc) continue;
      auto rec = record_in_batch(*files_->io, *seg, **loc, best.timestamp, start, true);
      if (rec && *rec) best.offset = (*rec)->first;
      break;
    }
    best.leader_epoch = epoch_of(best.offset);
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
    // The first batch reaching the timestamp, then the first record in it that does (a batch's
    // max timestamp may come from a record before `start`: then try the next batch).
    int64_t from = start;
    while (true) {
      auto loc = seg->find_timestamp(timestamp, from);
      if (!loc) {
        if (loc.code() == errc::closed) break;
        return std::move(loc).error();
      }
      if (!*loc) break;
      auto rec = record_in_batch(*files_->io, *seg, **loc, timestamp, start, false);
      if (!rec) {
        if (rec.code() == errc::closed) break;
        return std::move(rec).error();
      }
      if (*rec) return timestamp_offset{(*rec)->first, (*rec)->second, epoch_of((*rec)->first)};
      from = (*loc)->header.last_offset() + 1;
    }
  }
  return timestamp_offset{};
}

}  // namespace sluice::storage
