// Internal state of replica_manager, shared by its .cc files (lifecycle, roles, append, fetch).
// Not part of the public interface.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "replication/delayed_operation.h"
#include "replication/partition.h"
#include "replication/replica_fetcher.h"
#include "replication/replica_manager.h"
#include "replication/replication_throttle.h"
#include "storage/errc.h"
#include "storage/log_manager.h"

namespace sluice::replication {

struct replica_manager::impl {
  impl(options o, storage::log_manager& l, cluster::metadata_store& m)
      : opts(std::move(o)),
        default_min_insync(opts.min_insync_replicas),
        logs(l),
        metadata(m),
        produce_waiters("produce"),
        fetch_waiters("fetch") {}

  std::shared_ptr<partition> find(const std::string& topic, int32_t index) const;
  std::shared_ptr<partition> find_by_id(const protocol::uuid& id, int32_t index) const;
  std::vector<std::shared_ptr<partition>> all() const;

  int64_t now_ms() const;
  // The high watermark (or the ISR) of `p` moved: wake waiting fetches and acks=-1 produces.
  void notify(const partition& p);
  // Sends a leader's ISR change to the controller and applies the answer.
  void send_isr_change(const std::shared_ptr<partition>& p, isr_change change);
  // Leader: a follower's fetch arrived. Records its progress (high watermark, ISR expansion);
  // returns where its log diverges from ours when its last fetched epoch says so.
  std::optional<epoch_end_offset> record_follower_fetch(const std::shared_ptr<partition>& p,
                                                        int32_t replica,
                                                        const fetch_partition_request& req);
  // min.insync.replicas of a topic: its override, else the broker default.
  int32_t min_insync_for(const cluster::config_map& configs) const;
  // Marks `p` throttled on either side as its topic's configs list it on this broker.
  void apply_throttle_lists(partition& p, const cluster::config_map& configs) const;

  // Cluster mode start-up and the background thread (replica_roles.cc).
  void start_cluster_mode();
  void background_loop();
  void check_isr();
  void checkpoint();

  options opts;
  std::atomic<int32_t> default_min_insync;  // opts.min_insync_replicas, dynamic
  storage::log_manager& logs;
  cluster::metadata_store& metadata;

  mutable std::shared_mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<partition>> partitions;  // by partition key
  std::mutex reconcile_mutex;  // one reconcile / LeaderAndIsr / StopReplica at a time

  std::vector<leadership_listener> leadership_listeners;  // reconcile_mutex

  delayed_operation_queue produce_waiters;
  delayed_operation_queue fetch_waiters;

  // Cluster mode.
  std::atomic<int32_t> controller_epoch{-1};
  storage::offset_map loaded_high_watermarks;
  std::unique_ptr<fetcher_manager> fetchers;
  std::shared_ptr<replication_throttle> leader_throttle = std::make_shared<replication_throttle>();
  std::shared_ptr<replication_throttle> follower_throttle =
      std::make_shared<replication_throttle>();
  std::atomic<bool> stopped{false};
  std::mutex background_mutex;
  std::condition_variable background_wake;
  bool background_stop = false;
  std::thread background;
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
