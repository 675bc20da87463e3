// partition: one topic-partition hosted by this broker — its log and its replication state: role
// (leader or follower), leader epoch, ISR, replicas, partition epoch, high watermark and, on a
// leader, each follower's progress. Owned by replica_manager, shared with in-flight operations
// and replica fetchers.
//
// Two modes:
// - embedded (single broker, the default): this broker leads with ISR {self}; the high watermark
//   is the log end offset and nothing here changes it.
// - managed (cluster mode, after set_managed): roles come from the controller; the high watermark
//   is stored, advanced by the leader to the minimum log end offset of the ISR (never backwards)
//   and copied by a follower from its leader's fetch responses.
//
// The leader-side methods are a state machine over (followers' fetch offsets, time): they return
// what to do (an ISR change to send, whether the high watermark moved) and leave the I/O to the
// caller. Threads: any thread; the replication state is guarded by one mutex of this partition,
// which is never held while calling out, except that follower appends and truncations run under
// it (with_follower_lock) so a role change cannot interleave with them.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "protocol/wire.h"
#include "replication/replica_manager.h"
#include "storage/partition_log.h"

namespace sluice::replication {

enum class replica_role { leader, follower };

// What a leader knows of one follower.
struct follower_progress {
  int64_t log_end_offset = -1;  // its last fetch offset; -1 until it fetches from this leader
  int64_t log_start_offset = -1;
  int64_t last_fetch_ms = 0;
  int64_t last_fetch_leader_log_end = -1;  // the leader's log end at that fetch
  int64_t last_caught_up_ms = 0;           // last time it had everything the leader had
};

// A role from the controller, as the partition applies it.
struct role_state {
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> isr;
  std::vector<int32_t> replicas;
};

class partition {
 public:
  // Embedded mode: led here, ISR {self}, high watermark = log end offset.
  partition(std::string topic, int32_t index, protocol::uuid topic_id,
            std::shared_ptr<storage::partition_log> log, int32_t leader_epoch);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  const protocol::uuid& topic_id() const { return topic_id_; }
  // "topic-index": the key delayed operations watch.
  const std::string& key() const { return key_; }
  storage::partition_log& log() const { return *log_; }
  const std::shared_ptr<storage::partition_log>& log_ptr() const { return log_; }

  int32_t leader_epoch() const { return leader_epoch_.load(std::memory_order_acquire); }
  // Embedded mode: a new leader epoch (recorded in the epoch cache at the log end).
  void set_leader_epoch(int32_t epoch);

  int64_t high_watermark() const {
    return managed_ ? high_watermark_.load(std::memory_order_acquire) : log_->log_end_offset();
  }
  // The last stable offset (read_committed's bound): the high watermark, or the first offset of
  // the earliest transaction still open (or whose marker is not yet replicated) if lower.
  int64_t last_stable_offset() const {
    int64_t hw = high_watermark();
    auto unstable = log_->first_unstable_offset();
    return unstable ? std::min(hw, *unstable) : hw;
  }

  // ---- cluster mode -----------------------------------------------------------------------------

  // Switches to managed mode (once, before any role): `self` is this broker's id, `high_watermark`
  // the checkpointed one (clamped to the log end offset), or -1.
  void set_managed(int32_t self, int64_t high_watermark);
  bool managed() const { return managed_; }

  bool is_leader() const { return !managed_ || role_.load() == replica_role::leader; }
  replica_role role() const { return managed_ ? role_.load() : replica_role::leader; }
  int32_t leader_id() const;
  int32_t partition_epoch() const;
  std::vector<int32_t> isr() const;
  std::vector<int32_t> replicas() const;
  // ISR size as acks=-1 and min.insync.replicas see it (the committed ISR).
  size_t isr_size() const;
  follower_progress progress_of(int32_t replica) const;

  int32_t min_insync_replicas() const { return min_insync_.load(std::memory_order_acquire); }
  void set_min_insync_replicas(int32_t n) { min_insync_.store(n, std::memory_order_release); }
  // Whether the topic's *.replication.throttled.replicas list this replica (replication_throttle).
  bool leader_throttled() const { return leader_throttled_.load(std::memory_order_relaxed); }
  bool follower_throttled() const { return follower_throttled_.load(std::memory_order_relaxed); }
  void set_replication_throttled(bool leader, bool follower) {
    leader_throttled_.store(leader, std::memory_order_relaxed);
    follower_throttled_.store(follower, std::memory_order_relaxed);
  }

