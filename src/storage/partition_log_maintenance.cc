// partition_log's maintenance: truncation, log start, retention, flush, close, file deletion.
#include <spdlog/spdlog.h>

#include <chrono>

#include "storage/partition_log.h"

namespace sluice::storage {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void partition_log::schedule_deletes(std::vector<std::string> paths, int64_t delay_ms) {
  if (paths.empty()) return;
  int64_t due = steady_ms() + std::max<int64_t>(delay_ms, 0);
  {
    std::lock_guard lock(pending_mu_);
    for (auto& p : paths) pending_deletes_.push_back({std::move(p), due});
  }
  if (delay_ms <= 0) delete_pending_files(false);
}

void partition_log::delete_pending_files(bool force) {
  std::vector<std::string> now_due;
  {
    std::lock_guard lock(pending_mu_);
    int64_t now = steady_ms();
    auto keep = pending_deletes_.begin();
    for (auto& p : pending_deletes_) {
      if (force || p.due_steady_ms <= now) {
        now_due.push_back(std::move(p.path));
      } else {
        *keep++ = std::move(p);
      }
    }
    pending_deletes_.erase(keep, pending_deletes_.end());
  }
  for (const auto& path : now_due) {
    auto r = files_->io->remove(path);
    if (!r) spdlog::warn("storage: {}", r.message());
  }
}

result<void> partition_log::remove_segments_locked(
    const std::vector<std::shared_ptr<segment>>& doomed, int64_t delay_ms) {
  if (doomed.empty()) return ok_v;
  {
    std::unique_lock lock(segments_mu_);
    for (const auto& seg : doomed) {
      auto it = segments_.find(seg->base_offset());
      if (it != segments_.end() && it->second == seg) segments_.erase(it);
    }
  }
  std::vector<std::string> renamed;
  for (const auto& seg : doomed) {
    auto r = seg->retire_and_rename_deleted();
    if (!r) return go_offline(std::move(r).error());
    renamed.insert(renamed.end(), r->begin(), r->end());
  }
  schedule_deletes(std::move(renamed), delay_ms);
  return ok_v;
}

result<void> partition_log::truncate_to(int64_t offset) {
  if (offset < 0) return fail(errc::invalid_argument, "truncate to a negative offset");
  std::lock_guard flock(flush_mu_);
  std::lock_guard lock(write_mu_);
  auto writable = check_writable();
  if (!writable) return writable;
  if (offset >= log_end_.load()) {
    // No record goes, but a leader-epoch entry at the log end may (this broker led an epoch and
    // appended nothing in it before another leader took over): a follower that kept it would
    // report that epoch to the new leader forever and be told it diverges forever.
    int64_t end = log_end_.load();
    update_epochs_locked([&](leader_epoch_cache& c) { return c.truncate_from_end(end); });
    return ok_v;
  }
  if (offset < log_start_.load()) return truncate_fully_locked(offset);
  auto cfg = config();
  std::vector<std::shared_ptr<segment>> doomed;
  std::shared_ptr<segment> keep;
  for (const auto& seg : segments_snapshot()) {
    if (seg->base_offset() > offset) {
      doomed.push_back(seg);
    } else {
      keep = seg;
    }
  }
  if (!keep) return truncate_fully_locked(offset);
  auto removed = remove_segments_locked(doomed, 0);
  if (!removed) return removed;
  int64_t before_end = log_end_.load();
  auto cut = keep->truncate_to(offset, cfg->index_interval_bytes);
  if (!cut) return go_offline(std::move(cut).error());
  active_ = keep;
  log_end_.store(offset, std::memory_order_release);
  if (recovery_point_.load() > offset) recovery_point_.store(offset);
  if (high_watermark_.load() > offset) high_watermark_.store(offset);
  update_epochs_locked([&](leader_epoch_cache& c) { return c.truncate_from_end(offset); });
  // The producer state goes back to the latest snapshot at or below the new end, then forward
  // over what is left of the log (Kafka's rebuildProducerState).
  auto snaps = delete_snapshots_locked([&](int64_t s) { return s > offset; });
  if (!snaps) return go_offline(std::move(snaps).error());
  auto rebuilt = load_producers(offset, INT64_MAX);
  if (!rebuilt) return go_offline(std::move(rebuilt).error());
  {
    std::lock_guard plock(producers_mu_);
    int64_t hw = high_watermark_.load();
    if (hw >= 0) producers_.on_high_watermark_updated(hw);
  }
  spdlog::info("storage: truncated {} from offset {} to {} ({} segments removed)", tp_.dir_name(),
               before_end, offset, doomed.size());
  return ok_v;
}

result<void> partition_log::truncate_fully_and_start_at(int64_t offset) {
  if (offset < 0) return fail(errc::invalid_argument, "restart at a negative offset");
  std::lock_guard flock(flush_mu_);
  std::lock_guard lock(write_mu_);
  auto writable = check_writable();
  if (!writable) return writable;
  return truncate_fully_locked(offset);
}

result<void> partition_log::truncate_fully_locked(int64_t offset) {
  auto removed = remove_segments_locked(segments_snapshot(), 0);
  if (!removed) return removed;
  auto created = new_segment(offset, 0);
  if (!created) return go_offline(std::move(created).error());
  {
    std::unique_lock lock(segments_mu_);
    segments_[offset] = *created;
  }
  active_ = *created;
  log_start_.store(offset, std::memory_order_release);
  log_end_.store(offset, std::memory_order_release);
  recovery_point_.store(offset);
  if (high_watermark_.load() >= 0) high_watermark_.store(offset);
  unflushed_messages_.store(0);
  update_epochs_locked([](leader_epoch_cache& c) {
    bool had = !c.entries().empty();
    c.clear();
    return had;
  });
  auto snaps = delete_snapshots_locked([](int64_t) { return true; });
  if (!snaps) return go_offline(std::move(snaps).error());
  {
    std::lock_guard plock(producers_mu_);
    producers_.clear(offset);
    int64_t hw = high_watermark_.load();
    if (hw >= 0) producers_.on_high_watermark_updated(hw);
  }
  spdlog::info("storage: {} emptied, restarts at offset {}", tp_.dir_name(), offset);
  return ok_v;
}

result<void> partition_log::advance_log_start_offset(int64_t offset) {
  std::lock_guard lock(write_mu_);
  auto writable = check_writable();
  if (!writable) return writable;
  if (offset > log_end_.load())
    return fail(errc::offset_out_of_range, "log start offset " + std::to_string(offset) +
                                               " beyond the log end " +
                                               std::to_string(log_end_.load()));
  if (offset <= log_start_.load()) return ok_v;
  log_start_.store(offset, std::memory_order_release);
  update_epochs_locked([&](leader_epoch_cache& c) { return c.truncate_from_start(offset); });
  std::lock_guard plock(producers_mu_);
  producers_.truncate_head(offset);
  return ok_v;
}

result<retention_result> partition_log::apply_retention(int64_t now_ms) {
  retention_result out;
  std::lock_guard lock(write_mu_);
  auto writable = check_writable();
  if (!writable) return std::move(writable).error();
  auto cfg = config();
  int64_t bound = retention_upper_bound();
  int64_t log_start = log_start_.load();
  auto segments = segments_snapshot();
  int64_t total = 0;
  for (const auto& seg : segments) total += seg->size();
  int64_t excess = cfg->retention_bytes >= 0 ? total - cfg->retention_bytes : -1;

  std::vector<std::shared_ptr<segment>> doomed;
  bool roll_active = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const auto& seg = segments[i];
    bool is_active = seg == active_;
    int64_t end = is_active ? log_end_.load() : segments[i + 1]->base_offset();
    if (end > bound) break;  // holds offsets not yet known to be replicated
    if (is_active && seg->size() == 0) break;
    bool below_start = end <= log_start;
    bool expired = false;
    if (cfg->cleanup_delete && cfg->retention_ms >= 0) {
      auto m = seg->max_timestamp();
      if (!m) return go_offline(std::move(m).error());
      int64_t newest = m->first;
      if (newest < 0) {
        auto mt = files_->io->mtime_ms(seg->path(".log"));
        newest = mt ? *mt : now_ms;
      }
      expired = now_ms - newest > cfg->retention_ms;
    }
    bool oversize = cfg->cleanup_delete && excess >= 0 && excess - seg->size() >= 0;
    if (!below_start && !expired && !oversize) break;
    if (oversize) excess -= seg->size();
    if (is_active) {
      roll_active = true;
    }
    doomed.push_back(seg);
  }
  if (doomed.empty()) return out;
  if (roll_active) {
    auto loaded = ensure_active_loaded();
    if (!loaded) return go_offline(std::move(loaded).error());
    auto rolled = roll_locked(log_end_.load(), now_ms);
    if (!rolled) return go_offline(std::move(rolled).error());
  }
  for (const auto& seg : doomed) {
    out.bytes_deleted += seg->size();
    ++out.segments_deleted;
  }
  auto removed = remove_segments_locked(doomed, cfg->file_delete_delay_ms);
  if (!removed) return std::move(removed).error();
  int64_t first_base;
  {
    std::shared_lock slock(segments_mu_);
    first_base = segments_.begin()->first;
  }
  if (first_base > log_start_.load()) {
    log_start_.store(first_base, std::memory_order_release);
    update_epochs_locked([&](leader_epoch_cache& c) { return c.truncate_from_start(first_base); });
    std::lock_guard plock(producers_mu_);
    producers_.truncate_head(first_base);
  }
  // Snapshots older than the log are of no use any more (Kafka deletes them with their segments).
  auto snaps = delete_snapshots_locked([&](int64_t s) { return s < first_base; });
  if (!snaps) return go_offline(std::move(snaps).error());
  spdlog::info("storage: retention deleted {} segments ({} bytes) of {}; log starts at {}",
               out.segments_deleted, out.bytes_deleted, tp_.dir_name(), log_start_.load());
  return out;
}

