// request_workers: the threads (num.io.threads) that run handlers which may block — a ZooKeeper
// round trip or an fsync of the metadata file when topics are created, deleted or reconfigured —
// so a network loop never waits on them (Kafka runs every handler on such threads; Sluice keeps
// the hot APIs, Produce and Fetch, on the network threads and moves only these). FIFO; stop()
// finishes queued work first.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "base/unique_function.h"

namespace sluice::handlers {

class request_workers {
 public:
  explicit request_workers(int threads);
  ~request_workers();  // stop()
  request_workers(const request_workers&) = delete;
  request_workers& operator=(const request_workers&) = delete;

  // Runs `work` on a worker; after stop() it runs on the caller's thread instead.
  void post(unique_function<void()> work);
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<unique_function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice::handlers
