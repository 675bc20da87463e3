// log_cleaner: rewriting one group of segments into a cleaned one, and swapping it in.
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include "storage/log_cleaner_util.h"
#include "storage/txn_index.h"

namespace sluice::storage {

using namespace cleaner_detail;

result<bool> log_cleaner::clean_group(
    partition_log& log, const std::vector<std::shared_ptr<segment>>& group, const key_map& map,
    int64_t map_end, int64_t now_ms, clean_stats& stats, cleaned_txns& txns,
    const std::unordered_map<int64_t, producer_last_record>& last_records) {
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
  std::vector<char> keep_flags;
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
    // The aborted transactions this segment's batches may belong to (the whole segment: the
    // cleaned segment's index is rebuilt from them).
    {
      auto next = log.next_segment(seg->base_offset()).first;
      int64_t upper = next ? next->base_offset() : log.log_end_offset();
      auto aborted = log.aborted_transactions(seg->base_offset(), upper);
      txns.add_aborted(aborted);
    }

    auto r = for_each_batch(
        io, *seg,
        [&](int64_t, const protocol::batch_header& h,
            std::span<const uint8_t> bytes) -> result<bool> {
          std::optional<protocol::control_type> type;
          if (h.is_control() && h.records_count > 0) {
            type = control_type_of(bytes, scratch);
            if (!type)
              return fail(errc::corrupt_message, seg->path(".log") +
                                                     ": unreadable control record at offset " +
                                                     std::to_string(h.base_offset));
          }
          // Kafka's batch retention: an aborted transaction's data goes; a marker goes once its
          // transaction's data is gone and its delete horizon has passed; the batch a producer's
          // state rests on stays, emptied if nothing else of it is kept.
          const bool can_discard =
              h.is_control() ? txns.on_control_batch(h, type) : txns.on_data_batch(h);
          const bool discard_records =
              h.is_control() ? can_discard && h.has_delete_horizon() && h.base_timestamp <= now_ms
                             : can_discard;
          bool producer_last = false;
          if (h.producer_id >= 0) {
            auto it = last_records.find(h.producer_id);
            if (it != last_records.end()) {
              producer_last = it->second.last_data_offset >= 0
                                  ? h.last_offset() == it->second.last_data_offset
                                  : h.is_control() && h.producer_epoch == it->second.epoch;
            }
          }
          auto keep_empty = [&]() {
            auto e = empty_batch(h);
            emit(e, h.last_offset(), h.max_timestamp);
          };
          if (discard_records) {
            if (h.is_control()) {
              ++stats.markers_dropped;
            } else {
              ++stats.aborted_batches_dropped;
              stats.records_read += h.records_count;
            }
            if (producer_last) keep_empty();
            return true;
          }
          if (h.is_control()) {
            if (h.records_count == 0) {  // emptied by an earlier pass
              if (producer_last) emit(bytes, h.last_offset(), h.max_timestamp);
              return true;
            }
            // A marker whose transaction's data is gone stays for delete.retention.ms more (so
            // that a consumer part way through the transaction still sees it): the first pass
            // to find it so stamps the horizon in.
            if (!can_discard || h.has_delete_horizon()) {
              emit(bytes, h.last_offset(), h.max_timestamp);
              return true;
            }
            auto view = protocol::record_batch_view::open(bytes, scratch);
            if (!view) return batch_failure(view.code(), seg->path(".log"));
            auto marked = rebuild_batch(
                *view, [](const protocol::record_view&) { return true; },
                now_ms + cfg->delete_retention_ms);
            if (!marked) return batch_failure(marked.code(), seg->path(".log"));
            emit(*marked, h.last_offset(), h.max_timestamp);
            return true;
          }
          auto view = protocol::record_batch_view::open(bytes, scratch);
          if (!view) return batch_failure(view.code(), seg->path(".log"));
          keep_flags.clear();
          int32_t kept = 0;
          auto counted = view->for_each([&](const protocol::record_view& rec) {
            bool keep = true;
            int64_t offset = rec.offset(h);
            if (!rec.key) {
              keep = false;
            } else {
              auto it = map.offsets.find(hash_key(*rec.key));
              if (it != map.offsets.end() && offset < it->second) {
                keep = false;
              } else if (!rec.value && drop_tombstones && offset < map_end) {
                ++stats.tombstones_dropped;
                keep = false;
              }
            }
            keep_flags.push_back(keep ? 1 : 0);
            if (keep) ++kept;
          });
          if (!counted) return batch_failure(counted.code(), seg->path(".log"));
          const auto total = static_cast<int32_t>(keep_flags.size());
          stats.records_read += total;
          stats.records_kept += kept;
          if (kept == total) {
            emit(bytes, h.last_offset(), h.max_timestamp);
            return true;
          }
          if (kept == 0) {
            if (producer_last) keep_empty();
            return true;
          }
          size_t at = 0;
          auto batch = rebuild_batch(
              *view, [&](const protocol::record_view&) { return keep_flags[at++] != 0; },
              h.has_delete_horizon() ? std::optional<int64_t>(h.base_timestamp) : std::nullopt);
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
  // The aborts whose markers the cleaned segment keeps.
  auto aborted = txns.take_index_entries();
  std::vector<std::string> suffixes{".index", ".timeindex", ".log"};
  if (!aborted.empty()) {
    std::string bytes;
    for (const auto& a : aborted) {
      auto e = txn_index::encode(a);
      bytes.append(reinterpret_cast<const char*>(e.data()), e.size());
    }
    auto wx = write_file_atomically(io, name(".txnindex.cleaned"), bytes, true);
    if (!wx) return std::move(wx).error();
    suffixes.insert(suffixes.begin(), ".txnindex");
  }
  if (crash_point && !crash_point("cleaned")) return false;

  // Commit point: once <base>.log.swap exists (renamed last), recovery completes the swap.
  for (const auto& suffix : suffixes) {
    auto r = io.rename(name(suffix + ".cleaned"), name(suffix + ".swap"));
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
  int64_t group_end = INT64_MAX;  // the base of the segment after the group
  {
    std::shared_lock slock(log.segments_mu_);
    for (const auto& seg : group) {
      auto it = log.segments_.find(seg->base_offset());
      if (it == log.segments_.end() || it->second != seg) current = false;
    }
    auto after = log.segments_.upper_bound(group.back()->base_offset());
    if (after != log.segments_.end()) group_end = after->first;
  }
  if (!current) {
    // Retention or truncation removed part of the group meanwhile: drop the cleaned copy.
    for (auto suffix : {".log.swap", ".index.swap", ".timeindex.swap", ".txnindex.swap"})
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
    // The transaction index last: recovery tells a committed swap whose log is in place by
    // <base>.log.cleaned being gone (docs/on-disk-format.md).
    if (io.exists(name(".txnindex.swap"))) {
      auto r = io.rename(name(".txnindex.swap"), name(".txnindex"));
      if (!r) return log.go_offline(std::move(r).error());
    }
    for (const auto& seg : group) log.segments_.erase(seg->base_offset());
    log.segments_[base] = segment::existing(log.files_, base, new_size);
  }
  auto d = io.fsync_dir(dir);
  if (!d) return log.go_offline(std::move(d).error());
  log.schedule_deletes(std::move(renamed), log.config()->file_delete_delay_ms);
  // Snapshots up to the end of the cleaned segment go (Kafka deletes those of the replaced
  // segments but keeps the first): one taken while a transaction was open would, replayed over
  // a log whose marker this cleaning dropped, leave that transaction open for ever. Replaying
  // these segments from an earlier snapshot, or from the log start, is always right.
  auto snaps = log.delete_snapshots_locked([&](int64_t offset) { return offset < group_end; });
  if (!snaps) return log.go_offline(std::move(snaps).error());
  return ok_v;
}

}  // namespace sluice::storage
