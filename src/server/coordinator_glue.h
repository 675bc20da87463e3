// The coordinators' edges (coordinator/offsets_log.h, transaction/txn_io.h), implemented by the
// broker:
//   internal_topic_log - appends a coordinator's records to its internal topic (__consumer_offsets
//                        or __transaction_state) through the replica manager (acks=-1) and
//                        reads partitions back when they load;
//   coordinator_timer  - one thread that calls the coordinator's on_timer() at the deadline it
//                        asked for.
// Owned by the broker; thread-safe as the interfaces require.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include <string>

#include "coordinator/offsets_log.h"
#include "replication/replica_manager.h"
#include "transaction/txn_io.h"

namespace sluice::server {

// One class for both coordinators' logs: the two interfaces ask for the same operations.
class internal_topic_log final : public coordinator::offsets_log, public transaction::state_log {
 public:
  internal_topic_log(replication::replica_manager& replicas, std::string topic)
      : replicas_(replicas), topic_(std::move(topic)) {}

  void append(int32_t partition, std::vector<coordinator::log_record> records,
              coordinator::unique_function<void(coordinator::append_status)> done) override;
  void read(int32_t partition, std::function<void(std::vector<coordinator::log_record>)> chunk,
            coordinator::unique_function<void(bool ok)> done) override;

 private:
  replication::replica_manager& replicas_;
  const std::string topic_;
};

class coordinator_timer final : public coordinator::timer_driver, public transaction::txn_timer {
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
