// partition_log::open: loading a partition folder, finishing interrupted deletions and compaction
// swaps, and crash recovery.
#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <set>

#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"

namespace sluice::storage {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::string_view segment_suffixes[] = {".log", ".index", ".timeindex", ".txnindex"};

// The base offset and suffix of a segment file name, if it is one.
std::optional<std::pair<int64_t, std::string_view>> parse_any(std::string_view name) {
  for (auto suffix : segment_suffixes) {
    if (auto base = parse_segment_file_name(name, suffix)) return std::pair{*base, suffix};
  }
  return std::nullopt;
}

result<void> remove_segment_files(file_io& io, const std::string& dir, int64_t base) {
  for (auto suffix : segment_suffixes) {
    auto r = io.remove(join_path(dir, segment_file_name(base, suffix)));
    if (!r) return r;
  }
  return ok_v;
}

// A compaction swap that reached its commit point (<base>.log.swap exists): the cleaned segment
// replaces every segment whose base lies within its offsets. See docs/on-disk-format.md.
result<void> complete_swap(file_io& io, const std::string& dir, int64_t base,
                           std::set<int64_t>& logs) {
  std::string swap = join_path(dir, segment_file_name(base, ".log.swap"));
  int64_t last = base - 1;
  {
    auto fd = io.open(swap, O_RDWR);
    if (!fd) return std::move(fd).error();
    auto size = io.size_of(fd->get());
    if (!size) return std::move(size).error();
    batch_scanner sc(io, fd->get(), 0, *size,
                     {.chunk_size = 1 << 20, .verify_crc = true, .min_offset = base});
    while (sc.next()) last = sc.header().last_offset();
    if (sc.state() == batch_scanner::status::error) return fail(errc::io_error, sc.problem());
    if (sc.valid_end() < *size) {
      spdlog::warn("storage: {} is damaged at byte {} ({}); keeping its valid prefix", swap,
                   sc.valid_end(), sc.problem());
      auto t = io.truncate(fd->get(), sc.valid_end());
      if (!t) return t;
    }
  }
  for (auto it = logs.lower_bound(base); it != logs.end() && *it <= std::max(last, base);) {
    auto r = remove_segment_files(io, dir, *it);
    if (!r) return r;
    it = logs.erase(it);
  }
  for (auto suffix : {".index", ".timeindex", ".index.swap", ".timeindex.swap"}) {
    auto r = io.remove(join_path(dir, segment_file_name(base, suffix)));
    if (!r) return r;
  }
  auto r = io.rename(swap, join_path(dir, segment_file_name(base, ".log")));
  if (!r) return r;
  // The cleaned segment's transaction index (the old ones went with their segments above).
  std::string txn_swap = join_path(dir, segment_file_name(base, ".txnindex.swap"));
  if (io.exists(txn_swap)) {
    r = io.rename(txn_swap, join_path(dir, segment_file_name(base, ".txnindex")));
    if (!r) return r;
  }
  logs.insert(base);
  spdlog::info("storage: completed an interrupted compaction swap in {} at offset {}", dir, base);
  return ok_v;
}

}  // namespace

