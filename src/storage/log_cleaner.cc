#include "storage/log_cleaner.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "base/crc32c.h"
#include "protocol/record_batch.h"

namespace sluice::storage {

namespace {

// 96 bits of key hash: two independent hashes, so a collision (which would drop a live record)
// is vanishingly unlikely.
struct key_hash {
  uint64_t a;
  uint32_t b;
  friend bool operator==(const key_hash&, const key_hash&) = default;
};
struct key_hash_hasher {
  size_t operator()(const key_hash& k) const { return static_cast<size_t>(k.a); }
};
key_hash hash_key(protocol::bytes_view key) {
  std::string_view s(reinterpret_cast<const char*>(key.data()), key.size());
  return key_hash{std::hash<std::string_view>()(s), crc32c(key)};
}

// Bytes the offset map costs per key (node, bucket, allocator overhead of unordered_map).
constexpr size_t map_entry_cost = 64;

// Reads a whole batch at `position`.
result<void> read_batch(file_io& io, int fd, int64_t position, int64_t size,
                        std::vector<uint8_t>& out) {
  out.resize(static_cast<size_t>(size));
  auto n = io.pread(fd, out, position);
  if (!n) return std::move(n).error();
  if (*n != out.size()) return fail(errc::io_error, "short read of a batch");
  return ok_v;
}

failure<errc> batch_failure(protocol::batch_errc e, const std::string& where) {
  return fail(errc::corrupt_message, where + ": " + std::string(protocol::to_string(e)));
}

// Visits every batch of a sealed segment: f(position, header, bytes) -> result<bool> (false
// stops).
template <class F>
result<void> for_each_batch(file_io& io, segment& seg, F&& f) {
  auto h = seg.handle();
  if (!h) return std::move(h).error();
  int fd = (*h)->fd.get();
  batch_scanner sc(io, fd, 0, seg.size(), {.chunk_size = 64 * 1024});
  std::vector<uint8_t> bytes;
  while (sc.next()) {
    auto r = read_batch(io, fd, sc.position(), sc.header().total_size(), bytes);
    if (!r) return r;
    auto more = f(sc.position(), sc.header(), std::span<const uint8_t>(bytes));
    if (!more) return std::move(more).error();
    if (!*more) return ok_v;
  }
  if (sc.state() != batch_scanner::status::end)
    return fail(errc::io_error, seg.path(".log") + ": " + sc.problem());
  return ok_v;
}

}  // namespace

struct log_cleaner::key_map {
  std::unordered_map<key_hash, int64_t, key_hash_hasher> offsets;
};

log_cleaner::log_cleaner(size_t dedupe_buffer_bytes)
    : max_map_entries_(std::max<size_t>(dedupe_buffer_bytes / map_entry_cost, 16)) {}

result<cleanable_range> log_cleaner::assess(partition_log& log, int64_t first_dirty,
                                            int64_t now_ms) const {
  cleanable_range out;
  auto cfg = log.config();
  auto segments = log.segments_snapshot();
  int64_t start = log.log_start_offset();
  int64_t end = log.log_end_offset();
  if (first_dirty < start || first_dirty > end) first_dirty = start;
  int64_t bound = log.retention_upper_bound();
  out.first_dirty = first_dirty;
  out.first_uncleanable = first_dirty;
  // Cleanable: sealed segments that end at or below the high watermark and are older than
  // min.compaction.lag.ms.
  bool stopped = false;
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const auto& seg = segments[i];
    int64_t seg_end = segments[i + 1]->base_offset();
    if (seg_end <= first_dirty) {
      out.clean_bytes += seg->size();
      continue;
    }
    if (stopped) break;
    auto m = seg->max_timestamp();
    if (!m) return std::move(m).error();
    bool lagging = cfg->min_compaction_lag_ms > 0 && m->first > now_ms - cfg->min_compaction_lag_ms;
    if (seg_end > bound || lagging) {
      stopped = true;
      break;
    }
    if (out.dirty_bytes == 0 && cfg->max_compaction_lag_ms != log_config::unlimited &&
        m->first >= 0 && now_ms - m->first > cfg->max_compaction_lag_ms)
      out.overdue = true;
    out.dirty_bytes += seg->size();
    out.first_uncleanable = seg_end;
  }
  return out;
}

