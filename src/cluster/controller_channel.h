// controller_channel: the active controller's connections to the live brokers, one sender thread
// and queue per broker (as Kafka's ControllerChannelManager). Requests to a broker go out in the
// order queued, one at a time, each retried with backoff until the broker answers or leaves the
// live set; answers carrying an error are logged, not retried (the controller's next decision
// supersedes them). A broker's registration epoch identifies the connection: a restarted broker
// gets a fresh sender and queue. `answered` (optional) is told, on the sender's thread, of every
// request a broker answered without a top-level error.
// Thread-safe: the controller's worker thread calls it; senders are its own threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "cluster/controller_state.h"
#include "net/client_security.h"

namespace sluice::cluster {

class controller_channel {
 public:
  using answered_fn = std::function<void(int32_t broker, const broker_request_body& request)>;

  controller_channel(int32_t controller_id, std::string listener,
                     std::chrono::milliseconds request_timeout, answered_fn answered = nullptr,
                     net::client_security security = {});
  ~controller_channel();
  controller_channel(const controller_channel&) = delete;
  controller_channel& operator=(const controller_channel&) = delete;

  // Adds senders for new (or restarted) brokers and stops those of brokers that left.
  void set_brokers(const std::map<int32_t, live_broker>& brokers);
  // Queues `body` for `broker`; dropped when the broker has no sender.
  void send(int32_t broker, broker_request_body body);
  // Stops every sender (the controller resigned or stops).
  void clear();
  // Requests queued or in flight (tests).
  size_t backlog() const;

 private:
  class sender;
  int32_t controller_id_;
  std::string listener_;
  std::chrono::milliseconds request_timeout_;
  answered_fn answered_;
  net::client_security security_;
  std::map<int32_t, std::unique_ptr<sender>> senders_;
};

}  // namespace sluice::cluster
