#include "replication/replica_fetcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "protocol/batch_header.h"

namespace sluice::replication {

namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Cuts the follower's log at `offset` and keeps its high watermark under it. At the log end
// nothing is cut, but storage may still drop an epoch entry that starts there.
void truncate_follower(partition& p, int64_t offset) {
  auto& log = p.log();
  int64_t end = log.log_end_offset();
  if (offset < end) spdlog::info("{}: follower truncates from {} to {}", p.key(), end, offset);
  if (auto r = log.truncate_to(std::min(offset, end)); !r)
    spdlog::error("{}: truncation to {} failed: {}", p.key(), offset, r.message());
  p.set_follower_high_watermark(p.high_watermark());
}

// The epoch of the last record in the log, -1 if none. Not simply the latest epoch entry: a
// broker that led an epoch without appending anything in it keeps an entry for it at the log
// end, which no other replica knows; reporting it would be answered with a divergence that
// cuts nothing, forever.
int32_t last_written_epoch(const storage::partition_log& log) {
  const int64_t end = log.log_end_offset();
  auto entries = log.epoch_entries();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->start_offset < end) return it->epoch;
  return -1;
}

}  // namespace

truncation_point follower_truncation_point(const storage::partition_log& log, int32_t leader_epoch,
                                           int64_t leader_end_offset, int64_t high_watermark) {
  const int64_t leo = log.log_end_offset();
  if (leader_end_offset < 0) return {std::min(high_watermark, leo), true};
  if (leader_epoch < 0) return {std::min(leader_end_offset, leo), true};
  auto local = log.end_offset_for_epoch(leader_epoch);
  if (local.epoch < 0) return {std::min(leader_end_offset, leo), true};
  if (local.epoch != leader_epoch) return {std::min(local.end_offset, leo), false};
  return {std::min({local.end_offset, leader_end_offset, leo}), true};
}

// ---- replica_fetcher ---------------------------------------------------------------------------

replica_fetcher::replica_fetcher(fetcher_settings settings, int32_t leader_id, int32_t index,
                                 std::unique_ptr<fetch_transport> transport)
    : settings_(settings), leader_id_(leader_id), index_(index), transport_(std::move(transport)) {
  thread_ = std::thread([this] { run(); });
}

replica_fetcher::~replica_fetcher() {
  stop();
}

void replica_fetcher::add(std::shared_ptr<partition> p, int32_t leader_epoch) {
  std::lock_guard lock(mutex_);
  entry e;
  e.leader_epoch = leader_epoch;
  e.generation = ++next_generation_;
  std::string key = p->key();
  e.p = std::move(p);
  entries_[key] = std::move(e);
  wake_.notify_all();
}

void replica_fetcher::remove(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

size_t replica_fetcher::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void replica_fetcher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  transport_->close();
  if (thread_.joinable()) thread_.join();
}

bool replica_fetcher::sleep_ms(int64_t ms) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stopping_; });
  return !stopping_;
}

void replica_fetcher::update(const entry& e, const std::function<void(entry&)>& change) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(e.p->key());
  if (it != entries_.end() && it->second.generation == e.generation) change(it->second);
}

void replica_fetcher::back_off(const entry& e) {
  int64_t until = steady_ms() + settings_.backoff_ms;
  update(e, [&](entry& live) { live.delayed_until_ms = until; });
}

void replica_fetcher::run() {
  for (;;) {
    std::vector<entry> truncating, fetching;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      int64_t now = steady_ms();
      int64_t next_due = -1;
      for (const auto& [key, e] : entries_) {
        if (e.delayed_until_ms > now) {
          next_due = next_due < 0 ? e.delayed_until_ms : std::min(next_due, e.delayed_until_ms);
          continue;
        }
        (e.needs_truncation ? truncating : fetching).push_back(e);
      }
      if (truncating.empty() && fetching.empty()) {
        if (next_due < 0) {
          wake_.wait(lock);
        } else {
          wake_.wait_for(lock, std::chrono::milliseconds(next_due - now));
        }
        continue;
      }
    }
    if (!truncating.empty()) {
      truncate_round(std::move(truncating));
      continue;  // the truncated partitions join the next fetch
    }
    fetch_round(std::move(fetching));
  }
}

