// The open-file budget shared by every partition of a log manager: an LRU of open segment files.
//
// A segment opens its .log file through the cache; when the cache holds more than its capacity,
// the least recently used handles are dropped. Dropping only releases the cache's reference: the
// file stays open while a reader (or a Fetch response being sent with sendfile, through
// file_region::keepalive) still holds the handle. A handle also carries the segment's indexes once
// loaded, if the segment is sealed, so index memory is bounded by the same budget.
//
// Sharded by segment id, each shard with its own mutex, so partitions do not contend on one lock.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "storage/file_io.h"

namespace sluice::storage {

struct segment_indexes;

// An open segment file. Shared by the cache and every in-flight reader.
struct segment_handle {
  explicit segment_handle(unique_fd f) : fd(std::move(f)) {}
  unique_fd fd;
  // Sealed segments only: the indexes, loaded on first use. Guarded by `mu`.
  std::mutex mu;
  std::shared_ptr<const segment_indexes> indexes;
};

class segment_cache {
 public:
  explicit segment_cache(size_t capacity, size_t shards = 16);

  // The handle for segment `id`, opening it with `open` on a miss.
  result<std::shared_ptr<segment_handle>> get(uint64_t id,
                                              const std::function<result<unique_fd>()>& open);
  // The handle if cached, else null. Does not count as a use.
  std::shared_ptr<segment_handle> peek(uint64_t id);
  void erase(uint64_t id);

  size_t capacity() const { return capacity_; }
  size_t size() const;  // handles currently held by the cache

  // A process-unique id for a new segment.
  static uint64_t new_id();

 private:
  struct shard {
    mutable std::mutex mu;
    std::list<std::pair<uint64_t, std::shared_ptr<segment_handle>>> lru;  // front = newest
    std::unordered_map<uint64_t, decltype(lru)::iterator> map;
  };
  shard& shard_of(uint64_t id) { return *shards_[id % shards_.size()]; }

  size_t capacity_;
  size_t per_shard_;
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace sluice::storage
