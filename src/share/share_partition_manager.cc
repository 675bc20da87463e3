#include "share/share_partition_manager.h"

namespace sluice::share {

using protocol::error_code;

share_partition_manager::share_partition_manager(manager_config config) : config_(config) {}

void share_partition_manager::release_member_locked(const std::string& group,
                                                    const std::string& member,
                                                    const std::set<session_partition>& partitions,
                                                    int64_t now_ms) {
  for (const auto& p : partitions) {
    auto it = partitions_.find({group, p.topic_id, p.partition});
    if (it != partitions_.end()) it->second.release_member(member, now_ms);
  }
}

std::optional<error_code> share_partition_manager::check_session(const std::string& group,
                                                                 const std::string& member,
                                                                 int32_t epoch) const {
  std::lock_guard lock(mutex_);
  if (epoch == open_session_epoch) return std::nullopt;
  auto it = sessions_.find({group, member});
  if (it == sessions_.end()) return error_code::share_session_not_found;
  if (epoch != close_session_epoch && epoch != it->second.epoch)
    return error_code::invalid_share_session_epoch;
  return std::nullopt;
}

result<std::vector<session_partition>, error_code> share_partition_manager::update_session(
    const std::string& group, const std::string& member, int32_t epoch,
    const std::vector<session_partition>& added, const std::vector<session_partition>& forgotten,
    int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const auto key = std::make_pair(group, member);
  auto it = sessions_.find(key);
  if (epoch == open_session_epoch) {
    if (it == sessions_.end()) {
      if (sessions_.size() >= static_cast<size_t>(config_.max_share_sessions))
        return error_code::share_session_limit_reached;
      it = sessions_.emplace(key, session{}).first;
    }
    // A fresh full session replaces the old one; partitions it no longer names give back what
    // the member held there.
    std::set<session_partition> fresh(added.begin(), added.end());
    std::set<session_partition> dropped;
    for (const auto& p : it->second.partitions)
      if (!fresh.contains(p)) dropped.insert(p);
    release_member_locked(group, member, dropped, now_ms);
    it->second = session{1, std::move(fresh)};
    return std::vector<session_partition>(it->second.partitions.begin(),
                                          it->second.partitions.end());
  }
  if (it == sessions_.end()) return error_code::share_session_not_found;
  if (epoch == close_session_epoch) {
    release_member_locked(group, member, it->second.partitions, now_ms);
    sessions_.erase(it);
    return std::vector<session_partition>{};
  }
  if (epoch != it->second.epoch) return error_code::invalid_share_session_epoch;
  session& s = it->second;
  s.epoch = epoch == INT32_MAX ? 1 : epoch + 1;
  std::set<session_partition> dropped;
  for (const auto& p : forgotten)
    if (s.partitions.erase(p)) dropped.insert(p);
  release_member_locked(group, member, dropped, now_ms);
  s.partitions.insert(added.begin(), added.end());
  return std::vector<session_partition>(s.partitions.begin(), s.partitions.end());
}

std::optional<error_code> share_partition_manager::acknowledge(const share_partition_key& key,
                                                               const std::string& member,
                                                               int64_t first, int64_t last,
                                                               const std::vector<ack_type>& types,
                                                               int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return error_code::invalid_record_state;
  return it->second.acknowledge(member, first, last, types, now_ms);
}

std::optional<int64_t> share_partition_manager::next_fetch_offset(
    const share_partition_key& key, const std::function<int64_t()>& start_offset, int64_t now_ms) {
  std::unique_lock lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) {
    // Resolved outside the lock: it asks the log.
    lock.unlock();
    const int64_t start = start_offset();
    lock.lock();
    it = partitions_.try_emplace(key, start, config_.delivery).first;
  }
  return it->second.next_fetch_offset(now_ms);
}

std::vector<acquired_range> share_partition_manager::acquire(const share_partition_key& key,
                                                             const std::string& member,
                                                             const std::vector<log_batch>& batches,
                                                             int32_t max_records, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return {};
  return it->second.acquire(member, batches, max_records, now_ms);
}

void share_partition_manager::forget_partition(const protocol::uuid& topic_id, int32_t partition) {
  std::lock_guard lock(mutex_);
  std::erase_if(partitions_, [&](const auto& entry) {
    return entry.first.topic_id == topic_id && entry.first.partition == partition;
  });
}

std::optional<int64_t> share_partition_manager::start_offset(const share_partition_key& key) const {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.start_offset();
}

size_t share_partition_manager::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace sluice::share
