// The group coordinator's edges (coordinator/offsets_log.h), implemented by the broker:
//   consumer_offsets_log - appends the coordinator's records to __consumer_offsets through the
//                          replica manager (acks=-1) and reads partitions back when they load;
//   coordinator_timer    - one thread that calls group_coordinator::on_timer() at the deadline
//                          the coordinator asked for.
// Owned by the broker; thread-safe as offsets_log/timer_driver require.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "coordinator/group_coordinator.h"
#include "coordinator/offsets_log.h"
#include "replication/replica_manager.h"

namespace sluice::server {

class consumer_offsets_log final : public coordinator::offsets_log {
 public:
  explicit consumer_offsets_log(replication::replica_manager& replicas) : replicas_(replicas) {}

  void append(int32_t partition, std::vector<coordinator::log_record> records,
              coordinator::unique_function<void(coordinator::append_status)> done) override;
  void read(int32_t partition, std::function<void(std::vector<coordinator::log_record>)> chunk,
            coordinator::unique_function<void(bool ok)> done) override;

 private:
  replication::replica_manager& replicas_;
};

class coordinator_timer final : public coordinator::timer_driver {
 public:
  coordinator_timer() = default;
  ~coordinator_timer() override { stop(); }
  // Starts the thread; `fire` runs on it when a deadline passes.
  void start(std::function<void()> fire);
  void stop();
  void arm(std::optional<int64_t> deadline_ms) override;

 private:
  void loop();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<int64_t> deadline_;
  bool stopping_ = false;
  std::function<void()> fire_;
  std::thread thread_;
};

}  // namespace sluice::server
