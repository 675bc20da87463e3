// The plumbing both coordinator drivers (group_coordinator, transaction::txn_coordinator) share
// around their state machines: handing the machine's I/O requests over in order without holding
// the driver's lock, and loading a partition of the coordinator's internal topic by replaying it.
// Header-only templates; the threading rules are each function's.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "coordinator/completion.h"
#include "coordinator/log_records.h"

namespace sluice::coordinator {

// Operations a state machine asked for (appends, marker requests...), handed to the outside world
// in the order they were made, never under the driver's lock (a log that calls back at once then
// cannot deadlock), by whichever thread finds nobody else doing it. Guarded by the owner's mutex.
template <class Op>
class ordered_issuer {
 public:
  // With the owner's lock held.
  void push(Op op) { queue_.push_back(std::move(op)); }

  // With the owner's lock held: whether this thread must drain (nobody else is); it then owns
  // the role until drain() returns.
  bool claim() {
    if (issuing_ || queue_.empty()) return false;
    issuing_ = true;
    return true;
  }

  // After a true claim(), with `lock` (the owner's) released: issues every queued operation in
  // order, the lock taken only to pop; operations queued meanwhile by other threads (or by an
  // `issue` that completes at once) are issued here too. Returns with the lock released.
  template <class Issue>
  void drain(std::unique_lock<std::mutex>& lock, Issue&& issue) {
    for (;;) {
      lock.lock();
      if (queue_.empty()) {
        issuing_ = false;
        lock.unlock();
        return;
      }
      Op op = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      issue(std::move(op));
    }
  }

 private:
  std::deque<Op> queue_;
  bool issuing_ = false;  // some thread is draining queue_
};

// Loads partition `partition` of a coordinator's internal topic after this broker was elected its
// leader at `epoch`: the core begins the load (through `run`, the driver's lock-and-flush), every
// record of the log is replayed into it under `mutex` as the log reads it, and the load finishes
// (through `run`) with the read's outcome. `Core` has begin_load/replay/finish_load; `Log` has
// read(partition, chunk, done). `what` names the topic in the log line about skipped records.
template <class Core, class Log, class Run>
void load_partition(Core& core, std::mutex& mutex, Log& log, int32_t partition, int32_t epoch,
                    std::string_view what, Run run) {
  run([&](Core& c, int64_t) { c.begin_load(partition, epoch); });
  auto skipped = std::make_shared<size_t>(0);
  log.read(
      partition,
      [&core, &mutex, partition, epoch, skipped](std::vector<log_record> records) {
        std::lock_guard lock(mutex);
        for (const auto& r : records) {
          if (!core.replay(partition, epoch, r).ok()) ++*skipped;
        }
      },
      [partition, epoch, skipped, what, run](bool ok) {
        if (*skipped > 0)
          spdlog::warn("{} undecodable records skipped in {}-{}", *skipped, what, partition);
        run([&](Core& c, int64_t now) { c.finish_load(partition, epoch, ok, now); });
      });
}

}  // namespace sluice::coordinator
