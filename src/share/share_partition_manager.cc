#include "share/share_partition_manager.h"

namespace sluice::share {

using protocol::error_code;

share_partition_manager::share_partition_manager(manager_config config, state_persister* persister)
    : config_(config), persister_(persister) {}

std::vector<share_partition_key> share_partition_manager::release_member_locked(
    const std::string& group, const std::string& member,
    const std::set<session_partition>& partitions, int64_t now_ms) {
  std::vector<share_partition_key> changed;
  for (const auto& p : partitions) {
    share_partition_key key{group, p.topic_id, p.partition};
    auto it = partitions_.find(key);
    if (it != partitions_.end() && it->second.partition &&
        it->second.partition->release_member(member, now_ms) > 0)
      changed.push_back(std::move(key));
  }
  return changed;
}

void share_partition_manager::persist_all(const std::vector<share_partition_key>& keys) {
  for (const auto& key : keys) persist(key, [](std::optional<error_code>) {});
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
  std::unique_lock lock(mutex_);
  const auto key = std::make_pair(group, member);
  auto it = sessions_.find(key);
  std::vector<share_partition_key> released;
  std::vector<session_partition> out;
  std::set<session_partition> left;  // partitions the member no longer fetches
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
    released = release_member_locked(group, member, dropped, now_ms);
    it->second = session{1, std::move(fresh)};
    out.assign(it->second.partitions.begin(), it->second.partitions.end());
    left = std::move(dropped);
  } else {
    if (it == sessions_.end()) return error_code::share_session_not_found;
    if (epoch == close_session_epoch) {
      released = release_member_locked(group, member, it->second.partitions, now_ms);
      left = std::move(it->second.partitions);
      sessions_.erase(it);
    } else {
      if (epoch != it->second.epoch) return error_code::invalid_share_session_epoch;
      session& s = it->second;
      s.epoch = epoch == INT32_MAX ? 1 : epoch + 1;
      std::set<session_partition> dropped;
      for (const auto& p : forgotten)
        if (s.partitions.erase(p)) dropped.insert(p);
      released = release_member_locked(group, member, dropped, now_ms);
      s.partitions.insert(added.begin(), added.end());
      out.assign(s.partitions.begin(), s.partitions.end());
      left = std::move(dropped);
    }
  }
  for (const auto& p : left) drop_if_idle_locked({group, p.topic_id, p.partition});
  lock.unlock();
  persist_all(released);
  return out;
}

std::optional<error_code> share_partition_manager::acknowledge(const share_partition_key& key,
                                                               const std::string& member,
                                                               int64_t first, int64_t last,
                                                               const std::vector<ack_type>& types,
                                                               int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end() || !it->second.ready) return error_code::invalid_record_state;
  return it->second.partition->acknowledge(member, first, last, types, now_ms);
}

void share_partition_manager::load(const share_partition_key& key, int32_t leader_epoch,
                                   std::function<int64_t()> start_offset, persist_done done) {
  std::unique_lock lock(mutex_);
  auto& e = partitions_[key];
  if (e.ready) {
    lock.unlock();
    return done(std::nullopt);
  }
  e.waiting.push_back(std::move(done));
  if (e.loading) return;
  e.loading = true;
  e.leader_epoch = leader_epoch;
  lock.unlock();
  if (persister_ == nullptr) return loaded(key, persisted_state{}, start_offset);
  persister_->read(key, leader_epoch,
                   [this, key, start_offset = std::move(start_offset)](
                       result<persisted_state, error_code> read) mutable {
                     loaded(key, std::move(read), start_offset);
                   });
}

void share_partition_manager::loaded(const share_partition_key& key,
                                     result<persisted_state, error_code> read,
                                     const std::function<int64_t()>& start_offset) {
  if (!read) return finish_load(key, read.error().code);
  persisted_state state = std::move(read).value();
  const bool fresh = state.start_offset < 0;
  if (fresh) state.start_offset = start_offset();  // asks the log: not under the lock
  {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(key);
    if (it == partitions_.end()) return;  // forgotten meanwhile; its waiters were answered
    it->second.partition.emplace(
        state, config_.delivery_for ? config_.delivery_for(key.group) : config_.delivery);
  }
  if (!fresh || persister_ == nullptr) return finish_load(key, std::nullopt);
  // The start is kept before anything is delivered from it, so a restart cannot move it on.
  persist(key, [this, key](std::optional<error_code> e) { finish_load(key, e); });
}