result<std::shared_ptr<partition_log>> partition_log::open(const partition_open_options& o) {
  file_io& io = *o.io;
  auto made = io.make_dirs(o.dir);
  if (!made) return std::move(made).error();
  auto files = std::make_shared<log_files>();
  files->io = o.io;
  files->cache = o.cache;
  files->dir = o.dir;
  files->index_interval_bytes.store(o.config.index_interval_bytes);
  auto log = std::make_shared<partition_log>(construct_tag{}, o.tp, files, o.config,
                                             o.producer_id_expiration_ms);
  log->last_now_ms_ = o.now_ms;

  auto listing = io.list_dir(o.dir);
  if (!listing) return std::move(listing).error();
  std::set<int64_t> logs;
  std::set<int64_t> indexed;
  std::set<int64_t> log_swaps;
  std::set<int64_t> index_swaps;
  std::set<int64_t> cleaned_logs;  // <base>.log.cleaned: a compaction that did not commit
  for (const auto& e : *listing) {
    if (e.is_dir) continue;
    std::string_view name = e.name;
    std::string path = join_path(o.dir, name);
    if (ends_with(name, ".cleaned")) {
      if (auto b = parse_segment_file_name(name.substr(0, name.size() - 8), ".log"))
        cleaned_logs.insert(*b);
    }
    if (ends_with(name, ".deleted") || ends_with(name, ".cleaned") || ends_with(name, ".tmp")) {
      auto r = io.remove(path);  // unfinished deletion, cleaning output, or checkpoint temp
      if (!r) return std::move(r).error();
    } else if (ends_with(name, ".swap")) {
      auto seg = parse_any(name.substr(0, name.size() - 5));
      if (!seg) continue;
      (seg->second == ".log" ? log_swaps : index_swaps).insert(seg->first);
    } else if (auto seg = parse_any(name)) {
      (seg->second == ".log" ? logs : indexed).insert(seg->first);
    } else if (auto snap = parse_segment_file_name(name, producer_snapshot_suffix)) {
      log->snapshots_.insert(*snap);
    }
  }
  for (int64_t base : log_swaps) {
    auto r = complete_swap(io, o.dir, base, logs);
    if (!r) return std::move(r).error();
  }
  for (int64_t base : index_swaps) {
    if (log_swaps.count(base) != 0) continue;
    // Either the compaction never committed (its .log.cleaned was still there: the old files
    // stand) or the log half of the swap is already in place (the old index files cannot be
    // trusted, and only the transaction index, renamed last, is left to install).
    bool committed = cleaned_logs.count(base) == 0;
    for (auto suffix : {".index.swap", ".timeindex.swap", ".index", ".timeindex"}) {
      auto r = io.remove(join_path(o.dir, segment_file_name(base, suffix)));
      if (!r) return std::move(r).error();
    }
    std::string txn_swap = join_path(o.dir, segment_file_name(base, ".txnindex.swap"));
    if (!committed) {
      auto r = io.remove(txn_swap);
      if (!r) return std::move(r).error();
    } else if (io.exists(txn_swap)) {
      auto r = io.rename(txn_swap, join_path(o.dir, segment_file_name(base, ".txnindex")));
      if (!r) return std::move(r).error();
    }
  }
  for (int64_t base : indexed) {
    if (logs.count(base) != 0) continue;
    auto r = remove_segment_files(io, o.dir, base);  // index without a log
    if (!r) return std::move(r).error();
  }

  for (int64_t base : logs) {
    auto size = io.file_size(join_path(o.dir, segment_file_name(base, ".log")));
    if (!size) return std::move(size).error();
    if (*size > INT32_MAX)
      return fail(errc::corrupt_file, o.dir + ": segment " + std::to_string(base) + " over 2 GiB");
    log->segments_.emplace(base, segment::existing(files, base, *size));
  }
  // Producer state is rebuilt from the latest snapshot at or below `limit`; the transaction
  // indexes of segments at or above `rebuild_from` (the ones recovery re-scanned) with it.
  int64_t limit = INT64_MAX;
  int64_t rebuild_from = INT64_MAX;
  if (log->segments_.empty()) {
    auto created = log->new_segment(std::max(o.initial_offset, o.log_start_offset), o.now_ms);
    if (!created) return std::move(created).error();
    log->segments_.emplace((*created)->base_offset(), *created);
    log->active_ = *created;
    log->log_end_.store((*created)->base_offset());
    log->recovery_point_.store((*created)->base_offset());
  } else {
    auto& last = log->segments_.rbegin()->second;
    bool clean = o.clean_shutdown && o.recovery_point >= last->base_offset() &&
                 (last->size() > 0 || o.recovery_point == last->base_offset());
    if (clean) {
      last->set_next_offset(o.recovery_point);
      log->active_ = last;  // activated (indexes loaded) on first write
      log->log_end_.store(o.recovery_point);
      log->recovery_point_.store(o.recovery_point);
    } else {
      auto r = log->recover_segments(std::max<int64_t>(o.recovery_point, 0));
      if (!r) return std::move(r).error();
      limit = rebuild_from = *r;
    }
  }

  int64_t leo = log->log_end_.load();
  int64_t start = std::max(o.log_start_offset, log->segments_.begin()->first);
  log->log_start_.store(std::min(start, leo));

  const int64_t first_base = log->segments_.begin()->first;
  auto kept = log->delete_snapshots_locked(
      [&](int64_t offset) { return offset > leo || offset < first_base; });
  if (!kept) return std::move(kept).error();
  kept = log->remove_stray_snapshots();
  if (!kept) return std::move(kept).error();
  auto loaded = log->load_producers(std::min(limit, leo), rebuild_from);
  if (!loaded) return std::move(loaded).error();

  auto epochs = leader_epoch_cache::read(io, join_path(o.dir, leader_epoch_cache::file_name));
  if (epochs) {
    log->epochs_ = std::move(*epochs);
  } else if (epochs.code() != errc::not_found) {
    spdlog::warn("storage: ignoring {}", epochs.message());
  }
  bool changed = log->epochs_.truncate_from_end(leo);
  changed = log->epochs_.truncate_from_start(log->log_start_.load()) || changed;
  if (changed) {
    auto w = log->epochs_.write(io, join_path(o.dir, leader_epoch_cache::file_name), true);
    if (!w) return std::move(w).error();
  }
  return log;
}