void replica_fetcher::truncate_round(std::vector<entry> todo) {
  std::vector<entry> asking;
  std::vector<epoch_query> queries;
  for (auto& e : todo) {
    int32_t latest = last_written_epoch(e.p->log());
    if (latest < 0) {
      // No epochs: an empty log (or one written before epochs): nothing to compare, keep what
      // the high watermark covers.
      bool done = e.p->with_follower_lock(e.leader_epoch, [&] {
        truncate_follower(*e.p, e.p->log().log_end_offset() == 0 ? 0 : e.p->high_watermark());
      });
      if (done) update(e, [](entry& live) { live.needs_truncation = false; });
      continue;
    }
    queries.push_back({e.p->topic(), e.p->index(), e.leader_epoch, latest});
    asking.push_back(std::move(e));
  }
  if (asking.empty()) return;
  auto answers = transport_->end_offsets_for_epochs(settings_.self_id, queries);
  if (!answers || answers->size() != asking.size()) {
    if (!answers)
      spdlog::warn("fetcher {}-{}: OffsetForLeaderEpoch to broker {} failed: {}", leader_id_,
                   index_, leader_id_, answers.message());
    for (const auto& e : asking) back_off(e);
    sleep_ms(settings_.backoff_ms);
    return;
  }
  for (size_t i = 0; i < asking.size(); ++i) {
    const auto& e = asking[i];
    const auto& a = (*answers)[i];
    if (a.error) {
      spdlog::info("{}: OffsetForLeaderEpoch from broker {} answered {}", e.p->key(), leader_id_,
                   to_string(*a.error));
      back_off(e);
      continue;
    }
    truncation_point cut;
    bool done = e.p->with_follower_lock(e.leader_epoch, [&] {
      cut = follower_truncation_point(e.p->log(), a.leader_epoch, a.end_offset,
                                      e.p->high_watermark());
      truncate_follower(*e.p, cut.offset);
    });
    if (done && cut.complete) update(e, [](entry& live) { live.needs_truncation = false; });
  }
}

void replica_fetcher::fetch_round(std::vector<entry> todo) {
  // KIP-73: a throttled replica not yet in sync sits out while the follower rate is exceeded.
  auto throttled = [](const entry& e) { return e.p->follower_throttled(); };
  auto in_sync = [](const entry& e) {
    return e.p->log().log_end_offset() >= e.p->high_watermark();
  };
  if (settings_.throttle && std::any_of(todo.begin(), todo.end(), throttled) &&
      settings_.throttle->exceeded()) {
    std::erase_if(todo, [&](const entry& e) { return throttled(e) && !in_sync(e); });
    if (todo.empty()) {
      sleep_ms(std::min(settings_.backoff_ms, 100));
      return;
    }
  }
  fetch_request_params params;
  params.replica_id = settings_.self_id;
  params.max_wait_ms = settings_.max_wait_ms;
  params.min_bytes = settings_.min_bytes;
  params.max_bytes = settings_.response_max_bytes;
  for (const auto& e : todo) {
    auto& log = e.p->log();
    fetch_partition_request r;
    r.topic = e.p->topic();
    r.topic_id = e.p->topic_id();
    r.partition = e.p->index();
    r.fetch_offset = log.log_end_offset();
    r.max_bytes = settings_.partition_max_bytes;
    r.current_leader_epoch = e.leader_epoch;
    r.last_fetched_epoch = last_written_epoch(log);
    r.log_start_offset = log.log_start_offset();
    params.partitions.push_back(std::move(r));
  }
  auto reply = transport_->fetch(params);
  if (!reply || reply->partitions.size() != todo.size()) {
    if (!reply)
      spdlog::warn("fetcher {}-{}: fetch from broker {} failed: {}", leader_id_, index_, leader_id_,
                   reply.message());
    sleep_ms(settings_.backoff_ms);
    return;
  }

  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < todo.size(); ++i) {
    const auto& e = todo[i];
    const auto& req = params.partitions[i];
    const auto& got = reply->partitions[i];
    auto& p = *e.p;
    if (got.error == errc::offset_out_of_range) {
      bool restart = false;
      p.with_follower_lock(e.leader_epoch, [&] {
        if (got.log_start_offset > p.log().log_end_offset()) {
          // We are behind the leader's log start: nothing we have is still needed.
          spdlog::info("{}: leader starts at {}, past our end {}: restarting the log there",
                       p.key(), got.log_start_offset, p.log().log_end_offset());
          if (auto r = p.log().truncate_fully_and_start_at(got.log_start_offset); !r)
            spdlog::error("{}: cannot restart the log: {}", p.key(), r.message());
          p.set_follower_high_watermark(got.high_watermark);
        } else {
          restart = true;  // we are ahead of the leader: find the common point again
        }
      });
      if (restart) update(e, [](entry& live) { live.needs_truncation = true; });
      continue;
    }
    if (got.error) {
      spdlog::debug("{}: fetch from broker {} answered {}", p.key(), leader_id_,
                    to_string(*got.error));
      back_off(e);
      continue;
    }
    if (settings_.throttle && p.follower_throttled())
      settings_.throttle->record(static_cast<int64_t>(got.records.size()));
    if (got.diverging_epoch >= 0 || got.diverging_end_offset >= 0) {
      truncation_point cut;
      bool done = p.with_follower_lock(e.leader_epoch, [&] {
        cut = follower_truncation_point(p.log(), got.diverging_epoch, got.diverging_end_offset,
                                        p.high_watermark());
        truncate_follower(p, cut.offset);
      });
      if (done && !cut.complete) update(e, [](entry& live) { live.needs_truncation = true; });
      continue;
    }
    p.with_follower_lock(e.leader_epoch, [&] {
      auto& log = p.log();
      if (!got.records.empty() && log.log_end_offset() == req.fetch_offset) {
        scratch.assign(got.records.begin(), got.records.end());
        storage::append_options o;
        o.assign_offsets = false;  // the leader's offsets and epochs stay
        o.now_ms = wall_ms();
        auto appended = log.append(scratch, o);
        if (!appended && appended.code() == storage::errc::unexpected_offset) {
          // The leader answered from a batch that starts below our end: cut back to it.
          auto h = protocol::batch_header::parse(got.records);
          if (h) truncate_follower(p, h->base_offset);
        } else if (!appended) {
          spdlog::error("{}: appending fetched batches failed: {}", p.key(), appended.message());
        }
      }
      p.set_follower_high_watermark(got.high_watermark);
      if (got.log_start_offset > log.log_start_offset() &&
          got.log_start_offset <= log.log_end_offset()) {
        if (auto r = log.advance_log_start_offset(got.log_start_offset); !r)
          spdlog::warn("{}: cannot advance the log start: {}", p.key(), r.message());
      }
    });
  }
}

