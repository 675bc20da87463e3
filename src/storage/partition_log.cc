#include "storage/partition_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>

#include "base/assert.h"
#include "storage/append_validator.h"

namespace sluice::storage {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t random_jitter(int64_t jitter_ms) {
  if (jitter_ms <= 0) return 0;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<int64_t>(rng() % static_cast<uint64_t>(jitter_ms));
}

}  // namespace

partition_log::partition_log(construct_tag, topic_partition tp,
                             std::shared_ptr<const log_files> files, log_config config,
                             int64_t producer_id_expiration_ms)
    : tp_(std::move(tp)),
      files_(std::move(files)),
      config_(std::make_shared<const log_config>(std::move(config))),
      producers_(producer_id_expiration_ms) {
  last_flush_steady_ms_.store(steady_ms());
}

partition_log::~partition_log() = default;

std::shared_ptr<const log_config> partition_log::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

void partition_log::set_config(const log_config& config) {
  auto next = std::make_shared<const log_config>(config);
  files_->index_interval_bytes.store(config.index_interval_bytes);
  std::lock_guard lock(config_mu_);
  config_ = std::move(next);
}

result<void> partition_log::check_writable() const {
  if (closed_.load(std::memory_order_acquire))
    return fail(errc::closed, "partition " + tp_.dir_name() + " is closed");
  if (offline_.load(std::memory_order_acquire))
    return fail(errc::io_error, "partition " + tp_.dir_name() + " is offline after an I/O error");
  return ok_v;
}

failure<errc> partition_log::go_offline(failure<errc> f) {
  if (f.code == errc::io_error) {
    if (!offline_.exchange(true))
      spdlog::error("storage: partition {} goes offline: {}", tp_.dir_name(), f.message);
  }
  return f;
}

result<std::shared_ptr<segment>> partition_log::new_segment(int64_t base, int64_t now_ms) {
  auto cfg = config();
  return segment::create(files_, base, now_ms, random_jitter(cfg->segment_jitter_ms),
                         cfg->preallocate ? cfg->segment_bytes : 0);
}

result<void> partition_log::ensure_active_loaded() {
  if (active_->active()) return ok_v;
  return active_->activate(log_end_.load(), config()->index_interval_bytes);
}

result<void> partition_log::roll_locked(int64_t new_base, int64_t now_ms) {
  auto old = active_;
  if (old->size() == 0) {
    // An empty active segment is replaced, not sealed (its base would be wrong).
    auto created = new_segment(new_base, now_ms);
    if (!created) return std::move(created).error();
    {
      std::unique_lock lock(segments_mu_);
      segments_.erase(old->base_offset());
      segments_[new_base] = *created;
    }
    active_ = *created;
    if (old->base_offset() == new_base) {
      old->retire();  // same file name: create() already emptied it
      return ok_v;
    }
    auto renamed = old->retire_and_rename_deleted();
    if (!renamed) return std::move(renamed).error();
    schedule_deletes(std::move(*renamed), 0);
    return ok_v;
  }
  auto sealed = old->seal();
  if (!sealed) return sealed;
  auto created = new_segment(new_base, now_ms);
  if (!created) return std::move(created).error();
  {
    std::unique_lock lock(segments_mu_);
    segments_[new_base] = *created;
  }
  active_ = *created;
  // The producer state as the new segment starts, so that recovering it needs only its own
  // batches (Kafka snapshots at every roll too). Without it recovery replays more: no reason to
  // fail the append.
  auto snap = take_snapshot_locked(new_base);
  if (!snap) spdlog::warn("storage: producer snapshot of {}: {}", tp_.dir_name(), snap.message());
  return ok_v;
}

result<void> partition_log::maybe_roll(const log_config& cfg, int64_t bytes, int64_t first_offset,
                                       int64_t last_offset, int64_t now_ms) {
  const segment& seg = *active_;
  int64_t size = seg.size();
  bool roll = false;
  if (size > 0) {
    roll = size + bytes > cfg.segment_bytes || now_ms >= seg.roll_deadline_ms(cfg.segment_ms) ||
           seg.index_full(cfg.max_index_entries());
  }
  if (last_offset - seg.base_offset() > INT32_MAX) roll = true;
  if (!roll) return ok_v;
  return roll_locked(std::max(first_offset, log_end_.load()), now_ms);
}

void partition_log::update_epochs_locked(const std::function<bool(leader_epoch_cache&)>& change) {
  std::lock_guard lock(epoch_mu_);
  if (!change(epochs_)) return;
  // Written now, fsynced by the next flush(): an fsync has no place on the append path.
  auto w = epochs_.write(*files_->io, join_path(files_->dir, leader_epoch_cache::file_name), false);
  if (!w) spdlog::warn("storage: {}", w.message());
  epochs_unsynced_ = true;
}