void share_partition_manager::finish_load(const share_partition_key& key,
                                          std::optional<error_code> error) {
  std::vector<persist_done> waiting;
  {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(key);
    if (it == partitions_.end()) return;
    waiting = std::move(it->second.waiting);
    it->second.waiting.clear();
    it->second.loading = false;
    if (error) {
      if (!it->second.writing) partitions_.erase(it);  // the next fetch tries again
    } else {
      it->second.ready = true;
    }
  }
  for (auto& w : waiting) w(error);
}

void share_partition_manager::persist(const share_partition_key& key, persist_done done) {
  std::unique_lock lock(mutex_);
  auto it = partitions_.find(key);
  if (persister_ == nullptr || it == partitions_.end() || !it->second.partition) {
    lock.unlock();
    return done(std::nullopt);
  }
  entry& e = it->second;
  if (e.writing) {
    e.dirty = true;
    e.next_dones.push_back(std::move(done));
    return;
  }
  e.writing = true;
  persisted_state state = e.partition->snapshot(e.leader_epoch);
  lock.unlock();
  std::vector<persist_done> dones;
  dones.push_back(std::move(done));
  write_out(key, std::move(state), std::move(dones));
}

void share_partition_manager::write_out(const share_partition_key& key, persisted_state state,
                                        std::vector<persist_done> dones) {
  persister_->write(key, state,
                    [this, key, dones = std::move(dones)](std::optional<error_code> e) mutable {
                      for (auto& d : dones) d(e);
                      written(key, e);
                    });
}

void share_partition_manager::written(const share_partition_key& key,
                                      std::optional<error_code> error) {
  std::unique_lock lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return;
  entry& en = it->second;
  if (error == error_code::fenced_state_epoch || error == error_code::fenced_leader_epoch) {
    // The kept state moved on without this copy (an offset reset, a newer leader): the copy
    // goes, and the next fetch loads the kept state afresh.
    auto orphaned = std::move(en.next_dones);
    partitions_.erase(it);
    lock.unlock();
    for (auto& d : orphaned) d(error);
    return;
  }
  if (!en.dirty || !en.partition) {
    en.writing = false;
    drop_if_idle_locked(key);
    return;
  }
  en.dirty = false;
  auto next = std::move(en.next_dones);
  en.next_dones.clear();
  persisted_state latest = en.partition->snapshot(en.leader_epoch);
  lock.unlock();
  write_out(key, std::move(latest), std::move(next));
}

void share_partition_manager::drop_if_idle_locked(const share_partition_key& key) {
  if (persister_ == nullptr) return;  // the state lives only here
  auto it = partitions_.find(key);
  if (it == partitions_.end() || it->second.writing || it->second.loading) return;
  const session_partition sp{key.topic_id, key.partition};
  for (auto s = sessions_.lower_bound({key.group, std::string()});
       s != sessions_.end() && s->first.first == key.group; ++s)
    if (s->second.partitions.contains(sp)) return;
  // Nobody fetches it and its state is kept: the next fetch loads it afresh, so a reset or a
  // deletion of its offsets while the group was empty is seen.
  partitions_.erase(it);
}

std::optional<int64_t> share_partition_manager::next_fetch_offset(const share_partition_key& key,
                                                                  int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end() || !it->second.ready) return std::nullopt;
  return it->second.partition->next_fetch_offset(now_ms);
}

std::vector<acquired_range> share_partition_manager::acquire(const share_partition_key& key,
                                                             const std::string& member,
                                                             const std::vector<log_batch>& batches,
                                                             int32_t max_records, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end() || !it->second.ready) return {};
  return it->second.partition->acquire(member, batches, max_records, now_ms);
}

void share_partition_manager::forget_partition(const protocol::uuid& topic_id, int32_t partition) {
  std::vector<persist_done> orphaned;
  {
    std::lock_guard lock(mutex_);
    for (auto it = partitions_.begin(); it != partitions_.end();) {
      if (it->first.topic_id != topic_id || it->first.partition != partition) {
        ++it;
        continue;
      }
      for (auto& w : it->second.waiting) orphaned.push_back(std::move(w));
      for (auto& w : it->second.next_dones) orphaned.push_back(std::move(w));
      it = partitions_.erase(it);
    }
  }
  for (auto& w : orphaned) w(error_code::not_leader_or_follower);
}

std::optional<int64_t> share_partition_manager::start_offset(const share_partition_key& key) const {
  std::lock_guard lock(mutex_);
  auto it = partitions_.find(key);
  if (it == partitions_.end() || !it->second.partition) return std::nullopt;
  return it->second.partition->start_offset();
}

size_t share_partition_manager::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace sluice::share
