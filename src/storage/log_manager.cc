#include "storage/log_manager.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

#include "storage/log_cleaner.h"

namespace sluice::storage {

namespace {

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string random_hex(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(digits[rng() % 16]);
  return out;
}

offset_map read_checkpoint_or_empty(file_io& io, const std::string& path) {
  auto r = read_offset_checkpoint(io, path);
  if (r) return std::move(*r);
  if (r.code() != errc::not_found) spdlog::warn("storage: ignoring {}", r.message());
  return {};
}

}  // namespace

log_manager::log_manager(construct_tag, log_manager_options options)
    : options_(std::move(options)) {
  io_ = options_.io != nullptr ? options_.io : &posix_file_io();
  if (!options_.clock) options_.clock = system_ms;
  cache_ = std::make_unique<segment_cache>(options_.max_open_segment_files);
  cleaner_ = std::make_unique<log_cleaner>(options_.cleaner_dedupe_buffer_bytes);
}

log_manager::~log_manager() {
  auto r = shutdown();
  if (!r) spdlog::error("storage: shutdown: {}", r.message());
}

result<std::unique_ptr<log_manager>> log_manager::open(log_manager_options options) {
  if (options.log_dirs.empty()) return fail(errc::invalid_argument, "no log dirs");
  auto m = std::make_unique<log_manager>(construct_tag{}, std::move(options));
  auto checked = m->lock_and_check_dirs();
  if (!checked) return std::move(checked).error();
  for (size_t d = 0; d < m->options_.log_dirs.size(); ++d) {
    auto loaded = m->load_dir(d);
    if (!loaded) return std::move(loaded).error();
  }
  return m;
}

result<void> log_manager::lock_and_check_dirs() {
  std::optional<std::string> cluster = options_.cluster_id;
  for (const auto& dir : options_.log_dirs) {
    auto lock = dir_lock::acquire(*io_, dir);
    if (!lock) return std::move(lock).error();
    locks_.push_back(std::move(*lock));
    auto meta = read_meta_properties(*io_, dir);
    if (!meta && meta.code() != errc::not_found) return std::move(meta).error();
    meta_properties m = meta ? *meta : meta_properties{};
    if (meta) {
      if (options_.broker_id >= 0 && m.broker_id && *m.broker_id != options_.broker_id)
        return fail(errc::inconsistent_metadata,
                    dir + "/meta.properties has broker.id=" + std::to_string(*m.broker_id) +
                        " but this broker is " + std::to_string(options_.broker_id));
      if (cluster && m.cluster_id && *m.cluster_id != *cluster)
        return fail(errc::inconsistent_metadata, dir + "/meta.properties has cluster.id=" +
                                                     *m.cluster_id + ", expected " + *cluster);
      if (!cluster && m.cluster_id) cluster = m.cluster_id;
    }
    bool changed = !meta;
    if (options_.broker_id >= 0 && !m.broker_id) {
      m.broker_id = options_.broker_id;
      changed = true;
    }
    if (cluster && !m.cluster_id) {
      m.cluster_id = cluster;
      changed = true;
    }
    if (changed) {
      auto w = write_meta_properties(*io_, dir, m);
      if (!w) return w;
    }
  }
  return ok_v;
}

result<std::shared_ptr<partition_log>> log_manager::open_partition(const topic_partition& tp,
                                                                   size_t dir,
                                                                   const log_config& config,
                                                                   bool clean,
                                                                   const loaded_offsets& offsets) {
  partition_open_options o;
  o.tp = tp;
  o.dir = join_path(options_.log_dirs[dir], tp.dir_name());
  o.config = config;
  o.io = io_;
  o.cache = cache_.get();
  o.clean_shutdown = clean;
  auto rp = offsets.recovery_points.find(tp);
  o.recovery_point = rp == offsets.recovery_points.end() ? -1 : rp->second;
  auto ls = offsets.log_starts.find(tp);
  o.log_start_offset = ls == offsets.log_starts.end() ? 0 : ls->second;
  o.now_ms = now_ms();
  o.producer_id_expiration_ms = options_.producer_id_expiration_ms;
  auto log = partition_log::open(o);
  if (!log) return log;
  auto hw = offsets.high_watermarks.find(tp);
  if (hw != offsets.high_watermarks.end()) (*log)->set_high_watermark(hw->second);
  (*log)->set_flush_listener([this] { wake_flusher(); });
  return log;
}

result<void> log_manager::load_dir(size_t d) {
  const std::string& dir = options_.log_dirs[d];
  std::string marker = join_path(dir, clean_shutdown_marker_name);
  bool clean = io_->exists(marker);
  opened_clean_.push_back(clean);
  loaded_offsets offsets;
  offsets.recovery_points =
      read_checkpoint_or_empty(*io_, join_path(dir, recovery_point_checkpoint_name));
  offsets.log_starts =
      read_checkpoint_or_empty(*io_, join_path(dir, log_start_offset_checkpoint_name));
  offsets.high_watermarks =
      read_checkpoint_or_empty(*io_, join_path(dir, replication_offset_checkpoint_name));
  offsets.cleaner_offsets =
      read_checkpoint_or_empty(*io_, join_path(dir, cleaner_offset_checkpoint_name));
  for (const auto& [tp, off] : offsets.high_watermarks) loaded_hw_[tp] = off;
  {
    std::lock_guard lock(cleaner_mu_);
    cleaner_offsets_.insert(offsets.cleaner_offsets.begin(), offsets.cleaner_offsets.end());
  }

  auto listing = io_->list_dir(dir);
  if (!listing) return std::move(listing).error();
  std::vector<topic_partition> found;
  for (const auto& e : *listing) {
    if (!e.is_dir) continue;
    // Folders being deleted, and copies a move between log dirs left unfinished (the source
    // folder is only retired once its copy is complete).
    if (ends_with(e.name, "-delete") || ends_with(e.name, "-future")) {
      auto r = io_->remove_all(join_path(dir, e.name));
      if (!r) return r;
      continue;
    }
    auto tp = topic_partition::from_dir_name(e.name);
    if (!tp) {
      spdlog::warn("storage: ignoring {} in log dir {}: not <topic>-<partition>", e.name, dir);
      continue;
    }
    found.push_back(std::move(*tp));
  }

  // Partitions load in parallel when num.recovery.threads.per.data.dir > 1.
  std::vector<result<std::shared_ptr<partition_log>>> loaded(
      found.size(), result<std::shared_ptr<partition_log>>(errc::closed));
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < found.size(); i = next++)
      loaded[i] = open_partition(found[i], d, options_.defaults, clean, offsets);
  };
  size_t n_threads = std::min<size_t>(std::max(options_.recovery_threads, 1), found.size());
  std::vector<std::thread> pool;
  for (size_t t = 1; t < n_threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  std::unique_lock lock(map_mu_);
  for (size_t i = 0; i < found.size(); ++i) {
    if (!loaded[i])
      return fail(loaded[i].code(),
                  "loading " + found[i].dir_name() + " in " + dir + ": " + loaded[i].message());
    if (partitions_.count(found[i]) != 0)
      return fail(errc::inconsistent_metadata,
                  "partition " + found[i].dir_name() + " exists in more than one log dir");
    partitions_[found[i]] = entry{std::move(*loaded[i]), d};
  }
  lock.unlock();
  // From now on a crash must recover this dir.
  auto r = io_->remove(marker);
  if (!r) return r;
  spdlog::info("storage: loaded {} partitions from {} ({})", found.size(), dir,
               clean ? "clean shutdown" : "recovered");
  return ok_v;
}

