// replica_fetcher: one thread that keeps a set of follower partitions in step with their leader
// (one broker). Each partition first truncates its log to where it agrees with the leader
// (OffsetForLeaderEpoch, KIP-101/279), then the thread loops sending one Fetch for all its
// partitions, appending the returned batches with the leader's offsets, copying the leader's high
// watermark and log start offset, and truncating again when the leader reports a divergence.
// Partition errors back off that partition; a failed request backs off the whole fetcher.
//
// fetcher_manager: num.replica.fetchers fetchers per leader, a partition placed by the hash of its
// name; fetchers are created on demand and stopped when they have nothing left to fetch.
//
// Owned by replica_manager. add/remove/shutdown from any thread. Appends and truncations run under
// the partition's follower lock and only while the partition still follows in the epoch it was
// added with, so a role change never races with them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "replication/fetch_transport.h"
#include "replication/partition.h"
#include "replication/replication_throttle.h"

namespace sluice::replication {

struct fetcher_settings {
  int32_t self_id = 0;
  int32_t max_wait_ms = 500;              // replica.fetch.wait.max.ms
  int32_t min_bytes = 1;                  // replica.fetch.min.bytes
  int32_t response_max_bytes = 10485760;  // replica.fetch.response.max.bytes
  int32_t partition_max_bytes = 1048576;  // replica.fetch.max.bytes
  int32_t backoff_ms = 1000;              // replica.fetch.backoff.ms
  // The follower side of the replication throttle (none: never throttled).
  std::shared_ptr<replication_throttle> throttle;
};

// Where a follower must cut its log, given the leader's answer for an epoch (OffsetForLeaderEpoch
// or a Fetch divergence). `complete` is false when the follower does not know the leader's
// epoch: it cuts to the end of its own largest smaller epoch and asks again.
struct truncation_point {
  int64_t offset = -1;
  bool complete = true;
};
truncation_point follower_truncation_point(const storage::partition_log& log, int32_t leader_epoch,
                                           int64_t leader_end_offset, int64_t high_watermark);

class replica_fetcher {
 public:
  replica_fetcher(fetcher_settings settings, int32_t leader_id, int32_t index,
                  std::unique_ptr<fetch_transport> transport);
  ~replica_fetcher();  // stop()
  replica_fetcher(const replica_fetcher&) = delete;
  replica_fetcher& operator=(const replica_fetcher&) = delete;

  // Starts (or restarts) fetching `p` as a follower in `leader_epoch`, truncating first.
  void add(std::shared_ptr<partition> p, int32_t leader_epoch);
  void remove(const std::string& key);
  size_t size() const;
  // Stops the thread (interrupting a request in flight). Idempotent.
  void stop();

 private:
  struct entry {
    std::shared_ptr<partition> p;
    int32_t leader_epoch = 0;
    uint64_t generation = 0;  // changes when the entry is replaced
    bool needs_truncation = true;
    int64_t delayed_until_ms = 0;
  };

  void run();
  void truncate_round(std::vector<entry> todo);
  void fetch_round(std::vector<entry> todo);
  // Applies `change` to the live entry if it is still the same one.
  void update(const entry& e, const std::function<void(entry&)>& change);
  void back_off(const entry& e);
  bool sleep_ms(int64_t ms);  // false when stopping

  const fetcher_settings settings_;
  const int32_t leader_id_;
  const int32_t index_;
  std::unique_ptr<fetch_transport> transport_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t next_generation_ = 0;
  std::map<std::string, entry> entries_;
  std::thread thread_;
};

class fetcher_manager {
 public:
  fetcher_manager(fetcher_settings settings, int32_t fetchers_per_leader,
                  fetch_transport_factory factory);
  ~fetcher_manager();  // shutdown()

  // Moves `p` to a fetcher for `leader` (removing it from any other).
  void add(const std::shared_ptr<partition>& p, int32_t leader, int32_t leader_epoch);
  void remove(const std::string& key);
  void shutdown();
  size_t fetcher_count() const;

 private:
  void remove_locked(const std::string& key, std::vector<std::unique_ptr<replica_fetcher>>& idle);

  const fetcher_settings settings_;
  const int32_t fetchers_per_leader_;
  fetch_transport_factory factory_;
  mutable std::mutex mutex_;
  bool stopped_ = false;
  std::map<std::pair<int32_t, int32_t>, std::unique_ptr<replica_fetcher>> fetchers_;
  std::map<std::string, std::pair<int32_t, int32_t>> placement_;  // partition key -> fetcher
};

}  // namespace sluice::replication
