// timer_queue: the coordinator's deadlines (session expiry, rebalance and sync timeouts, the
// initial rebalance delay, the offset retention sweep) as data, so the state machine never reads
// a clock. Whoever drives the coordinator asks next_deadline(), waits until then, and passes the
// time in; due timers pop in deadline order (ties in scheduling order).
//
// Owned by coordinator_core; single-threaded like it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace sluice::coordinator {

enum class timer_kind {
  member_session,       // a member's session (or a new member's join) timed out
  pending_member,       // a member that got MEMBER_ID_REQUIRED never came back
  join,                 // the join phase of a rebalance is over (rebalance timeout, initial delay)
  sync,                 // members that did not SyncGroup within the rebalance timeout
  retention,            // time to look for expired offsets
  consumer_session,     // a consumer-protocol member sent no heartbeat within its session timeout
  consumer_revocation,  // a consumer-protocol member did not give partitions up in time
  consumer_classic_join,  // a classic member of a consumer group did not rejoin in time
  consumer_classic_sync,  // ... or did not SyncGroup after its JoinGroup in time
  share_session,          // a share-group member sent no heartbeat within its session timeout
};

struct timer_key {
  timer_kind kind = timer_kind::retention;
  std::string group;
  std::string member;
  uint64_t group_incarnation = 0;  // the group object the timer was armed for
  int32_t generation = 0;  // sync timers: the generation awaited; revocation: the member epoch
};

using timer_id = uint64_t;
inline constexpr timer_id no_timer = 0;

class timer_queue {
 public:
  timer_id schedule(int64_t deadline_ms, timer_key key);
  // Removes a timer; no-op for no_timer or a timer that already fired. Resets `id` to no_timer.
  void cancel(timer_id& id);

  std::optional<int64_t> next_deadline() const;
  // The earliest timer due at `now_ms` (removed from the queue), or nullopt.
  std::optional<std::pair<timer_id, timer_key>> pop_due(int64_t now_ms);

  size_t size() const { return by_deadline_.size(); }

 private:
  timer_id next_id_ = 1;
  std::map<std::pair<int64_t, timer_id>, timer_key> by_deadline_;
  std::unordered_map<timer_id, int64_t> deadline_of_;
};

}  // namespace sluice::coordinator