result<bool> log_cleaner::needs_cleaning(partition_log& log, int64_t first_dirty,
                                         int64_t now_ms) const {
  auto cfg = log.config();
  if (!cfg->cleanup_compact) return false;
  auto range = assess(log, first_dirty, now_ms);
  if (!range) return std::move(range).error();
  return range->dirty_bytes > 0 &&
         (range->overdue || range->dirty_ratio() >= cfg->min_cleanable_dirty_ratio);
}

result<clean_stats> log_cleaner::clean(partition_log& log, int64_t first_dirty, int64_t now_ms) {
  clean_stats stats;
  auto cfg = log.config();
  auto range = assess(log, first_dirty, now_ms);
  if (!range) return std::move(range).error();
  stats.first_dirty_after = range->first_dirty;
  if (range->dirty_bytes == 0) return stats;
  file_io& io = *log.files_->io;

  // 1. The offset map of the dirty part: the last offset of every key.
  key_map map;
  int64_t map_end = range->first_dirty;
  std::vector<uint8_t> scratch;
  bool full = false;
  for (const auto& seg : log.segments_snapshot()) {
    if (full || seg->base_offset() >= range->first_uncleanable) break;
    auto next_base = log.next_segment(seg->base_offset()).first;
    if (!next_base || next_base->base_offset() <= range->first_dirty) continue;
    auto r = for_each_batch(
        io, *seg,
        [&](int64_t, const protocol::batch_header& h,
            std::span<const uint8_t> bytes) -> result<bool> {
          if (h.last_offset() < range->first_dirty) return true;
          if (h.is_control()) {
            map_end = h.last_offset() + 1;
            return true;
          }
          auto view = protocol::record_batch_view::open(bytes, scratch);
          if (!view) return batch_failure(view.code(), seg->path(".log"));
          // A batch is added whole or not at all, so map_end stays on a batch boundary.
          if (map.offsets.size() + static_cast<size_t>(h.records_count) > max_map_entries_ &&
              !map.offsets.empty()) {
            full = true;
            return false;
          }
          auto each = view->for_each([&](const protocol::record_view& rec) {
            if (rec.key) map.offsets[hash_key(*rec.key)] = rec.offset(h);
          });
          if (!each) return batch_failure(each.code(), seg->path(".log"));
          map_end = h.last_offset() + 1;
          return true;
        });
    if (!r) return std::move(r).error();
    if (!full) map_end = std::max(map_end, next_base->base_offset());
  }
  stats.first_dirty_after = std::min(map_end, range->first_uncleanable);

  // 2. Rewrite the cleanable segments (below first_uncleanable, and starting below the end of
  // the map) in groups of at most segment.bytes, oldest first.
  std::vector<std::shared_ptr<segment>> cleanable;
  for (const auto& seg : log.segments_snapshot()) {
    auto next = log.next_segment(seg->base_offset()).first;
    if (!next || next->base_offset() > range->first_uncleanable || seg->base_offset() >= map_end)
      break;
    cleanable.push_back(seg);
  }
  size_t i = 0;
  while (i < cleanable.size()) {
    std::vector<std::shared_ptr<segment>> group{cleanable[i]};
    int64_t bytes = cleanable[i]->size();
    size_t j = i + 1;
    while (j < cleanable.size() && bytes + cleanable[j]->size() <= cfg->segment_bytes) {
      auto next =
          j + 1 < cleanable.size() ? cleanable[j + 1]->base_offset() : range->first_uncleanable;
      if (next - 1 - group.front()->base_offset() > INT32_MAX) break;
      bytes += cleanable[j]->size();
      group.push_back(cleanable[j]);
      ++j;
    }
    auto r = clean_group(log, group, map, map_end, now_ms, stats);
    if (!r) return std::move(r).error();
    if (!*r) break;  // stopped by a crash point
    i = j;
  }
  return stats;
}