result<std::shared_ptr<partition_log>> log_manager::create_partition(
    const topic_partition& tp, const log_config& config, std::optional<size_t> dir_index) {
  if (tp.topic.empty() || tp.partition < 0 || tp.topic.find('/') != std::string::npos ||
      tp.topic == "." || tp.topic == "..")
    return fail(errc::invalid_argument, "bad partition name " + tp.dir_name());
  if (shut_down_.load()) return fail(errc::closed, "log manager is shut down");
  std::unique_lock lock(map_mu_);
  if (partitions_.count(tp) != 0)
    return fail(errc::already_exists, "partition " + tp.dir_name() + " exists");
  size_t dir = 0;
  if (!dir_index) {
    if (auto it = preferred_dirs_.find(tp); it != preferred_dirs_.end()) {
      dir_index = it->second;
      preferred_dirs_.erase(it);
    }
  }
  if (dir_index) {
    if (*dir_index >= options_.log_dirs.size())
      return fail(errc::invalid_argument, "no log dir " + std::to_string(*dir_index));
    dir = *dir_index;
  } else {
    std::vector<size_t> counts(options_.log_dirs.size());
    for (const auto& [p, e] : partitions_) ++counts[e.dir];
    for (size_t d = 1; d < counts.size(); ++d)
      if (counts[d] < counts[dir]) dir = d;
  }
  loaded_offsets none;
  auto log = open_partition(tp, dir, config, false, none);
  if (!log) return log;
  partitions_[tp] = entry{*log, dir};
  return log;
}

