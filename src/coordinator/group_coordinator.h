// group_coordinator: the group coordinator as the broker uses it — coordinator_core plus the I/O
// it needs: appends to and reads of __consumer_offsets through offsets_log, one timer through
// timer_driver, and the clock. Handlers call the request entry points; the replica manager calls
// on_partition_elected/on_partition_resigned when this broker gains or loses the leadership of a
// __consumer_offsets partition; the timer calls on_timer.
//
// Owned by the broker (server/broker), which constructs it after the replica manager, calls
// start(), and at shutdown calls stop() before it stops the log (whose outstanding appends must
// still call back) and destroys this.
//
// Threading: every entry point may be called from any thread. One mutex serialises the core;
// completions (responses) and offsets_log calls run after it is released, so a log that calls
// back at once, or a responder, never deadlocks. Appends are handed to the log in the order the
// core made them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "coordinator/coordinator_core.h"
#include "coordinator/driver_support.h"
#include "coordinator/offsets_log.h"

namespace sluice::coordinator {

class group_coordinator {
 public:
  // `clock_ms`: wall-clock milliseconds since the epoch (commit timestamps are wall-clock time).
  // `log` and `timer` must outlive this object.
  group_coordinator(coordinator_config config, offsets_log& log, timer_driver& timer,
                    std::function<int64_t()> clock_ms, coordinator_hooks hooks = {});
  ~group_coordinator();
  group_coordinator(const group_coordinator&) = delete;
  group_coordinator& operator=(const group_coordinator&) = delete;

  void start();
  void stop();

  // The __consumer_offsets partition of a group (FindCoordinator, the handlers' routing).
  int32_t partition_for(std::string_view group_id) const;

  // Leadership of __consumer_offsets partitions (the coordinator epoch is the leader epoch).
  void on_partition_elected(int32_t partition, int32_t leader_epoch);
  void on_partition_resigned(int32_t partition, std::optional<int32_t> leader_epoch);
  // The timer armed through timer_driver went off.
  void on_timer();
  // Topic partitions were deleted (DeleteTopics): forget their committed offsets in every group.
  void on_partitions_deleted(std::vector<topic_partition> tps);

  // Requests, decoded at `version`; `done` gets the response to send at that version.
  void join_group(protocol::join_group_request request, int16_t version, client_info client,
                  completion<protocol::join_group_response> done);
  void sync_group(protocol::sync_group_request request, int16_t version,
                  completion<protocol::sync_group_response> done);
  void heartbeat(const protocol::heartbeat_request& request, int16_t version,
                 completion<protocol::heartbeat_response> done);
  void leave_group(const protocol::leave_group_request& request, int16_t version,
                   completion<protocol::leave_group_response> done);
  void offset_commit(const protocol::offset_commit_request& request, int16_t version,
                     completion<protocol::offset_commit_response> done);
  void offset_fetch(const protocol::offset_fetch_request& request, int16_t version,
                    completion<protocol::offset_fetch_response> done);
  void txn_offset_commit(const protocol::txn_offset_commit_request& request, int16_t version,
                         completion<protocol::txn_offset_commit_response> done);
  // A transaction's marker for `producer_id` is written in __consumer_offsets `partition`.
  void complete_transaction(int32_t partition, int64_t producer_id, bool commit);
  void list_groups(const protocol::list_groups_request& request, int16_t version,
                   completion<protocol::list_groups_response> done);
  void describe_groups(const protocol::describe_groups_request& request, int16_t version,
                       completion<protocol::describe_groups_response> done);
  void delete_groups(const protocol::delete_groups_request& request, int16_t version,
                     completion<protocol::delete_groups_response> done);
  void offset_delete(const protocol::offset_delete_request& request, int16_t version,
                     completion<protocol::offset_delete_response> done);
  void consumer_group_heartbeat(protocol::consumer_group_heartbeat_request request, int16_t version,
                                client_info client,
                                completion<protocol::consumer_group_heartbeat_response> done);
  void consumer_group_describe(const protocol::consumer_group_describe_request& request,
                               int16_t version,
                               completion<protocol::consumer_group_describe_response> done);
  void share_group_heartbeat(protocol::share_group_heartbeat_request request, int16_t version,
                             client_info client,
                             completion<protocol::share_group_heartbeat_response> done);
  void share_group_describe(const protocol::share_group_describe_request& request, int16_t version,
                            completion<protocol::share_group_describe_response> done);
  // See coordinator_core::share_group_topics.
  sluice::result<std::set<std::string>, protocol::error_code> share_group_topics(
      const std::string& group_id);
  // See coordinator_core::prepare_share_offsets_change.
  std::optional<protocol::error_code> prepare_share_offsets_change(
      const std::string& group_id, bool create, const std::set<std::string>& topics);

 private:
  // Runs `f(core, now)` under the lock, then delivers what it produced.
  template <class F>
  void run(F&& f);
  void flush(std::unique_lock<std::mutex>& lock);

  offsets_log& log_;
  timer_driver& timer_;
  std::function<int64_t()> clock_ms_;
  mutable std::mutex mutex_;
  coordinator_core core_;
  ordered_issuer<append_request> issuer_;  // mutex_
  std::optional<int64_t> armed_;
};

}  // namespace sluice::coordinator