result<append_info> partition_log::append(std::span<uint8_t> batches,
                                          const append_options& options) {
  auto writable = check_writable();
  if (!writable) return std::move(writable).error();
  auto cfg = config();
  // A replica's append (either way of saying it) keeps the leader's offsets and checks nothing.
  const append_origin origin = options.assign_offsets ? options.origin : append_origin::replication;
  const bool assign = origin != append_origin::replication;
  auto validated = validate_batches(batches, *cfg, assign, options.now_ms, !options.crc_verified,
                                    origin == append_origin::coordinator);
  if (!validated) return std::move(validated).error();
  append_info info;
  info.log_start_offset = log_start_offset();
  if (validated->empty()) return info;
  if (static_cast<int64_t>(batches.size()) > cfg->segment_bytes)
    return fail(errc::record_list_too_large, std::to_string(batches.size()) +
                                                 " bytes of batches exceed segment.bytes " +
                                                 std::to_string(cfg->segment_bytes));

  std::lock_guard lock(write_mu_);
  writable = check_writable();
  if (!writable) return std::move(writable).error();
  const int64_t leo = log_end_.load(std::memory_order_relaxed);
  last_now_ms_ = std::max(last_now_ms_, options.now_ms);
  if (assign) {
    int64_t next = leo;
    for (auto& b : *validated) {
      auto bytes = batches.subspan(b.position, static_cast<size_t>(b.header.total_size()));
      protocol::set_base_offset(bytes, next);
      b.header.base_offset = next;
      if (options.leader_epoch >= 0) {
        protocol::set_partition_leader_epoch(bytes, options.leader_epoch);
        b.header.partition_leader_epoch = options.leader_epoch;
      }
      next += int64_t{b.header.last_offset_delta} + 1;
    }
  } else {
    int64_t expected = leo;
    for (const auto& b : *validated) {
      if (b.header.base_offset < expected)
        return fail(errc::unexpected_offset,
                    "replica batch at offset " + std::to_string(b.header.base_offset) +
                        " does not follow offset " + std::to_string(expected - 1) + " in " +
                        tp_.dir_name());
      expected = b.header.last_offset() + 1;
    }
  }

  std::vector<segment::batch_meta> metas;
  metas.reserve(validated->size());
  for (const auto& b : *validated) {
    const auto& h = b.header;
    metas.push_back({h.last_offset(), h.max_timestamp, static_cast<int32_t>(h.total_size())});
    info.records += h.records_count;
    if (h.max_timestamp > info.max_timestamp) {
      info.max_timestamp = h.max_timestamp;
      info.offset_of_max_timestamp = h.last_offset();
    }
  }
  info.first_offset = validated->front().header.base_offset;
  info.last_offset = validated->back().header.last_offset();
  info.batches = static_cast<int32_t>(validated->size());
  info.bytes = static_cast<int64_t>(batches.size());
  if (assign && cfg->message_timestamp_type == protocol::timestamp_type::log_append_time)
    info.log_append_time = options.now_ms;

  // Idempotence and transactions: checked now, applied only once the bytes are written.
  std::vector<size_t> positions;
  for (const auto& b : *validated) {
    if (b.header.producer_id >= 0) positions.push_back(b.position);
  }
  result<producer_update> update = producer_update{};
  if (!positions.empty()) {
    auto pbatches = producer_batches(batches, positions, origin);
    if (!pbatches) return std::move(pbatches).error();
    std::lock_guard plock(producers_mu_);
    update = producers_.prepare(*pbatches, origin, options.verified ? &*options.verified : nullptr);
  }
  if (!update) return std::move(update).error();
  update->end_offset = info.last_offset + 1;
  if (update->duplicate) {
    append_info dup;
    dup.log_start_offset = info.log_start_offset;
    dup.first_offset = update->duplicate->first_offset;
    dup.last_offset = update->duplicate->last_offset;
    dup.log_append_time = update->duplicate->timestamp;
    dup.duplicate = true;
    return dup;
  }

  auto loaded = ensure_active_loaded();
  if (!loaded) return go_offline(std::move(loaded).error());
  auto rolled = maybe_roll(*cfg, info.bytes, info.first_offset, info.last_offset, options.now_ms);
  if (!rolled) return go_offline(std::move(rolled).error());
  auto written = active_->append(batches, metas, cfg->index_interval_bytes);
  if (!written) return go_offline(std::move(written).error());
  // The state changes before the new log end is published, so that nothing reading the log end
  // (and the high watermark that follows it) can see a transaction's data as stable.
  std::vector<aborted_txn> aborted;
  {
    std::lock_guard plock(producers_mu_);
    aborted = producers_.apply(std::move(*update));
  }
  for (const auto& a : aborted) {
    auto t = active_->txn().append(a);
    if (!t) {
      // The batches are in: offsets must go on from them, but without the index entry a
      // read_committed consumer would see the aborted records, so the partition stops here.
      log_end_.store(info.last_offset + 1, std::memory_order_release);
      return go_offline(fail(errc::io_error, "transaction index: " + t.message()));
    }
  }
  log_end_.store(info.last_offset + 1, std::memory_order_release);

  // A batch from a newer leader epoch starts that epoch.
  int32_t latest = -1;
  {
    std::lock_guard elock(epoch_mu_);
    if (auto e = epochs_.latest()) latest = e->epoch;
  }
  for (const auto& b : *validated) {
    if (b.header.partition_leader_epoch > latest) {
      latest = b.header.partition_leader_epoch;
      update_epochs_locked([&](leader_epoch_cache& c) {
        return c.assign(b.header.partition_leader_epoch, b.header.base_offset);
      });
    }
  }

  int64_t unflushed = unflushed_messages_.fetch_add(info.records) + info.records;
  if (unflushed >= cfg->flush_messages && unflushed - info.records < cfg->flush_messages &&
      flush_listener_)
    flush_listener_();
  return info;
}