std::shared_ptr<partition_log> log_manager::get(const topic_partition& tp) const {
  std::shared_lock lock(map_mu_);
  auto it = partitions_.find(tp);
  return it == partitions_.end() ? nullptr : it->second.log;
}

result<std::shared_ptr<partition_log>> log_manager::get_or_create(const topic_partition& tp,
                                                                  const log_config& config) {
  auto existing = [&]() -> std::shared_ptr<partition_log> {
    auto log = get(tp);
    if (log) log->set_config(config);
    return log;
  };
  if (auto log = existing()) return log;
  auto created = create_partition(tp, config);
  if (!created && created.code() == errc::already_exists) {
    if (auto log = existing()) return log;
  }
  return created;
}

void log_manager::prefer_dir(const topic_partition& tp, size_t dir_index) {
  std::unique_lock lock(map_mu_);
  if (dir_index < options_.log_dirs.size()) preferred_dirs_[tp] = dir_index;
}

namespace {

// Copies the regular files of folder `from` into `to` (created), each fsynced, then `to` itself.
result<void> copy_folder(file_io& io, const std::string& from, const std::string& to) {
  if (auto r = io.make_dirs(to); !r) return r;
  auto listing = io.list_dir(from);
  if (!listing) return std::move(listing).error();
  std::vector<uint8_t> buffer(1 << 20);
  for (const auto& entry : *listing) {
    const std::string source = join_path(from, entry.name);
    auto in = io.open(source, O_RDONLY);
    if (!in) return std::move(in).error();
    auto out = io.open(join_path(to, entry.name), O_WRONLY | O_CREAT | O_TRUNC);
    if (!out) return std::move(out).error();
    int64_t offset = 0;
    for (;;) {
      auto n = io.pread(in->get(), buffer, offset);
      if (!n) return std::move(n).error();
      if (*n == 0) break;
      auto w = io.pwrite_all(out->get(), std::span<const uint8_t>(buffer.data(), *n), offset);
      if (!w) return w;
      offset += static_cast<int64_t>(*n);
    }
    if (auto f = io.fsync(out->get()); !f) return f;
  }
  return io.fsync_dir(to);
}

}  // namespace

