#include "storage/segment_cache.h"

#include <algorithm>
#include <atomic>

#include "storage/segment.h"

namespace sluice::storage {

segment_cache::segment_cache(size_t capacity, size_t shards)
    : capacity_(std::max<size_t>(capacity, 1)) {
  shards = std::clamp<size_t>(shards, 1, capacity_);
  per_shard_ = std::max<size_t>(1, capacity_ / shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<shard>());
}

uint64_t segment_cache::new_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<segment_handle> segment_cache::peek(uint64_t id) {
  shard& s = shard_of(id);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(id);
  return it == s.map.end() ? nullptr : it->second->second;
}

result<std::shared_ptr<segment_handle>> segment_cache::get(
    uint64_t id, const std::function<result<unique_fd>()>& open) {
  shard& s = shard_of(id);
  {
    std::lock_guard lock(s.mu);
    auto it = s.map.find(id);
    if (it != s.map.end()) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      return it->second->second;
    }
  }
  // Open outside the lock; if another thread raced us, keep its handle.
  auto fd = open();
  if (!fd) return std::move(fd).error();
  auto handle = std::make_shared<segment_handle>(std::move(*fd));
  std::vector<std::shared_ptr<segment_handle>> evicted;  // released after the lock
  std::lock_guard lock(s.mu);
  auto it = s.map.find(id);
  if (it != s.map.end()) return it->second->second;
  s.lru.emplace_front(id, handle);
  s.map[id] = s.lru.begin();
  while (s.lru.size() > per_shard_) {
    evicted.push_back(std::move(s.lru.back().second));
    s.map.erase(s.lru.back().first);
    s.lru.pop_back();
  }
  return handle;
}

void segment_cache::erase(uint64_t id) {
  std::shared_ptr<segment_handle> dropped;
  shard& s = shard_of(id);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(id);
  if (it == s.map.end()) return;
  dropped = std::move(it->second->second);
  s.lru.erase(it->second);
  s.map.erase(it);
}

size_t segment_cache::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->lru.size();
  }
  return n;
}

}  // namespace sluice::storage