result<void> partition_log::flush() {
  std::lock_guard flock(flush_mu_);
  if (offline_.load()) return fail(errc::io_error, "partition " + tp_.dir_name() + " is offline");
  int64_t target;
  int64_t flushed_messages;
  std::vector<std::shared_ptr<segment>> dirty;
  std::vector<std::string> snapshots;
  {
    std::lock_guard lock(write_mu_);
    snapshots.swap(unsynced_snapshots_);
    target = log_end_.load();
    flushed_messages = unflushed_messages_.load();
    int64_t rp = recovery_point_.load();
    auto segments = segments_snapshot();
    for (size_t i = 0; i < segments.size(); ++i) {
      int64_t end = i + 1 < segments.size() ? segments[i + 1]->base_offset() : INT64_MAX;
      if (end > rp) dirty.push_back(segments[i]);
    }
  }
  // fsync without the write lock: appends go on meanwhile.
  for (const auto& seg : dirty) {
    auto r = seg->flush();
    if (!r && r.code() != errc::closed) return go_offline(std::move(r).error());
  }
  for (size_t i = 0; i < snapshots.size(); ++i) {
    auto r = fsync_path(*files_->io, snapshots[i]);
    if (!r) {
      std::lock_guard lock(write_mu_);
      unsynced_snapshots_.insert(unsynced_snapshots_.end(), snapshots.begin() + i, snapshots.end());
      return go_offline(std::move(r).error());
    }
  }
  {
    std::lock_guard lock(epoch_mu_);
    if (epochs_unsynced_) {
      auto r = fsync_path(*files_->io, join_path(files_->dir, leader_epoch_cache::file_name));
      if (!r) return go_offline(std::move(r).error());
      epochs_unsynced_ = false;
    }
  }
  auto d = files_->io->fsync_dir(files_->dir);
  if (!d) return go_offline(std::move(d).error());
  if (!parent_synced_) {
    // The first flush of a new partition also makes its folder's entry durable.
    auto p = files_->io->fsync_dir(parent_dir(files_->dir));
    if (!p) return go_offline(std::move(p).error());
    parent_synced_ = true;
  }
  if (target > recovery_point_.load()) recovery_point_.store(target, std::memory_order_release);
  unflushed_messages_.fetch_sub(flushed_messages);
  last_flush_steady_ms_.store(steady_ms());
  return ok_v;
}

