#include "replication/partition.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace sluice::replication {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

partition::partition(std::string topic, int32_t index, protocol::uuid topic_id,
                     std::shared_ptr<storage::partition_log> log, int32_t leader_epoch)
    : topic_(std::move(topic)),
      index_(index),
      topic_id_(topic_id),
      key_(topic_ + "-" + std::to_string(index_)),
      log_(std::move(log)),
      leader_epoch_(-1) {
  set_leader_epoch(leader_epoch);
}

void partition::set_leader_epoch(int32_t epoch) {
  int32_t previous = leader_epoch_.exchange(epoch, std::memory_order_acq_rel);
  if (previous == epoch || managed_) return;
  // A leader records where its epoch starts so followers and OffsetForLeaderEpoch can find it.
  auto latest = log_->latest_epoch();
  if (!latest || latest->epoch < epoch) {
    if (auto r = log_->assign_epoch_start_offset(epoch, log_->log_end_offset()); !r)
      spdlog::warn("{}: cannot record leader epoch {}: {}", key_, epoch, r.message());
  }
}

void partition::set_managed(int32_t self, int64_t high_watermark) {
  managed_ = true;
  self_ = self;
  role_.store(replica_role::follower);
  int64_t leo = log_->log_end_offset();
  int64_t hw = std::clamp<int64_t>(high_watermark, log_->log_start_offset(), leo);
  high_watermark_.store(hw);
  log_->set_high_watermark(hw);
}

int32_t partition::leader_id() const {
  std::lock_guard lock(mutex_);
  return managed_ ? leader_id_ : self_;
}

int32_t partition::partition_epoch() const {
  std::lock_guard lock(mutex_);
  return partition_epoch_;
}

std::vector<int32_t> partition::isr() const {
  std::lock_guard lock(mutex_);
  return isr_;
}

std::vector<int32_t> partition::replicas() const {
  std::lock_guard lock(mutex_);
  return replicas_;
}

size_t partition::isr_size() const {
  if (!managed_) return 1;
  std::lock_guard lock(mutex_);
  return isr_.size();
}

follower_progress partition::progress_of(int32_t replica) const {
  std::lock_guard lock(mutex_);
  auto it = followers_.find(replica);
  return it == followers_.end() ? follower_progress{} : it->second;
}

bool partition::become_leader(const role_state& state, int64_t now_ms) {
  std::unique_lock role_lock(role_mutex_);
  std::lock_guard lock(mutex_);
  leader_id_ = state.leader;
  partition_epoch_ = state.partition_epoch;
  isr_ = state.isr;
  replicas_ = state.replicas;
  pending_isr_change_.reset();
  followers_.clear();
  for (int32_t r : replicas_) {
    if (r == self_) continue;
    follower_progress f;
    if (contains(isr_, r)) f.last_caught_up_ms = now_ms;
    followers_[r] = f;
  }
  leader_epoch_start_offset_ = log_->log_end_offset();
  auto latest = log_->latest_epoch();
  if (!latest || latest->epoch < state.leader_epoch) {
    if (auto r = log_->assign_epoch_start_offset(state.leader_epoch, leader_epoch_start_offset_);
        !r)
      spdlog::warn("{}: cannot record leader epoch {}: {}", key_, state.leader_epoch, r.message());
  }
  leader_epoch_.store(state.leader_epoch, std::memory_order_release);
  role_.store(replica_role::leader, std::memory_order_release);
  return advance_high_watermark_locked();
}

void partition::become_follower(const role_state& state) {
  std::unique_lock role_lock(role_mutex_);
  std::lock_guard lock(mutex_);
  leader_id_ = state.leader;
  partition_epoch_ = state.partition_epoch;
  isr_ = state.isr;
  replicas_ = state.replicas;
  pending_isr_change_.reset();
  followers_.clear();
  leader_epoch_.store(state.leader_epoch, std::memory_order_release);
  role_.store(replica_role::follower, std::memory_order_release);
}

bool partition::update_membership(const role_state& state) {
  std::lock_guard lock(mutex_);
  partition_epoch_ = state.partition_epoch;
  isr_ = state.isr;
  replicas_ = state.replicas;
  if (role_.load() != replica_role::leader) return false;
  for (int32_t r : replicas_)
    if (r != self_ && !followers_.contains(r)) followers_[r] = follower_progress{};
  std::erase_if(followers_, [&](const auto& kv) { return !contains(replicas_, kv.first); });
  return advance_high_watermark_locked();
}

std::vector<int32_t> partition::maximal_isr_locked() const {
  // While an expansion is pending, the high watermark already waits for the newcomer (it could
  // become a leader as soon as the controller accepts it); a pending shrink keeps the old ISR.
  std::vector<int32_t> out = isr_;
  if (pending_isr_change_)
    for (int32_t r : pending_isr_change_->new_isr)
      if (!contains(out, r)) out.push_back(r);
  return out;
}

bool partition::advance_high_watermark_locked() {
  if (role_.load() != replica_role::leader) return false;
  int64_t candidate = log_->log_end_offset();
  for (int32_t r : maximal_isr_locked()) {
    if (r == self_) continue;
    auto it = followers_.find(r);
    if (it == followers_.end() || it->second.log_end_offset < 0) return false;  // unknown yet
    candidate = std::min(candidate, it->second.log_end_offset);
  }
  int64_t current = high_watermark_.load();
  if (candidate <= current) return false;
  high_watermark_.store(candidate, std::memory_order_release);
  log_->set_high_watermark(candidate);
  return true;
}

