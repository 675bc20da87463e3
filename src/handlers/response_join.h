// response_join: a response assembled from answers that arrive on any thread (persister calls,
// coordinator writes) — each part fills its piece under the join's lock, and the response goes
// out when the last part is in, after an optional finishing step.
//
// Usage: make_shared, expect() one per part started, and one part for the handler itself, which
// it finishes once every part has been started — so a part finishing early cannot send early.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <utility>

#include "handlers/request_context.h"

namespace sluice::handlers {

template <class Response>
class response_join {
 public:
  explicit response_join(responder reply, std::function<void(Response&)> finish = {})
      : reply_(std::move(reply)), finish_(std::move(finish)) {}

  // The response to fill before any part has been started (no lock needed then).
  Response& response() { return response_; }
  void expect(size_t parts) {
    std::lock_guard lock(mutex_);
    outstanding_ += parts;
  }
  // Fills this part's piece under the lock; the last part sends the response.
  template <class Fill>
  void complete(Fill&& fill) {
    std::unique_lock lock(mutex_);
    fill(response_);
    if (--outstanding_ > 0) return;
    if (finish_) finish_(response_);
    lock.unlock();
    reply_.send(response_);
  }
  void complete() {
    complete([](Response&) {});
  }

 private:
  std::mutex mutex_;
  Response response_;
  size_t outstanding_ = 1;  // the handler's own part
  responder reply_;
  std::function<void(Response&)> finish_;
};

}  // namespace sluice::handlers