result<bool> log_cleaner::clean_group(partition_log& log,
                                      const std::vector<std::shared_ptr<segment>>& group,
                                      const key_map& map, int64_t map_end, int64_t now_ms,
                                      clean_stats& stats) {
  auto cfg = log.config();
  file_io& io = *log.files_->io;
  const std::string& dir = log.files_->dir;
  const int64_t base = group.front()->base_offset();
  auto name = [&](std::string_view suffix) {
    return join_path(dir, segment_file_name(base, suffix));
  };
  auto fd = io.open(name(".log.cleaned"), O_RDWR | O_CREAT | O_TRUNC);
  if (!fd) return std::move(fd).error();

  segment_indexes indexes(base);
  index_appender appender{indexes, cfg->index_interval_bytes};
  std::vector<uint8_t> out;
  int64_t written = 0;
  auto flush_out = [&]() -> result<void> {
    auto w = io.pwrite_all(fd->get(), out, written);
    if (!w) return w;
    written += static_cast<int64_t>(out.size());
    out.clear();
    return ok_v;
  };
  auto emit = [&](std::span<const uint8_t> batch, int64_t last_offset, int64_t max_ts) {
    appender.add(last_offset, max_ts, written + static_cast<int64_t>(out.size()),
                 static_cast<int64_t>(batch.size()));
    out.insert(out.end(), batch.begin(), batch.end());
  };

  std::vector<uint8_t> scratch;
  std::vector<protocol::record_header> headers;
  for (const auto& seg : group) {
    ++stats.segments_before;
    stats.bytes_before += seg->size();
    auto newest = seg->max_timestamp();
    if (!newest) return std::move(newest).error();
    int64_t seg_time = newest->first;
    if (seg_time < 0) {
      auto mt = io.mtime_ms(seg->path(".log"));
      seg_time = mt ? *mt : now_ms;
    }
    const bool drop_tombstones = now_ms - seg_time > cfg->delete_retention_ms;

    auto r = for_each_batch(
        io, *seg,
        [&](int64_t, const protocol::batch_header& h,
            std::span<const uint8_t> bytes) -> result<bool> {
          if (h.is_control()) {  // transaction markers stay until transactions are cleaned too
            emit(bytes, h.last_offset(), h.max_timestamp);
            return true;
          }
          auto view = protocol::record_batch_view::open(bytes, scratch);
          if (!view) return batch_failure(view.code(), seg->path(".log"));
          auto keep = [&](const protocol::record_view& rec) {
            if (!rec.key) return false;
            int64_t offset = rec.offset(h);
            auto it = map.offsets.find(hash_key(*rec.key));
            if (it != map.offsets.end() && offset < it->second) return false;
            if (!rec.value && drop_tombstones && offset < map_end) {
              ++stats.tombstones_dropped;
              return false;
            }
            return true;
          };
          int32_t total = 0;
          int32_t kept = 0;
          auto counted = view->for_each([&](const protocol::record_view& rec) {
            ++total;
            if (keep(rec)) ++kept;
          });
          if (!counted) return batch_failure(counted.code(), seg->path(".log"));
          stats.records_read += total;
          stats.records_kept += kept;
          if (kept == total) {
            emit(bytes, h.last_offset(), h.max_timestamp);
            return true;
          }
          if (kept == 0) return true;
          protocol::batch_builder_options o;
          o.compression = h.compression();
          o.base_offset = h.base_offset;
          o.partition_leader_epoch = h.partition_leader_epoch;
          o.producer_id = h.producer_id;
          o.producer_epoch = h.producer_epoch;
          o.base_sequence = h.base_sequence;
          o.transactional = h.is_transactional();
          o.ts_type = h.ts_type();
          if (h.ts_type() == protocol::timestamp_type::log_append_time)
            o.log_append_time_ms = h.max_timestamp;
          protocol::record_batch_builder builder(o);
          int32_t next_delta = 0;
          // keep() counted tombstones once already; count them only in the first pass.
          int64_t dropped_before = stats.tombstones_dropped;
          auto built = view->for_each([&](const protocol::record_view& rec) {
            if (!keep(rec)) return;
            builder.skip_offsets(rec.offset_delta - next_delta);
            headers.clear();
            for (auto hd : rec.headers()) headers.push_back(hd);
            builder.add(rec.timestamp(h), rec.key, rec.value, headers);
            next_delta = rec.offset_delta + 1;
          });
          stats.tombstones_dropped = dropped_before;
          if (!built) return batch_failure(built.code(), seg->path(".log"));
          auto batch = builder.build();
          if (!batch) return batch_failure(batch.code(), seg->path(".log"));
          auto nh = protocol::batch_header::parse(*batch);
          if (!nh) return fail(errc::io_error, "the batch builder wrote an unreadable batch");
          emit(*batch, nh->last_offset(), nh->max_timestamp);
          return true;
        });
    if (!r) return std::move(r).error();
    if (out.size() >= (1u << 20)) {
      auto w = flush_out();
      if (!w) return std::move(w).error();
    }
  }
  auto w = flush_out();
  if (!w) return std::move(w).error();
  auto synced = io.fsync(fd->get());
  if (!synced) return std::move(synced).error();
  fd->reset();
  appender.finish();
  auto off = indexes.offsets.encode();
  auto tim = indexes.times.encode();
  auto wi = write_file_atomically(io, name(".index.cleaned"),
                                  {reinterpret_cast<const char*>(off.data()), off.size()}, true);
  if (!wi) return std::move(wi).error();
  auto wt = write_file_atomically(io, name(".timeindex.cleaned"),
                                  {reinterpret_cast<const char*>(tim.data()), tim.size()}, true);
  if (!wt) return std::move(wt).error();
  if (crash_point && !crash_point("cleaned")) return false;

  // Commit point: once <base>.log.swap exists, recovery completes the swap.
  for (auto suffix : {".index", ".timeindex", ".log"}) {
    auto r = io.rename(name(std::string(suffix) + ".cleaned"), name(std::string(suffix) + ".swap"));
    if (!r) return std::move(r).error();
  }
  auto d = io.fsync_dir(dir);
  if (!d) return std::move(d).error();
  if (crash_point && !crash_point("swap")) return false;

  auto s = swap_in(log, group, written);
  if (!s) return std::move(s).error();
  ++stats.segments_after;
  stats.bytes_after += written;
  return true;
}

