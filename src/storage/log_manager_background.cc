// log_manager's background work: the flusher, janitor and cleaner threads and their single passes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "storage/log_cleaner.h"
#include "storage/log_manager.h"

namespace sluice::storage {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void log_manager::start() {
  std::lock_guard lock(thread_mu_);
  if (!threads_.empty() || stopping_) return;
  threads_.emplace_back([this] { flusher_loop(); });
  threads_.emplace_back([this] { janitor_loop(); });
  if (options_.cleaner_enable) threads_.emplace_back([this] { cleaner_loop(); });
}

bool log_manager::wait_for(int64_t ms, bool& flag) {
  std::unique_lock lock(thread_mu_);
  thread_cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 1)),
                      [&] { return stopping_ || flag; });
  flag = false;
  return !stopping_;
}

void log_manager::wake_flusher() {
  {
    std::lock_guard lock(thread_mu_);
    flush_requested_ = true;
  }
  thread_cv_.notify_all();
}

void log_manager::run_flush_once(bool all) {
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, e] : partitions_) logs.push_back(e.log);
  }
  for (const auto& log : logs) {
    if (log->is_offline()) continue;
    bool due = all ? log->recovery_point() < log->log_end_offset() : log->flush_due();
    if (!due) continue;
    auto r = log->flush();
    if (!r && r.code() != errc::closed)
      spdlog::error("storage: flush of {}: {}", log->tp().dir_name(), r.message());
  }
}

void log_manager::flusher_loop() {
  int64_t last_checkpoint = steady_ms();
  while (wait_for(options_.flush_check_interval_ms, flush_requested_)) {
    run_flush_once(false);
    if (steady_ms() - last_checkpoint >= options_.checkpoint_interval_ms) {
      auto r = write_checkpoints();
      if (!r) spdlog::error("storage: checkpoints: {}", r.message());
      last_checkpoint = steady_ms();
    }
  }
}

void log_manager::run_retention_once() {
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, e] : partitions_) logs.push_back(e.log);
  }
  int64_t now = now_ms();
  for (const auto& log : logs) {
    if (log->is_offline()) continue;
    auto r = log->apply_retention(now);
    if (!r && r.code() != errc::closed)
      spdlog::error("storage: retention of {}: {}", log->tp().dir_name(), r.message());
  }
}

void log_manager::run_producer_expiration_once() {
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, e] : partitions_) logs.push_back(e.log);
  }
  int64_t now = now_ms();
  for (const auto& log : logs) {
    if (!log->is_offline()) log->remove_expired_producers(now);
  }
}

void log_manager::purge_deleted() {
  std::vector<std::string> dirs;
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::unique_lock lock(map_mu_);
    dirs.swap(doomed_dirs_);
    for (const auto& [tp, e] : partitions_) logs.push_back(e.log);
  }
  for (const auto& dir : dirs) {
    auto r = io_->remove_all(dir);
    if (!r) spdlog::error("storage: {}", r.message());
  }
  for (const auto& log : logs) log->delete_pending_files(false);
}

void log_manager::janitor_loop() {
  int64_t last_retention = steady_ms();
  int64_t last_expiration = steady_ms();
  int64_t tick = std::min<int64_t>({1000, options_.retention_check_interval_ms,
                                    options_.producer_id_expiration_check_interval_ms});
  while (wait_for(tick, purge_requested_)) {
    purge_deleted();
    if (steady_ms() - last_retention >= options_.retention_check_interval_ms) {
      run_retention_once();
      last_retention = steady_ms();
    }
    if (steady_ms() - last_expiration >= options_.producer_id_expiration_check_interval_ms) {
      run_producer_expiration_once();
      last_expiration = steady_ms();
    }
  }
}

result<void> log_manager::write_cleaner_checkpoints() {
  std::vector<offset_map> per_dir(options_.log_dirs.size());
  {
    std::lock_guard clock(cleaner_mu_);
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, offset] : cleaner_offsets_) {
      auto it = partitions_.find(tp);
      if (it != partitions_.end()) per_dir[it->second.dir][tp] = offset;
    }
  }
  std::lock_guard lock(checkpoint_mu_);
  for (size_t d = 0; d < per_dir.size(); ++d) {
    auto w = write_offset_checkpoint(
        *io_, join_path(options_.log_dirs[d], cleaner_offset_checkpoint_name), per_dir[d]);
    if (!w) return w;
  }
  return ok_v;
}

bool log_manager::run_cleaner_once() {
  std::vector<std::shared_ptr<partition_log>> logs;
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, e] : partitions_) {
      if (e.log->config()->cleanup_compact) logs.push_back(e.log);
    }
  }
  int64_t now = now_ms();
  std::shared_ptr<partition_log> best;
  double best_ratio = -1;
  for (const auto& log : logs) {
    if (log->is_offline()) continue;
    int64_t first_dirty = 0;
    {
      std::lock_guard lock(cleaner_mu_);
      auto it = cleaner_offsets_.find(log->tp());
      if (it != cleaner_offsets_.end()) first_dirty = it->second;
    }
    auto range = cleaner_->assess(*log, first_dirty, now);
    if (!range) continue;
    double ratio = range->dirty_ratio();
    bool due = range->dirty_bytes > 0 &&
               (range->overdue || ratio >= log->config()->min_cleanable_dirty_ratio);
    if (!due) continue;
    if (range->overdue) ratio += 1.0;  // overdue partitions go first
    if (ratio > best_ratio) {
      best_ratio = ratio;
      best = log;
    }
  }
  if (!best) return false;
  int64_t first_dirty = 0;
  {
    std::lock_guard lock(cleaner_mu_);
    first_dirty = cleaner_offsets_[best->tp()];
  }
  auto stats = cleaner_->clean(*best, first_dirty, now);
  if (!stats) {
    if (stats.code() != errc::closed)
      spdlog::error("storage: cleaning {}: {}", best->tp().dir_name(), stats.message());
    return false;
  }
  {
    std::lock_guard lock(cleaner_mu_);
    cleaner_offsets_[best->tp()] = stats->first_dirty_after;
  }
  spdlog::info("storage: cleaned {}: {} -> {} bytes, {} of {} records kept, {} segments -> {}",
               best->tp().dir_name(), stats->bytes_before, stats->bytes_after, stats->records_kept,
               stats->records_read, stats->segments_before, stats->segments_after);
  auto w = write_cleaner_checkpoints();
  if (!w) spdlog::error("storage: cleaner checkpoint: {}", w.message());
  return true;
}

void log_manager::cleaner_loop() {
  while (wait_for(options_.cleaner_backoff_ms, never_)) {
    while (run_cleaner_once()) {
      std::lock_guard lock(thread_mu_);
      if (stopping_) return;
    }
  }
}

}  // namespace sluice::storage
