// The read side of a segment: lookups through the indexes, reads of whole batches, timestamps.
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/segment.h"

namespace sluice::storage {

namespace {

// Scan buffers for reads: an index entry every index.interval.bytes (4 KiB by default) means a
// lookup usually lands within one such chunk of the wanted batch.
constexpr size_t read_scan_chunk = 16 * 1024;

failure<errc> scan_failure(const batch_scanner& sc, const std::string& path) {
  if (sc.state() == batch_scanner::status::error) return fail(errc::io_error, sc.problem());
  return fail(errc::io_error, path + ": unreadable batch at byte " + std::to_string(sc.position()) +
                                  ": " + sc.problem());
}

}  // namespace

result<std::shared_ptr<const segment_indexes>> segment::sealed_indexes(segment_handle& h) const {
  std::lock_guard lock(h.mu);
  if (h.indexes) return h.indexes;
  file_io& io = *files_->io;
  int64_t log_size = size();
  int64_t next = next_offset() < 0 ? INT64_MAX : next_offset();
  auto ix = std::make_shared<segment_indexes>(base_);
  bool loaded = false;
  auto off = read_file(io, path(".index"));
  auto tim = read_file(io, path(".timeindex"));
  if (off && tim) {
    auto o = offset_index::decode(
        base_, {reinterpret_cast<const uint8_t*>(off->data()), off->size()}, log_size, next);
    auto t = time_index::decode(base_, {reinterpret_cast<const uint8_t*>(tim->data()), tim->size()},
                                next);
    if (o && t) {
      ix->offsets = std::move(*o);
      ix->times = std::move(*t);
      loaded = true;
    } else {
      spdlog::warn("storage: rebuilding the indexes of {}: {}", path(".log"),
                   !o ? o.message() : t.message());
    }
  } else {
    spdlog::info("storage: rebuilding missing indexes of {}", path(".log"));
  }
  if (!loaded) {
    auto sc = scan(h.fd.get(), log_size, files_->index_interval_bytes.load(), false, base_);
    if (!sc) return std::move(sc).error();
    if (sc->valid_end != log_size)
      spdlog::warn("storage: {} has unreadable bytes from {}: {}", path(".log"), sc->valid_end,
                   sc->problem);
    sc->indexes->times.maybe_append(sc->max_timestamp, sc->offset_of_max_timestamp);
    ix = std::shared_ptr<segment_indexes>(std::move(sc->indexes));
    if (!retired() && !active()) {
      auto w = write_index_files(*ix);
      if (!w) spdlog::warn("storage: {}", w.message());
    }
  }
  h.indexes = ix;
  return h.indexes;
}

result<offset_index::position_hint> segment::lookup(int64_t offset, int64_t limit,
                                                    segment_handle& h) const {
  auto clamp = static_cast<uint32_t>(std::min<int64_t>(limit, UINT32_MAX));
  if (active()) {
    std::lock_guard lock(active_mu_);
    if (active_state_) return active_state_->indexes.offsets.lookup(offset, clamp);
  }
  auto ix = sealed_indexes(h);
  if (!ix) return std::move(ix).error();
  return (*ix)->offsets.lookup(offset, clamp);
}

result<offset_index::position_hint> segment::lookup_position(int64_t position,
                                                             segment_handle& h) const {
  auto p = static_cast<uint32_t>(std::min<int64_t>(position, UINT32_MAX));
  if (active()) {
    std::lock_guard lock(active_mu_);
    if (active_state_) return active_state_->indexes.offsets.lookup_position(p);
  }
  auto ix = sealed_indexes(h);
  if (!ix) return std::move(ix).error();
  return (*ix)->offsets.lookup_position(p);
}

result<time_index::entry> segment::lookup_time(int64_t timestamp, segment_handle& h) const {
  std::optional<time_index::entry> e;
  bool done = false;
  if (active()) {
    std::lock_guard lock(active_mu_);
    if (active_state_) {
      e = active_state_->indexes.times.lookup(timestamp);
      done = true;
    }
  }
  if (!done) {
    auto ix = sealed_indexes(h);
    if (!ix) return std::move(ix).error();
    e = (*ix)->times.lookup(timestamp);
  }
  return e ? *e : time_index::entry{-1, base_};
}

failure<errc> segment::read_failure(const batch_scanner& sc, int64_t size_seen) const {
  // A truncation that cut this segment under the reader looks like damage; the caller retries
  // with the new segment list instead.
  if (retired() || size() < size_seen)
    return fail(errc::closed, path(".log") + " changed during the read");
  return scan_failure(sc, path(".log"));
}

result<segment::read_result> segment::read(int64_t start, int32_t max_bytes,
                                           int64_t max_offset_exclusive, bool min_one_batch,
                                           int64_t next_segment_base) const {
  read_result out;
  // One load gives a consistent (next offset, size) pair for the active segment.
  uint64_t packed = committed_.load(std::memory_order_acquire);
  int64_t limit = static_cast<int64_t>(packed & 0xffffffffu);
  uint32_t rel_next = static_cast<uint32_t>(packed >> 32);
  int64_t next = rel_next == unknown_rel ? next_segment_base : base_ + rel_next;
  if (limit == 0 || start >= next) return out;
  auto h = handle();
  if (!h) return std::move(h).error();
  file_io& io = *files_->io;
  int fd = (*h)->fd.get();

  auto hint = lookup(start, limit, **h);
  if (!hint) return std::move(hint).error();
  batch_scanner sc(io, fd, hint->position, limit, {.chunk_size = read_scan_chunk});
  bool found = false;
  while (sc.next()) {
    if (sc.header().last_offset() >= start) {
      found = true;
      break;
    }
  }
  if (!found) {
    if (sc.state() == batch_scanner::status::end) return out;
    return read_failure(sc, limit);
  }
  const protocol::batch_header first = sc.header();
  const int64_t begin = sc.position();
  if (first.last_offset() >= max_offset_exclusive) {
    out.kind = read_result::bounded;
    return out;
  }

  // End of the readable range: before the first batch reaching max_offset_exclusive.
  int64_t end_limit = limit;
  if (max_offset_exclusive < next) {
    auto h2 = lookup(max_offset_exclusive, limit, **h);
    if (!h2) return std::move(h2).error();
    batch_scanner bound(io, fd, std::max<int64_t>(h2->position, begin), limit,
                        {.chunk_size = read_scan_chunk});
    while (bound.next()) {
      if (bound.header().last_offset() >= max_offset_exclusive) {
        end_limit = bound.position();
        break;
      }
    }
    if (bound.state() != batch_scanner::status::ok && bound.state() != batch_scanner::status::end)
      return read_failure(bound, limit);
  }

  int64_t end = end_limit;
  // Everything below the bound (or the segment's end) is in the region unless it is cut below.
  int64_t end_offset = std::min(max_offset_exclusive, next);
  if (end_limit - begin > max_bytes) {
    // The last batch boundary at or below begin + max_bytes.
    int64_t target = begin + std::max<int32_t>(max_bytes, 0);
    auto h3 = lookup_position(target, **h);
    if (!h3) return std::move(h3).error();
    int64_t from = std::max<int64_t>(h3->position, begin);
    end = from;
    batch_scanner fit(io, fd, from, end_limit, {.chunk_size = read_scan_chunk});
    while (fit.next()) {
      if (fit.end_position() > target) {
        end_offset = fit.header().base_offset;  // the first batch left out
        break;
      }
      end = fit.end_position();
    }
    if (fit.state() == batch_scanner::status::error ||
        fit.state() == batch_scanner::status::corrupt)
      return scan_failure(fit, path(".log"));
    if (end == begin && min_one_batch) {
      end = begin + first.total_size();
      end_offset = first.last_offset() + 1;
    }
  }

  out.kind = read_result::found;
  out.first_offset = first.base_offset;
  out.end_offset = std::max(end_offset, first.base_offset);
  out.region.keepalive = *h;
  out.region.fd = fd;
  out.region.position = begin;
  out.region.size = static_cast<int32_t>(end - begin);
  return out;
}

result<std::optional<batch_location>> segment::find_batch(int64_t offset) const {
  int64_t limit = size();
  if (limit == 0) return std::optional<batch_location>{};
  auto h = handle();
  if (!h) return std::move(h).error();
  auto hint = lookup(offset, limit, **h);
  if (!hint) return std::move(hint).error();
  batch_scanner sc(*files_->io, (*h)->fd.get(), hint->position, limit,
                   {.chunk_size = read_scan_chunk});
  while (sc.next()) {
    if (sc.header().last_offset() >= offset)
      return std::optional<batch_location>(batch_location{sc.position(), sc.header()});
  }
  if (sc.state() != batch_scanner::status::end) return scan_failure(sc, path(".log"));
  return std::optional<batch_location>{};
}

result<std::optional<batch_location>> segment::find_timestamp(int64_t timestamp,
                                                              int64_t min_offset) const {
  int64_t limit = size();
  if (limit == 0) return std::optional<batch_location>{};
  auto h = handle();
  if (!h) return std::move(h).error();
  auto entry = lookup_time(timestamp, **h);
  if (!entry) return std::move(entry).error();
  auto hint = lookup(std::max(entry->offset, min_offset), limit, **h);
  if (!hint) return std::move(hint).error();
  batch_scanner sc(*files_->io, (*h)->fd.get(), hint->position, limit,
                   {.chunk_size = read_scan_chunk});
  while (sc.next()) {
    const auto& hd = sc.header();
    if (hd.max_timestamp >= timestamp && hd.last_offset() >= min_offset)
      return std::optional<batch_location>(batch_location{sc.position(), hd});
  }
  if (sc.state() != batch_scanner::status::end) return scan_failure(sc, path(".log"));
  return std::optional<batch_location>{};
}

result<std::pair<int64_t, int64_t>> segment::max_timestamp() const {
  if (max_ts_known_.load(std::memory_order_acquire)) {
    std::lock_guard lock(active_mu_);
    return std::pair{max_ts_.load(), offset_of_max_ts_.load()};
  }
  auto h = handle();
  if (!h) return std::move(h).error();
  auto ix = sealed_indexes(**h);
  if (!ix) return std::move(ix).error();
  auto last = (*ix)->times.last();
  std::lock_guard lock(active_mu_);
  if (!max_ts_known_.load()) {
    set_max_timestamp(last ? last->timestamp : -1, last ? last->offset : -1);
    max_ts_known_.store(true, std::memory_order_release);
  }
  return std::pair{max_ts_.load(), offset_of_max_ts_.load()};
}

}  // namespace sluice::storage