void partition_log::mark_synced() {
  std::lock_guard flock(flush_mu_);
  std::lock_guard lock(write_mu_);
  recovery_point_.store(log_end_.load(), std::memory_order_release);
  unflushed_messages_.store(0);
  parent_synced_ = true;
  unsynced_snapshots_.clear();
  std::lock_guard elock(epoch_mu_);
  epochs_unsynced_ = false;
}

result<void> partition_log::close(bool flush_files) {
  if (closed_.load()) return ok_v;
  result<void> status = ok_v;
  {
    std::lock_guard lock(write_mu_);
    closed_.store(true, std::memory_order_release);
    if (active_->active() && !offline_.load()) {
      auto w = active_->write_indexes();
      if (!w) status = go_offline(std::move(w).error());
    }
    // The producer state at the log end: the next start loads it without reading the log.
    if (status && !offline_.load()) {
      int64_t end = log_end_.load();
      bool wanted = snapshots_.empty() ? end > log_start_.load() : end > *snapshots_.rbegin();
      if (wanted) {
        auto s = take_snapshot_locked(end);
        if (!s) status = go_offline(std::move(s).error());
      }
    }
  }
  if (status && flush_files && !offline_.load()) status = flush();
  delete_pending_files(true);
  return status;
}

}  // namespace sluice::storage