result<int64_t> partition_log::recover_segments(int64_t recovery_point) {
  auto cfg = config();
  std::vector<std::shared_ptr<segment>> segs;
  for (const auto& [base, seg] : segments_) segs.push_back(seg);
  size_t first = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i]->base_offset() <= recovery_point) first = i;
  }
  size_t end = segs.size();
  for (size_t i = first; i < end; ++i) {
    auto& seg = segs[i];
    int64_t before = seg->size();
    // Rebuilt by replaying the producer state over the segment once it is recovered.
    auto reset = seg->txn().reset();
    if (!reset) return std::move(reset).error();
    auto sc = seg->recover(cfg->index_interval_bytes, true, seg->base_offset());
    if (!sc) return std::move(sc).error();
    bool damaged =
        sc->stop == batch_scanner::status::torn || sc->stop == batch_scanner::status::corrupt;
    if (damaged) {
      spdlog::warn(
          "storage: recovery of {}: {} batch at byte {} ({}); truncated, dropping {} bytes{}",
          seg->path(".log"), sc->stop == batch_scanner::status::torn ? "torn" : "invalid",
          sc->valid_end, sc->problem, before - sc->valid_end,
          i + 1 < end ? " and " + std::to_string(end - i - 1) + " later segments" : "");
      for (size_t j = i + 1; j < end; ++j) {
        segments_.erase(segs[j]->base_offset());
        auto renamed = segs[j]->retire_and_rename_deleted();
        if (!renamed) return std::move(renamed).error();
        for (const auto& p : *renamed) {
          auto r = files_->io->remove(p);
          if (!r) return std::move(r).error();
        }
      }
      end = i + 1;
    } else if (sc->batches > 0) {
      spdlog::info("storage: recovered {}: {} batches, {} bytes", seg->path(".log"), sc->batches,
                   sc->valid_end);
    }
    if (i + 1 < end) {
      auto sealed = seg->seal();
      if (!sealed) return std::move(sealed).error();
    }
  }
  active_ = segs[end - 1];
  if (!active_->active()) {
    auto a = active_->activate(-1, cfg->index_interval_bytes);
    if (!a) return std::move(a).error();
  }
  int64_t leo = active_->next_offset();
  log_end_.store(leo);
  recovery_point_.store(std::min(recovery_point, leo));
  return segs[first]->base_offset();
}

}  // namespace sluice::storage