// ---- fetcher_manager ---------------------------------------------------------------------------

fetcher_manager::fetcher_manager(fetcher_settings settings, int32_t fetchers_per_leader,
                                 fetch_transport_factory factory)
    : settings_(settings),
      fetchers_per_leader_(std::max(1, fetchers_per_leader)),
      factory_(std::move(factory)) {}

fetcher_manager::~fetcher_manager() {
  shutdown();
}

void fetcher_manager::add(const std::shared_ptr<partition>& p, int32_t leader,
                          int32_t leader_epoch) {
  std::vector<std::unique_ptr<replica_fetcher>> idle;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    int32_t index = static_cast<int32_t>(std::hash<std::string>{}(p->key()) %
                                         static_cast<size_t>(fetchers_per_leader_));
    std::pair<int32_t, int32_t> where{leader, index};
    auto placed = placement_.find(p->key());
    if (placed != placement_.end() && placed->second != where) remove_locked(p->key(), idle);
    auto& f = fetchers_[where];
    if (!f)
      f = std::make_unique<replica_fetcher>(settings_, leader, index, factory_(leader, index));
    f->add(p, leader_epoch);
    placement_[p->key()] = where;
  }
  idle.clear();  // stops them outside the lock
}

void fetcher_manager::remove(const std::string& key) {
  std::vector<std::unique_ptr<replica_fetcher>> idle;
  {
    std::lock_guard lock(mutex_);
    remove_locked(key, idle);
  }
}

void fetcher_manager::remove_locked(const std::string& key,
                                    std::vector<std::unique_ptr<replica_fetcher>>& idle) {
  auto placed = placement_.find(key);
  if (placed == placement_.end()) return;
  auto it = fetchers_.find(placed->second);
  placement_.erase(placed);
  if (it == fetchers_.end()) return;
  it->second->remove(key);
  if (it->second->size() == 0) {
    idle.push_back(std::move(it->second));
    fetchers_.erase(it);
  }
}

void fetcher_manager::shutdown() {
  std::map<std::pair<int32_t, int32_t>, std::unique_ptr<replica_fetcher>> all;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    all.swap(fetchers_);
    placement_.clear();
  }
  for (auto& [where, f] : all) f->stop();
}

size_t fetcher_manager::fetcher_count() const {
  std::lock_guard lock(mutex_);
  return fetchers_.size();
}

}  // namespace sluice::replication
