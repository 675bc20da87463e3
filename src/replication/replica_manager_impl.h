// Internal state of replica_manager, shared by its .cc files (lifecycle, append, fetch).
// Not part of the public interface.
#pragma once

#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "replication/delayed_operation.h"
#include "replication/partition.h"
#include "replication/replica_manager.h"
#include "storage/errc.h"
#include "storage/log_manager.h"

namespace sluice::replication {

struct replica_manager::impl {
  impl(options o, storage::log_manager& l, cluster::metadata_store& m)
      : opts(std::move(o)),
        logs(l),
        metadata(m),
        produce_waiters("produce"),
        fetch_waiters("fetch") {}

  std::shared_ptr<partition> find(const std::string& topic, int32_t index) const;
  std::shared_ptr<partition> find_by_id(const protocol::uuid& id, int32_t index) const;

  options opts;
  storage::log_manager& logs;
  cluster::metadata_store& metadata;

  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<partition>> partitions;  // by partition key
  std::mutex reconcile_mutex;  // one reconcile at a time

  std::vector<leadership_listener> leadership_listeners;  // reconcile_mutex

  delayed_operation_queue produce_waiters;
  delayed_operation_queue fetch_waiters;
};

errc from_storage(storage::errc e);

inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string partition_key(const std::string& topic, int32_t index) {
  return topic + "-" + std::to_string(index);
}

}  // namespace sluice::replication
