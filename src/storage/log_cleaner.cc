#include "storage/log_cleaner.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <unordered_map>

#include "storage/log_cleaner_util.h"

namespace sluice::storage {

using namespace cleaner_detail;

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
  // Nothing at or above the high watermark or the first unstable offset (open transactions are
  // not cleaned) is cleaned.
  int64_t bound = log.retention_upper_bound();
  if (auto unstable = log.first_unstable_offset()) bound = std::min(bound, *unstable);
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

  // 1. The offset map of the dirty part: the last offset of every key, aborted data left out.
  key_map map;
  int64_t map_end = range->first_dirty;
  std::vector<uint8_t> scratch;
  bool full = false;
  cleaned_txns map_txns;
  {
    auto aborted = log.aborted_transactions(range->first_dirty, range->first_uncleanable);
    map_txns.add_aborted(aborted);
  }
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
            map_txns.on_control_batch(h, control_type_of(bytes, scratch));
            map_end = h.last_offset() + 1;
            return true;
          }
          if (map_txns.on_data_batch(h)) {  // aborted: its keys supersede nothing
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
  cleaned_txns txns;
  std::unordered_map<int64_t, producer_last_record> last_records;
  {
    std::lock_guard lock(log.producers_mu_);
    last_records = log.producers_.last_records();
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
    auto r = clean_group(log, group, map, map_end, now_ms, stats, txns, last_records);
    if (!r) return std::move(r).error();
    if (!*r) break;  // stopped by a crash point
    i = j;
  }
  return stats;
}

}  // namespace sluice::storage