bool partition::maybe_advance_high_watermark() {
  if (!managed_) return false;
  std::lock_guard lock(mutex_);
  return advance_high_watermark_locked();
}

partition::fetch_effect partition::record_follower_fetch(int32_t replica, int64_t fetch_offset,
                                                         int64_t follower_log_start,
                                                         int64_t now_ms) {
  fetch_effect out;
  if (!managed_) return out;
  std::lock_guard lock(mutex_);
  if (role_.load() != replica_role::leader) return out;
  auto it = followers_.find(replica);
  if (it == followers_.end()) return out;  // not a replica of this partition
  auto& f = it->second;
  int64_t leader_end = log_->log_end_offset();
  if (fetch_offset >= leader_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now_ms);
  } else if (f.last_fetch_leader_log_end >= 0 && fetch_offset >= f.last_fetch_leader_log_end) {
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  }
  f.last_fetch_leader_log_end = leader_end;
  f.last_fetch_ms = now_ms;
  f.log_end_offset = fetch_offset;
  f.log_start_offset = follower_log_start;
  out.high_watermark_moved = advance_high_watermark_locked();

  // KIP-841 style: a follower joins once it has everything up to the high watermark and has
  // reached the current leader epoch's start.
  if (!pending_isr_change_ && now_ms >= isr_change_retry_at_ms_ && !contains(isr_, replica) &&
      fetch_offset >= high_watermark_.load() && fetch_offset >= leader_epoch_start_offset_) {
    isr_change change;
    change.topic = topic_;
    change.topic_id = topic_id_;
    change.partition = index_;
    change.leader_epoch = leader_epoch_.load();
    change.partition_epoch = partition_epoch_;
    change.new_isr = isr_;
    change.new_isr.push_back(replica);
    pending_isr_change_ = change;
    out.expand = std::move(change);
  }
  return out;
}

std::optional<isr_change> partition::propose_isr_shrink(int64_t now_ms, int64_t lag_ms) {
  if (!managed_) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (role_.load() != replica_role::leader || pending_isr_change_ ||
      now_ms < isr_change_retry_at_ms_)
    return std::nullopt;
  std::vector<int32_t> keep;
  for (int32_t r : isr_) {
    if (r == self_) {
      keep.push_back(r);
      continue;
    }
    auto it = followers_.find(r);
    bool lagging = it == followers_.end() || now_ms - it->second.last_caught_up_ms > lag_ms;
    if (!lagging) keep.push_back(r);
  }
  if (keep.size() == isr_.size()) return std::nullopt;
  if (!contains(keep, self_)) keep.insert(keep.begin(), self_);
  isr_change change;
  change.topic = topic_;
  change.topic_id = topic_id_;
  change.partition = index_;
  change.leader_epoch = leader_epoch_.load();
  change.partition_epoch = partition_epoch_;
  change.new_isr = std::move(keep);
  pending_isr_change_ = change;
  return change;
}

bool partition::complete_isr_change(const isr_change& sent, const isr_change_result& answer,
                                    int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (!pending_isr_change_ || pending_isr_change_->new_isr != sent.new_isr ||
      pending_isr_change_->leader_epoch != sent.leader_epoch)
    return false;  // superseded by a role change
  pending_isr_change_.reset();
  if (answer.error) {
    spdlog::warn("{}: ISR change to {} refused: {}", key_, fmt::join(sent.new_isr, ","),
                 to_string(*answer.error));
    isr_change_retry_at_ms_ = now_ms + isr_change_retry_backoff_ms;
    return false;
  }
  if (answer.leader_epoch != leader_epoch_.load() || role_.load() != replica_role::leader) {
    return false;  // a LeaderAndIsr with the new epoch is on its way
  }
  if (answer.partition_epoch < partition_epoch_) return false;
  isr_ = answer.isr;
  partition_epoch_ = answer.partition_epoch;
  spdlog::info("{}: ISR is now [{}] (partition epoch {})", key_, fmt::join(isr_, ","),
               partition_epoch_);
  return advance_high_watermark_locked();
}

bool partition::isr_change_pending() const {
  std::lock_guard lock(mutex_);
  return pending_isr_change_.has_value();
}

bool partition::with_leader_lock(const std::function<void(int32_t leader_epoch)>& fn) {
  std::shared_lock role_lock(role_mutex_);
  if (!is_leader()) return false;
  fn(leader_epoch_.load(std::memory_order_acquire));
  return true;
}

bool partition::with_follower_lock(int32_t leader_epoch, const std::function<void()>& fn) {
  std::lock_guard lock(mutex_);
  if (role_.load() != replica_role::follower || leader_epoch_.load() != leader_epoch) return false;
  fn();
  return true;
}

void partition::set_follower_high_watermark(int64_t leader_high_watermark) {
  int64_t hw = std::min(leader_high_watermark, log_->log_end_offset());
  if (hw < 0) return;
  high_watermark_.store(hw, std::memory_order_release);
  log_->set_high_watermark(hw);
}

}  // namespace sluice::replication