void partition_log::set_flush_listener(std::function<void()> listener) {
  flush_listener_ = std::move(listener);
}

bool partition_log::flush_due() const {
  if (recovery_point() >= log_end_offset()) return false;
  auto cfg = config();
  if (unflushed_messages_.load() >= cfg->flush_messages) return true;
  if (cfg->flush_ms == log_config::unlimited) return false;
  return steady_ms() - last_flush_steady_ms_.load() >= cfg->flush_ms;
}

leader_epoch_cache::epoch_end partition_log::end_offset_for_epoch(int32_t epoch) const {
  std::lock_guard lock(epoch_mu_);
  return epochs_.end_offset_for(epoch, log_end_offset());
}

result<void> partition_log::assign_epoch_start_offset(int32_t epoch, int64_t offset) {
  if (epoch < 0 || offset < 0) return fail(errc::invalid_argument, "negative epoch or offset");
  std::lock_guard lock(write_mu_);
  update_epochs_locked([&](leader_epoch_cache& c) { return c.assign(epoch, offset); });
  return ok_v;
}

std::optional<leader_epoch_cache::entry> partition_log::latest_epoch() const {
  std::lock_guard lock(epoch_mu_);
  return epochs_.latest();
}

std::vector<leader_epoch_cache::entry> partition_log::epoch_entries() const {
  std::lock_guard lock(epoch_mu_);
  return epochs_.entries();
}

void partition_log::set_high_watermark(int64_t offset) {
  high_watermark_.store(offset, std::memory_order_release);
  std::lock_guard lock(producers_mu_);
  producers_.on_high_watermark_updated(offset);
}

int64_t partition_log::retention_upper_bound() const {
  int64_t hw = high_watermark_.load(std::memory_order_acquire);
  int64_t leo = log_end_offset();
  return hw < 0 ? leo : std::min(hw, leo);
}

int64_t partition_log::size_bytes() const {
  std::shared_lock lock(segments_mu_);
  int64_t total = 0;
  for (const auto& [base, seg] : segments_) total += seg->size();
  return total;
}

size_t partition_log::segment_count() const {
  std::shared_lock lock(segments_mu_);
  return segments_.size();
}

std::vector<int64_t> partition_log::segment_bases() const {
  std::shared_lock lock(segments_mu_);
  std::vector<int64_t> out;
  for (const auto& [base, seg] : segments_) out.push_back(base);
  return out;
}

std::vector<std::shared_ptr<segment>> partition_log::segments_snapshot() const {
  std::shared_lock lock(segments_mu_);
  std::vector<std::shared_ptr<segment>> out;
  out.reserve(segments_.size());
  for (const auto& [base, seg] : segments_) out.push_back(seg);
  return out;
}

std::pair<std::shared_ptr<segment>, int64_t> partition_log::floor_segment(int64_t offset) const {
  std::shared_lock lock(segments_mu_);
  if (segments_.empty()) return {nullptr, INT64_MAX};
  auto it = segments_.upper_bound(offset);
  if (it != segments_.begin()) --it;
  auto next = std::next(it);
  return {it->second, next == segments_.end() ? INT64_MAX : next->first};
}

std::pair<std::shared_ptr<segment>, int64_t> partition_log::next_segment(int64_t base) const {
  std::shared_lock lock(segments_mu_);
  auto it = segments_.upper_bound(base);
  if (it == segments_.end()) return {nullptr, INT64_MAX};
  auto next = std::next(it);
  return {it->second, next == segments_.end() ? INT64_MAX : next->first};
}

void partition_log::mark_deleted() {
  closed_.store(true, std::memory_order_release);
  for (const auto& seg : segments_snapshot()) seg->retire();
}

}  // namespace sluice::storage
