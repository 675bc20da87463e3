#include "storage/segment.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>

#include "base/assert.h"

namespace sluice::storage {

namespace {

uint64_t pack(uint32_t rel, int64_t size) {
  return (uint64_t{rel} << 32) | static_cast<uint32_t>(size);
}

}  // namespace

std::string segment_file_name(int64_t base_offset, std::string_view suffix) {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020" PRId64, base_offset);
  std::string out(digits);
  out.append(suffix);
  return out;
}

std::optional<int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  int64_t v = 0;
  for (char c : name.substr(0, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (INT64_MAX - (c - '0')) / 10) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

segment::segment(std::shared_ptr<const log_files> files, int64_t base_offset, int64_t size)
    : files_(std::move(files)),
      base_(base_offset),
      id_(segment_cache::new_id()),
      committed_(pack(unknown_rel, size)),
      txn_(*files_->io, path(".txnindex")) {}

segment::~segment() {
  files_->cache->erase(id_);
}

std::string segment::path(std::string_view suffix) const {
  return join_path(files_->dir, segment_file_name(base_, suffix));
}

int64_t segment::size() const {
  return static_cast<int64_t>(committed_.load(std::memory_order_acquire) & 0xffffffffu);
}

int64_t segment::next_offset() const {
  uint32_t rel = static_cast<uint32_t>(committed_.load(std::memory_order_acquire) >> 32);
  return rel == unknown_rel ? -1 : base_ + rel;
}

void segment::publish(int64_t next_offset, int64_t size) {
  int64_t rel = next_offset - base_;
  SLUICE_ASSERT(rel >= 0 && rel < int64_t{unknown_rel}, "segment offset range overflow");
  SLUICE_ASSERT(size >= 0 && size <= INT32_MAX, "segment larger than 2 GiB");
  committed_.store(pack(static_cast<uint32_t>(rel), size), std::memory_order_release);
}

result<std::shared_ptr<segment>> segment::create(std::shared_ptr<const log_files> files,
                                                 int64_t base_offset, int64_t now_ms,
                                                 int64_t roll_jitter_ms,
                                                 int64_t preallocate_bytes) {
  auto seg = std::make_shared<segment>(std::move(files), base_offset, 0);
  file_io& io = *seg->files_->io;
  // Stale index files of an earlier segment with this base would be wrong for the new one.
  for (auto suffix : {".index", ".timeindex"}) {
    auto r = io.remove(seg->path(suffix));
    if (!r) return std::move(r).error();
  }
  auto t = seg->txn_.reset();
  if (!t) return std::move(t).error();
  auto fd = io.open(seg->path(".log"), O_RDWR | O_CREAT | O_TRUNC);
  if (!fd) return std::move(fd).error();
  if (preallocate_bytes > 0) {
    auto r = io.preallocate(fd->get(), preallocate_bytes);
    if (!r) spdlog::warn("storage: {}", r.message());
  }
  auto h = seg->files_->cache->get(seg->id_, [&]() -> result<unique_fd> { return std::move(*fd); });
  if (!h) return std::move(h).error();
  seg->created_ms_ = now_ms;
  seg->roll_jitter_ms_ = roll_jitter_ms;
  seg->active_state_ = std::make_unique<active_state>(base_offset);
  seg->max_ts_known_.store(true);
  seg->active_.store(true, std::memory_order_release);
  seg->publish(base_offset, 0);
  return seg;
}

std::shared_ptr<segment> segment::existing(std::shared_ptr<const log_files> files,
                                           int64_t base_offset, int64_t size) {
  return std::make_shared<segment>(std::move(files), base_offset, size);
}

result<std::shared_ptr<segment_handle>> segment::handle() const {
  if (retired()) return fail(errc::closed, "segment " + path(".log") + " was removed");
  return files_->cache->get(id_, [this]() -> result<unique_fd> {
    if (retired()) return fail(errc::closed, "segment " + path(".log") + " was removed");
    return files_->io->open(path(".log"), O_RDWR);
  });
}

void segment::set_max_timestamp(int64_t ts, int64_t offset) const {
  max_ts_.store(ts, std::memory_order_relaxed);
  offset_of_max_ts_.store(offset, std::memory_order_relaxed);
}

result<segment_scan> segment::scan(int fd, int64_t limit, int32_t interval, bool verify_crc,
                                   int64_t min_offset) const {
  segment_scan out;
  out.indexes = std::make_unique<segment_indexes>(base_);
  out.next_offset = base_;
  batch_scanner sc(*files_->io, fd, 0, limit,
                   {.chunk_size = 1 << 20, .verify_crc = verify_crc, .min_offset = min_offset});
  index_appender ix{*out.indexes, interval};
  while (sc.next()) {
    const auto& h = sc.header();
    if (h.last_offset() - base_ > INT32_MAX) {
      out.stop = batch_scanner::status::corrupt;
      out.problem = "offset " + std::to_string(h.last_offset()) + " too far from the base offset";
      break;
    }
    if (out.first_batch_timestamp < 0) out.first_batch_timestamp = h.max_timestamp;
    ix.add(h.last_offset(), h.max_timestamp, sc.position(), h.total_size());
    out.valid_end = sc.end_position();
    out.next_offset = h.last_offset() + 1;
    ++out.batches;
  }
  out.max_timestamp = ix.max_timestamp;
  out.offset_of_max_timestamp = ix.offset_of_max_timestamp;
  out.bytes_since_index_entry = ix.bytes_since_entry;
  if (out.stop == batch_scanner::status::corrupt) return out;
  if (sc.state() == batch_scanner::status::error) return fail(errc::io_error, sc.problem());
  out.stop = sc.state();
  out.problem = sc.problem();
  return out;
}

result<void> segment::activate(int64_t next_offset, int32_t index_interval_bytes) {
  if (active()) return ok_v;
  if (next_offset < 0) {
    auto r = recover(index_interval_bytes, false, base_);
    if (!r) return std::move(r).error();
    return ok_v;
  }
  auto h = handle();
  if (!h) return std::move(h).error();
  auto ix = sealed_indexes(**h);
  if (!ix) return std::move(ix).error();
  auto state = std::make_unique<active_state>(base_);
  state->indexes.offsets = (*ix)->offsets;
  state->indexes.times = (*ix)->times;
  int64_t sz = size();
  state->bytes_since_index_entry =
      sz - (state->indexes.offsets.empty()
                ? 0
                : int64_t{state->indexes.offsets.lookup_position(UINT32_MAX).position});
  if (sz > 0) {
    std::vector<uint8_t> head(protocol::batch_header::size);
    auto n = files_->io->pread((*h)->fd.get(), head, 0);
    if (!n) return std::move(n).error();
    auto parsed = protocol::batch_header::parse(std::span<const uint8_t>(head.data(), *n));
    if (parsed) state->first_batch_timestamp = parsed->max_timestamp;
  }
  auto last = state->indexes.times.last();
  {
    std::lock_guard lock(active_mu_);
    set_max_timestamp(last ? last->timestamp : -1, last ? last->offset : -1);
    max_ts_known_.store(true, std::memory_order_release);
    active_state_ = std::move(state);
    active_.store(true, std::memory_order_release);
  }
  {
    std::lock_guard lock((*h)->mu);
    (*h)->indexes.reset();
  }
  publish(next_offset, sz);
  return ok_v;
}

result<void> segment::append(std::span<const uint8_t> bytes, std::span<const batch_meta> batches,
                             int32_t index_interval_bytes) {
  SLUICE_ASSERT(active() && active_state_ != nullptr, "append to a segment that is not active");
  int64_t pos = size();
  auto h = handle();
  if (!h) return std::move(h).error();
  auto w = files_->io->pwrite_all((*h)->fd.get(), bytes, pos);
  if (!w) {
    (void)files_->io->truncate((*h)->fd.get(), pos);  // best effort: drop the partial write
    return w;
  }
  {
    std::lock_guard lock(active_mu_);
    active_state& st = *active_state_;
    int64_t at = pos;
    int64_t max_ts = max_ts_.load(std::memory_order_relaxed);
    for (const auto& b : batches) {
      if (st.first_batch_timestamp < 0) st.first_batch_timestamp = b.max_timestamp;
      if (b.max_timestamp > max_ts) {
        max_ts = b.max_timestamp;
        set_max_timestamp(b.max_timestamp, b.last_offset);
      }
      if (st.bytes_since_index_entry > index_interval_bytes) {
        st.indexes.offsets.append(b.last_offset, static_cast<uint32_t>(at));
        st.indexes.times.maybe_append(max_ts, offset_of_max_ts_.load(std::memory_order_relaxed));
        st.bytes_since_index_entry = 0;
      }
      st.bytes_since_index_entry += b.size;
      at += b.size;
    }
  }
  publish(batches.back().last_offset + 1, pos + static_cast<int64_t>(bytes.size()));
  return ok_v;
}

bool segment::index_full(int64_t max_offset_entries) const {
  if (!active_state_) return false;
  const auto& ix = active_state_->indexes;
  return static_cast<int64_t>(ix.offsets.entries()) >= max_offset_entries ||
         static_cast<int64_t>(ix.times.entries()) >= max_offset_entries * 8 / 12;
}

int64_t segment::index_entries() const {
  std::lock_guard lock(active_mu_);
  return active_state_ ? static_cast<int64_t>(active_state_->indexes.offsets.entries()) : -1;
}

int64_t segment::roll_deadline_ms(int64_t segment_ms) const {
  // Like Kafka, time counts from the first batch's timestamp, else from the segment's creation.
  int64_t start = created_ms_;
  if (active_state_ && active_state_->first_batch_timestamp >= 0)
    start = active_state_->first_batch_timestamp;
  if (start <= 0) return INT64_MAX;
  int64_t span = segment_ms - roll_jitter_ms_;
  if (start > INT64_MAX - span) return INT64_MAX;
  return start + span;
}

result<void> segment::write_index_files(const segment_indexes& ix) const {
  auto off = ix.offsets.encode();
  auto r = write_file_atomically(*files_->io, path(".index"),
                                 {reinterpret_cast<const char*>(off.data()), off.size()}, false);
  if (!r) return r;
  auto tim = ix.times.encode();
  return write_file_atomically(*files_->io, path(".timeindex"),
                               {reinterpret_cast<const char*>(tim.data()), tim.size()}, false);
}

result<void> segment::write_indexes() {
  if (!active_state_) return ok_v;
  {
    std::lock_guard lock(active_mu_);
    active_state_->indexes.times.maybe_append(max_ts_.load(), offset_of_max_ts_.load());
  }
  return write_index_files(active_state_->indexes);
}

result<void> segment::seal() {
  SLUICE_ASSERT(active() && active_state_ != nullptr, "seal of a segment that is not active");
  auto w = write_indexes();
  if (!w) return w;
  auto h = handle();
  if (!h) return std::move(h).error();
  std::lock_guard lock(active_mu_);
  auto shared = std::make_shared<segment_indexes>(base_);
  shared->offsets = std::move(active_state_->indexes.offsets);
  shared->times = std::move(active_state_->indexes.times);
  {
    std::lock_guard hl((*h)->mu);
    (*h)->indexes = std::move(shared);
  }
  active_state_.reset();
  active_.store(false, std::memory_order_release);
  return ok_v;
}

result<segment_scan> segment::recover(int32_t index_interval_bytes, bool verify_crc,
                                      int64_t min_offset) {
  auto h = handle();
  if (!h) return std::move(h).error();
  int fd = (*h)->fd.get();
  auto file_size = files_->io->size_of(fd);
  if (!file_size) return std::move(file_size).error();
  if (*file_size > INT32_MAX)
    return fail(errc::corrupt_file, path(".log") + " is larger than 2 GiB");
  auto sc = scan(fd, *file_size, index_interval_bytes, verify_crc, min_offset);
  if (!sc) return sc;
  if (sc->valid_end < *file_size) {
    auto t = files_->io->truncate(fd, sc->valid_end);
    if (!t) return std::move(t).error();
  }
  auto state = std::make_unique<active_state>(base_);
  state->indexes.offsets = sc->indexes->offsets;
  state->indexes.times = sc->indexes->times;
  state->bytes_since_index_entry = sc->bytes_since_index_entry;
  state->first_batch_timestamp = sc->first_batch_timestamp;
  {
    std::lock_guard lock(active_mu_);
    set_max_timestamp(sc->max_timestamp, sc->offset_of_max_timestamp);
    max_ts_known_.store(true, std::memory_order_release);
    active_state_ = std::move(state);
    active_.store(true, std::memory_order_release);
  }
  {
    std::lock_guard lock((*h)->mu);
    (*h)->indexes.reset();
  }
  publish(sc->next_offset, sc->valid_end);
  return sc;
}

result<int64_t> segment::truncate_to(int64_t offset, int32_t index_interval_bytes) {
  auto loc = find_batch(offset);
  if (!loc) return std::move(loc).error();
  int64_t old_size = size();
  int64_t cut = *loc ? (*loc)->position : old_size;
  auto h = handle();
  if (!h) return std::move(h).error();
  int fd = (*h)->fd.get();
  auto t = files_->io->truncate(fd, cut);
  if (!t) return std::move(t).error();
  // Index files on disk no longer match; they are rewritten at seal or close.
  for (auto suffix : {".index", ".timeindex"}) {
    auto r = files_->io->remove(path(suffix));
    if (!r) return std::move(r).error();
  }
  auto tx = txn_.truncate_to(offset);
  if (!tx) return std::move(tx).error();
  auto sc = scan(fd, cut, index_interval_bytes, false, base_);
  if (!sc) return std::move(sc).error();
  auto state = std::make_unique<active_state>(base_);
  state->indexes.offsets = sc->indexes->offsets;
  state->indexes.times = sc->indexes->times;
  state->bytes_since_index_entry = sc->bytes_since_index_entry;
  state->first_batch_timestamp = sc->first_batch_timestamp;
  {
    std::lock_guard lock(active_mu_);
    set_max_timestamp(sc->max_timestamp, sc->offset_of_max_timestamp);
    max_ts_known_.store(true, std::memory_order_release);
    active_state_ = std::move(state);
    active_.store(true, std::memory_order_release);
  }
  {
    std::lock_guard lock((*h)->mu);
    (*h)->indexes.reset();
  }
  publish(std::max(offset, base_), cut);
  return old_size - cut;
}

result<void> segment::flush() {
  auto h = handle();
  if (!h) return std::move(h).error();
  auto s = files_->io->fsync((*h)->fd.get());
  if (!s) return s;
  auto t = txn_.flush();
  if (!t) return t;
  if (!active()) {
    for (auto suffix : {".index", ".timeindex"}) {
      auto r = fsync_path(*files_->io, path(suffix));
      if (!r) return r;
    }
  }
  return ok_v;
}

void segment::retire() {
  retired_.store(true, std::memory_order_release);
  files_->cache->erase(id_);
}

result<std::vector<std::string>> segment::retire_and_rename_deleted() {
  retire();
  std::vector<std::string> renamed;
  for (auto suffix : {".log", ".index", ".timeindex", ".txnindex"}) {
    std::string from = path(suffix);
    std::string to = from + ".deleted";
    auto r = files_->io->rename(from, to);
    if (!r) {
      if (r.code() == errc::not_found) continue;
      return std::move(r).error();
    }
    renamed.push_back(std::move(to));
  }
  return renamed;
}

}  // namespace sluice::storage
