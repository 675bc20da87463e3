// replication_throttle: Kafka's ReplicationQuotaManager (KIP-73) for one side of replication. The
// leader side bounds the bytes this broker sends to followers of throttled replicas, the follower
// side the bytes it fetches for them; kafka-reassign-partitions.sh --throttle sets the rates
// (leader.replication.throttled.rate, follower.replication.throttled.rate, dynamic broker configs)
// and the topics' lists of throttled replicas (leader.replication.throttled.replicas,
// follower.replication.throttled.replicas: "*" or "<partition>:<broker>" pairs; a pair applies on
// that broker). As Kafka: a replica already in sync is never held back; while the measured rate
// (over replication.quota.window.num windows of replication.quota.window.size.seconds) is above
// the bound, throttled partitions get no records (leader) or are left out of fetches (follower);
// the bytes of throttled partitions are recorded whether held back or not.
// Thread-safe: one mutex around the rate.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

#include "base/sampled_rate.h"
#include "cluster/metadata_store.h"

namespace sluice::replication {

class replication_throttle {
 public:
  static constexpr int64_t unlimited = INT64_MAX;

  explicit replication_throttle(rate_window window = {}) : rate_(window) {}

  void set_bound(int64_t bytes_per_second) { bound_.store(bytes_per_second); }
  int64_t bound() const { return bound_.load(); }
  // Above the bound now (never when unlimited).
  bool exceeded();
  void record(int64_t bytes);

  // Whether the topic config `key` (one of the *.replication.throttled.replicas) lists
  // `partition` on `broker`.
  static bool listed(const cluster::config_map& configs, std::string_view key, int32_t partition,
                     int32_t broker);

 private:
  static sampled_rate::time_ms now();

  std::atomic<int64_t> bound_{unlimited};
  std::mutex mutex_;
  sampled_rate rate_;  // mutex_
};

inline constexpr std::string_view leader_throttled_replicas =
    "leader.replication.throttled.replicas";
inline constexpr std::string_view follower_throttled_replicas =
    "follower.replication.throttled.replicas";

}  // namespace sluice::replication