result<std::shared_ptr<partition_log>> log_manager::move_partition(const topic_partition& tp,
                                                                   size_t dir_index) {
  if (dir_index >= options_.log_dirs.size())
    return fail(errc::invalid_argument, "no log dir " + std::to_string(dir_index));
  if (shut_down_.load()) return fail(errc::closed, "log manager is shut down");
  // The map lock is held only to look up and to install: a copy may take long, and the caller
  // (replica_manager, one move or role change at a time) keeps others off this partition.
  std::shared_ptr<partition_log> old;
  size_t source_dir = 0;
  const std::string target = join_path(options_.log_dirs[dir_index], tp.dir_name());
  {
    std::unique_lock lock(map_mu_);
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) return fail(errc::not_found, "no partition " + tp.dir_name());
    if (it->second.dir == dir_index) return it->second.log;
    old = it->second.log;
    source_dir = it->second.dir;
  }
  if (io_->exists(target))
    return fail(errc::already_exists, target + " exists already in the destination log dir");
  const log_config config = *old->config();
  if (auto r = old->close(); !r) return std::move(r).error();
  loaded_offsets offsets;
  offsets.recovery_points[tp] = old->log_end_offset();  // closed: flushed to the end
  offsets.log_starts[tp] = old->log_start_offset();
  offsets.high_watermarks[tp] = old->retention_upper_bound();
  const std::string source = old->dir();
  // Same file system: one rename. Otherwise copy into a "-future" folder (Kafka's name for a
  // replica on its way to another dir), rename it into place, and retire the old folder.
  bool moved = static_cast<bool>(io_->rename(source, target));
  std::string doomed;
  if (!moved) {
    const std::string future =
        join_path(options_.log_dirs[dir_index], tp.dir_name() + "." + random_hex(32) + "-future");
    auto copied = copy_folder(*io_, source, future);
    if (copied) copied = io_->rename(future, target);
    if (!copied) {
      (void)io_->remove_all(future);
      spdlog::error("storage: moving {} to {}: {}", tp.dir_name(), options_.log_dirs[dir_index],
                    copied.message());
    } else {
      // Between the two renames a crash leaves two identical copies, which the next start
      // refuses to guess between (as Kafka); the old folder must go, else the move is undone.
      doomed = join_path(options_.log_dirs[source_dir],
                         tp.dir_name() + "." + random_hex(32) + "-delete");
      if (auto r = io_->rename(source, doomed); r) {
        moved = true;
      } else {
        spdlog::error("storage: moving {}: cannot retire the old folder: {}", tp.dir_name(),
                      r.message());
        doomed.clear();
        if (io_->rename(target, future)) (void)io_->remove_all(future);
      }
    }
  }
  const size_t now_in = moved ? dir_index : source_dir;
  (void)io_->fsync_dir(options_.log_dirs[dir_index]);
  (void)io_->fsync_dir(options_.log_dirs[source_dir]);
  auto reopened = open_partition(tp, now_in, config, true, offsets);
  {
    std::unique_lock lock(map_mu_);
    if (!reopened) {
      partitions_.erase(tp);
      return reopened;
    }
    partitions_[tp] = entry{*reopened, now_in};
    if (!doomed.empty()) doomed_dirs_.push_back(doomed);
  }
  if (!moved)
    return fail(errc::io_error,
                "cannot move " + tp.dir_name() + " to " + options_.log_dirs[dir_index]);
  spdlog::info("storage: moved {} from {} to {}", tp.dir_name(), options_.log_dirs[source_dir],
               options_.log_dirs[dir_index]);
  if (!doomed.empty()) {
    {
      std::lock_guard t(thread_mu_);
      purge_requested_ = true;
    }
    thread_cv_.notify_all();
  }
  return *reopened;
}

result<void> log_manager::delete_partition(const topic_partition& tp) {
  entry e;
  {
    std::unique_lock lock(map_mu_);
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) return fail(errc::not_found, "no partition " + tp.dir_name());
    e = std::move(it->second);
    partitions_.erase(it);
  }
  e.log->mark_deleted();
  {
    std::lock_guard clock(cleaner_mu_);
    cleaner_offsets_.erase(tp);
  }
  const std::string& dir = options_.log_dirs[e.dir];
  std::string doomed = join_path(dir, tp.dir_name() + "." + random_hex(32) + "-delete");
  auto r = io_->rename(e.log->dir(), doomed);
  if (!r) return r;
  auto s = io_->fsync_dir(dir);
  if (!s) return s;
  {
    std::unique_lock lock(map_mu_);
    doomed_dirs_.push_back(std::move(doomed));
  }
  {
    std::lock_guard lock(thread_mu_);
    purge_requested_ = true;
  }
  thread_cv_.notify_all();
  return ok_v;
}

std::vector<topic_partition> log_manager::partitions() const {
  std::shared_lock lock(map_mu_);
  std::vector<topic_partition> out;
  out.reserve(partitions_.size());
  for (const auto& [tp, e] : partitions_) out.push_back(tp);
  return out;
}

