// share_state_store: the driver of this broker's share coordinator (share_coordinator): it loads
// the __share_group_state partitions this broker comes to lead, answers reads and writes of share
// partitions' state, and appends each write's record through the log (acks=all), answering the
// write once it is committed. Writes of one partition are appended in the order they were made,
// so the last record of a key in the log is always its latest state.
//
// Thread-safe: one mutex over the state machine; appends are issued without it.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "coordinator/driver_support.h"
#include "coordinator/offsets_log.h"
#include "share/share_coordinator.h"

namespace sluice::share {

class share_state_store {
 public:
  share_state_store(coordinator::offsets_log& log, int32_t state_partitions,
                    std::function<int64_t()> clock_ms);

  int32_t partition_for(const share_partition_key& key) const;

  // Leadership of __share_group_state partitions.
  void on_partition_elected(int32_t partition, int32_t leader_epoch);
  void on_partition_resigned(int32_t partition, std::optional<int32_t> leader_epoch);

  result<persisted_state, protocol::error_code> read(const share_partition_key& key,
                                                     int32_t leader_epoch);
  // `done` gets nullopt once the merged state is committed, else the error.
  void write(const share_partition_key& key, const persisted_state& state,
             unique_function<void(std::optional<protocol::error_code>)> done);
  // See share_coordinator::initialize; `done` as for write().
  void initialize(const share_partition_key& key, int32_t state_epoch, int64_t start_offset,
                  unique_function<void(std::optional<protocol::error_code>)> done);
  void remove(const share_partition_key& key,
              unique_function<void(std::optional<protocol::error_code>)> done);

 private:
  struct pending_append {
    int32_t partition = 0;
    coordinator::log_record record;
    unique_function<void(std::optional<protocol::error_code>)> done;
  };
  template <class F>
  void run(F&& f);
  void issue(result<coordinator::log_record, protocol::error_code> record, int32_t partition,
             unique_function<void(std::optional<protocol::error_code>)> done,
             std::unique_lock<std::mutex>& lock);

  coordinator::offsets_log& log_;
  std::function<int64_t()> clock_ms_;
  std::mutex mutex_;
  share_coordinator core_;                              // mutex_
  coordinator::ordered_issuer<pending_append> issuer_;  // mutex_
};

}  // namespace sluice::share