  // Becomes leader with `state` (state.leader == self): resets follower progress (ISR members
  // count as caught up now), records the epoch's start at the log end and drops any pending ISR
  // change. Returns true when the high watermark moved.
  bool become_leader(const role_state& state, int64_t now_ms);
  // Becomes a follower of state.leader. Runs under the follower lock, so it waits for a
  // fetcher's append in progress.
  void become_follower(const role_state& state);
  // Same leader epoch, newer partition epoch: the ISR or replicas changed (a leader keeps its
  // role). Returns true when the high watermark moved.
  bool update_membership(const role_state& state);

  // Leader: `replica` fetched from `fetch_offset` at `now_ms`. Updates its progress and the high
  // watermark; proposes adding it to the ISR when it caught up (and no ISR change is pending).
  struct fetch_effect {
    bool high_watermark_moved = false;
    std::optional<isr_change> expand;
  };
  fetch_effect record_follower_fetch(int32_t replica, int64_t fetch_offset,
                                     int64_t follower_log_start, int64_t now_ms);
  // Leader: the ISR members that have not caught up within `lag_ms`, removed (never the leader),
  // as an ISR change to send; nullopt when every member keeps up or a change is pending.
  std::optional<isr_change> propose_isr_shrink(int64_t now_ms, int64_t lag_ms);
  // The controller's answer to the pending change. Returns true when the high watermark moved.
  // A refused change (other than for a lost leadership) holds the next proposal back for
  // isr_change_retry_backoff_ms from `now_ms`, so a refusal is not re-proposed at every fetch.
  bool complete_isr_change(const isr_change& sent, const isr_change_result& answer, int64_t now_ms);
  static constexpr int64_t isr_change_retry_backoff_ms = 500;
  bool isr_change_pending() const;
  // Leader: after a local append (an ISR of one advances at once). True when the HW moved.
  bool maybe_advance_high_watermark();

  // Leader: runs `fn(leader_epoch)` while this stays the leader (role changes wait for it); false
  // when not the leader. Appends from producers run under it, so the epoch they stamp is current.
  bool with_leader_lock(const std::function<void(int32_t leader_epoch)>& fn);
  // Follower: runs `fn` under the follower lock if this is still a follower in `leader_epoch`;
  // false when the role or epoch changed (the caller drops its work).
  bool with_follower_lock(int32_t leader_epoch, const std::function<void()>& fn);
  // Follower: the leader's high watermark from a fetch response (bounded by our log end).
  void set_follower_high_watermark(int64_t leader_high_watermark);

 private:
  bool advance_high_watermark_locked();
  std::vector<int32_t> maximal_isr_locked() const;

  std::string topic_;
  int32_t index_;
  protocol::uuid topic_id_;
  std::string key_;
  std::shared_ptr<storage::partition_log> log_;
  std::atomic<int32_t> leader_epoch_;

  bool managed_ = false;  // set once, before the partition is shared
  int32_t self_ = -1;
  std::atomic<int64_t> high_watermark_{0};
  std::atomic<replica_role> role_{replica_role::leader};
  std::atomic<int32_t> min_insync_{1};
  int64_t isr_change_retry_at_ms_ = 0;  // mutex_: no proposal before this
  std::atomic<bool> leader_throttled_{false};
  std::atomic<bool> follower_throttled_{false};

  // Role changes hold it exclusively, leader appends shared. Lock order: role_mutex_, mutex_.
  std::shared_mutex role_mutex_;
  mutable std::mutex mutex_;
  int32_t leader_id_ = -1;
  int32_t partition_epoch_ = 0;
  int64_t leader_epoch_start_offset_ = 0;
  std::vector<int32_t> isr_;
  std::vector<int32_t> replicas_;
  std::map<int32_t, follower_progress> followers_;
  std::optional<isr_change> pending_isr_change_;
};

}  // namespace sluice::replication
