#include "replication/delayed_operation.h"

#include <algorithm>

namespace sluice::replication {

bool delayed_operation::maybe_complete() {
  if (completed()) return false;
  std::lock_guard lock(mutex_);
  if (completed()) return false;
  if (!try_complete()) return false;
  completed_.store(true, std::memory_order_release);
  return true;
}

bool delayed_operation::force_expire() {
  if (completed()) return false;
  std::lock_guard lock(mutex_);
  if (completed()) return false;
  completed_.store(true, std::memory_order_release);
  on_expire();
  return true;
}

delayed_operation_queue::delayed_operation_queue(std::string name)
    : name_(std::move(name)), timer_([this] { timer_loop(); }) {}

delayed_operation_queue::~delayed_operation_queue() {
  shutdown();
}

bool delayed_operation_queue::add(const std::shared_ptr<delayed_operation>& op,
                                  const std::vector<std::string>& keys,
                                  clock::time_point deadline) {
  if (op->maybe_complete()) return true;
  bool registered = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      for (const auto& key : keys) watchers_[key].push_back(op);
      deadlines_.emplace(deadline, op);
      wake_.notify_one();
      registered = true;
    }
  }
  if (!registered) {  // shutting down: finish now with what there is
    op->force_expire();
    return false;
  }
  // An event may have happened between the first try and registration: try again.
  return op->maybe_complete();
}

void delayed_operation_queue::notify(const std::string& key) {
  std::vector<std::shared_ptr<delayed_operation>> ops;
  {
    std::lock_guard lock(mutex_);
    auto it = watchers_.find(key);
    if (it == watchers_.end()) return;
    for (auto& weak : it->second)
      if (auto op = weak.lock(); op && !op->completed()) ops.push_back(std::move(op));
  }
  bool any = false;
  for (auto& op : ops) any |= op->maybe_complete();
  if (any || ops.empty()) {
    std::lock_guard lock(mutex_);
    prune_locked(key);
  }
}

void delayed_operation_queue::prune_locked(const std::string& key) {
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [](const std::weak_ptr<delayed_operation>& w) {
                              auto op = w.lock();
                              return !op || op->completed();
                            }),
             list.end());
  if (list.empty()) watchers_.erase(it);
}

void delayed_operation_queue::timer_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Drop operations that completed early, so the map stays small.
    while (!deadlines_.empty() && deadlines_.begin()->second->completed())
      deadlines_.erase(deadlines_.begin());
    if (deadlines_.empty()) {
      wake_.wait(lock);
      continue;
    }
    auto next = deadlines_.begin()->first;
    if (clock::now() < next) {
      wake_.wait_until(lock, next);
      continue;
    }
    std::vector<std::shared_ptr<delayed_operation>> due;
    auto now = clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      due.push_back(std::move(deadlines_.begin()->second));
      deadlines_.erase(deadlines_.begin());
    }
    lock.unlock();
    for (auto& op : due) op->force_expire();
    due.clear();
    lock.lock();
    // Completed operations leave stale weak pointers in watcher lists; prune lazily here.
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      auto& list = it->second;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [](const std::weak_ptr<delayed_operation>& w) {
                                  auto op = w.lock();
                                  return !op || op->completed();
                                }),
                 list.end());
      it = list.empty() ? watchers_.erase(it) : std::next(it);
    }
  }
}

void delayed_operation_queue::shutdown() {
  std::multimap<clock::time_point, std::shared_ptr<delayed_operation>> remaining;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !timer_.joinable()) return;
    stopping_ = true;
    remaining.swap(deadlines_);
    watchers_.clear();
    wake_.notify_all();
  }
  if (timer_.joinable()) timer_.join();
  for (auto& [deadline, op] : remaining) op->force_expire();
}

size_t delayed_operation_queue::pending() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [deadline, op] : deadlines_)
    if (!op->completed()) ++n;
  return n;
}

}  // namespace sluice::replication
