// delayed_operation / delayed_operation_queue: requests that wait for something to happen — a
// Fetch waiting for min_bytes (long poll), a Produce with acks=-1 waiting for the high watermark —
// completed by the event they wait for, not by polling, or by their deadline.
//
// An operation watches keys (one per topic-partition). Whoever changes a partition (an append, a
// high-watermark advance, a leadership change) calls queue.notify(key); every operation watching
// that key gets try_complete() called, and finishes when it returns true. A timer thread owned by
// the queue expires operations at their deadline (on_expire()). Each operation completes exactly
// once: the first of try_complete()==true, expiry, or shutdown wins.
//
// Threading: add() and notify() from any thread. try_complete()/on_expire() run on the notifying
// thread or the timer thread, never concurrently for one operation (the operation's own mutex);
// they must be quick; they may call notify() (the queue's lock is not held while they run).
// Watcher lists are pruned as operations complete.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace sluice::replication {

using clock = std::chrono::steady_clock;

class delayed_operation {
 public:
  virtual ~delayed_operation() = default;

  // Checks whether the operation can finish now; if so, finishes it (sends its response) and
  // returns true. Called under the operation's lock.
  virtual bool try_complete() = 0;
  // The deadline passed (or the queue shut down): finish with whatever is available.
  virtual void on_expire() = 0;

  bool completed() const { return completed_.load(std::memory_order_acquire); }

 private:
  friend class delayed_operation_queue;
  // Runs try_complete() unless already completed; true when this call completed it.
  bool maybe_complete();
  bool force_expire();

  std::mutex mutex_;
  std::atomic<bool> completed_{false};
};

class delayed_operation_queue {
 public:
  explicit delayed_operation_queue(std::string name);
  ~delayed_operation_queue();  // expires every pending operation, then joins the timer thread
  delayed_operation_queue(const delayed_operation_queue&) = delete;
  delayed_operation_queue& operator=(const delayed_operation_queue&) = delete;

  // Tries once; if not complete, watches `keys` until `deadline`. Returns true if it completed
  // immediately.
  bool add(const std::shared_ptr<delayed_operation>& op, const std::vector<std::string>& keys,
           clock::time_point deadline);

  // Something changed for `key`: give every watcher a chance to complete.
  void notify(const std::string& key);

  // Finishes everything pending (on_expire) and stops the timer thread. Idempotent.
  void shutdown();

  size_t pending() const;  // operations watched and not yet completed (approximate)

 private:
  void timer_loop();
  void prune_locked(const std::string& key);

  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_map<std::string, std::vector<std::weak_ptr<delayed_operation>>> watchers_;
  std::multimap<clock::time_point, std::shared_ptr<delayed_operation>> deadlines_;
  std::thread timer_;
};

}  // namespace sluice::replication