result<void> log_cleaner::swap_in(partition_log& log,
                                  const std::vector<std::shared_ptr<segment>>& group,
                                  int64_t new_size) {
  file_io& io = *log.files_->io;
  const std::string& dir = log.files_->dir;
  const int64_t base = group.front()->base_offset();
  auto name = [&](std::string_view suffix) {
    return join_path(dir, segment_file_name(base, suffix));
  };
  std::lock_guard lock(log.write_mu_);
  bool current = !log.closed_.load() && !log.offline_.load();
  {
    std::shared_lock slock(log.segments_mu_);
    for (const auto& seg : group) {
      auto it = log.segments_.find(seg->base_offset());
      if (it == log.segments_.end() || it->second != seg) current = false;
    }
  }
  if (!current) {
    // Retention or truncation removed part of the group meanwhile: drop the cleaned copy.
    for (auto suffix : {".log.swap", ".index.swap", ".timeindex.swap"})
      (void)io.remove(name(suffix));
    return fail(errc::closed, "the log changed while it was cleaned");
  }
  std::vector<std::string> renamed;
  {
    // Readers that find an old (retired) segment retry with a fresh segment list; holding the
    // list exclusively across the renames makes them wait for the new one instead of spinning.
    std::unique_lock slock(log.segments_mu_);
    for (const auto& seg : group) {
      auto r = seg->retire_and_rename_deleted();
      if (!r) return log.go_offline(std::move(r).error());
      renamed.insert(renamed.end(), r->begin(), r->end());
    }
    for (auto suffix : {".index", ".timeindex", ".log"}) {
      auto r = io.rename(name(std::string(suffix) + ".swap"), name(suffix));
      if (!r) return log.go_offline(std::move(r).error());
    }
    for (const auto& seg : group) log.segments_.erase(seg->base_offset());
    log.segments_[base] = segment::existing(log.files_, base, new_size);
  }
  auto d = io.fsync_dir(dir);
  if (!d) return log.go_offline(std::move(d).error());
  log.schedule_deletes(std::move(renamed), log.config()->file_delete_delay_ms);
  return ok_v;
}

}  // namespace sluice::storage