std::optional<size_t> log_manager::dir_of(const topic_partition& tp) const {
  std::shared_lock lock(map_mu_);
  auto it = partitions_.find(tp);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.dir;
}

result<void> log_manager::checkpoint_high_watermarks(const offset_map& high_watermarks) {
  std::vector<offset_map> per_dir(options_.log_dirs.size());
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, hw] : high_watermarks) {
      auto it = partitions_.find(tp);
      if (it == partitions_.end()) continue;
      it->second.log->set_high_watermark(hw);
      per_dir[it->second.dir][tp] = hw;
    }
  }
  std::lock_guard lock(checkpoint_mu_);
  for (size_t d = 0; d < per_dir.size(); ++d) {
    auto w = write_offset_checkpoint(
        *io_, join_path(options_.log_dirs[d], replication_offset_checkpoint_name), per_dir[d]);
    if (!w) return w;
  }
  return ok_v;
}

offset_map log_manager::loaded_high_watermarks() const {
  std::shared_lock lock(map_mu_);
  return loaded_hw_;
}

result<void> log_manager::write_checkpoints() {
  std::vector<offset_map> recovery(options_.log_dirs.size());
  std::vector<offset_map> starts(options_.log_dirs.size());
  {
    std::shared_lock lock(map_mu_);
    for (const auto& [tp, e] : partitions_) {
      recovery[e.dir][tp] = e.log->recovery_point();
      starts[e.dir][tp] = e.log->log_start_offset();
    }
  }
  std::lock_guard lock(checkpoint_mu_);
  for (size_t d = 0; d < options_.log_dirs.size(); ++d) {
    const std::string& dir = options_.log_dirs[d];
    auto a =
        write_offset_checkpoint(*io_, join_path(dir, recovery_point_checkpoint_name), recovery[d]);
    if (!a) return a;
    auto b =
        write_offset_checkpoint(*io_, join_path(dir, log_start_offset_checkpoint_name), starts[d]);
    if (!b) return b;
  }
  return ok_v;
}

result<void> log_manager::shutdown() {
  if (shut_down_.exchange(true)) return ok_v;
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  thread_cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();

  std::vector<std::pair<topic_partition, entry>> all;
  {
    std::shared_lock lock(map_mu_);
    all.assign(partitions_.begin(), partitions_.end());
  }
  result<void> status = ok_v;
  std::vector<bool> dir_clean(options_.log_dirs.size(), true);
  // Close without per-file fsyncs, then one syncfs per log dir: with thousands of partitions
  // that is the difference between seconds and minutes.
  for (auto& [tp, e] : all) {
    auto r = e.log->close(false);
    if (e.log->is_offline()) dir_clean[e.dir] = false;  // its files are suspect: recover them
    if (!r) {
      spdlog::error("storage: closing {}: {}", tp.dir_name(), r.message());
      dir_clean[e.dir] = false;
      if (status) status = r;
    }
  }
  for (size_t d = 0; d < options_.log_dirs.size(); ++d) {
    auto s = io_->sync_filesystem(options_.log_dirs[d]);
    if (!s) {
      spdlog::error("storage: {}", s.message());
      dir_clean[d] = false;
      if (status) status = s;
    }
  }
  for (auto& [tp, e] : all)
    if (dir_clean[e.dir] && !e.log->is_offline()) e.log->mark_synced();
  purge_deleted();
  auto c = write_checkpoints();
  if (!c) {
    dir_clean.assign(dir_clean.size(), false);
    if (status) status = c;
  }
  auto cc = write_cleaner_checkpoints();
  if (!cc && status) status = cc;
  for (size_t d = 0; d < options_.log_dirs.size(); ++d) {
    if (!dir_clean[d]) continue;
    auto w = write_file_atomically(
        *io_, join_path(options_.log_dirs[d], clean_shutdown_marker_name), "", true);
    if (!w && status) status = w;
  }
  locks_.clear();
  return status;
}

}  // namespace sluice::storage
