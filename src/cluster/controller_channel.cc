#include "cluster/controller_channel.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "cluster/inter_broker_versions.h"
#include "net/broker_client.h"

namespace sluice::cluster {

class controller_channel::sender {
 public:
  sender(int32_t broker, int64_t epoch, net::broker_client_options options,
         const answered_fn* answered)
      : broker_(broker),
        epoch_(epoch),
        answered_(answered),
        client_(std::move(options)),
        thread_([this] { loop(); }) {}

  ~sender() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    client_.close();
    thread_.join();
  }

  int64_t epoch() const { return epoch_; }

  void push(broker_request_body body) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(body));
    }
    wake_.notify_all();
  }

  size_t backlog() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }

 private:
  // One attempt; true when the broker answered (whatever its error code).
  bool deliver(const broker_request_body& body) {
    return std::visit(
        [&](const auto& request) -> bool {
          using request_t = std::decay_t<decltype(request)>;
          if constexpr (std::is_same_v<request_t, protocol::leader_and_isr_request>) {
            return check(client_.call<protocol::leader_and_isr_response>(
                             request, inter_broker_versions::leader_and_isr),
                         "LeaderAndIsr");
          } else if constexpr (std::is_same_v<request_t, protocol::update_metadata_request>) {
            return check(client_.call<protocol::update_metadata_response>(
                             request, inter_broker_versions::update_metadata),
                         "UpdateMetadata");
          } else {
            return check(client_.call<protocol::stop_replica_response>(
                             request, inter_broker_versions::stop_replica),
                         "StopReplica");
          }
        },
        body);
  }

  template <class Answer>
  bool check(const Answer& answer, const char* api) {
    answered_ok_ = false;
    if (!answer.ok() && answer.code() == net::errc::protocol_error) {
      // A request that does not encode, or an answer that does not decode: sending it again
      // would fail the same way and hold up everything queued behind it.
      spdlog::error("Controller: {} to broker {} dropped: {}", api, broker_, answer.message());
      return true;
    }
    if (!answer.ok()) {
      spdlog::debug("Controller: {} to broker {} failed: {}", api, broker_, answer.message());
      return false;
    }
    if (answer->body.error_code != 0) {
      spdlog::warn("Controller: broker {} answered {} with error {}", broker_, api,
                   answer->body.error_code);
    }
    answered_ok_ = answer->body.error_code == 0;
    return true;
  }

  void loop() {
    std::chrono::milliseconds backoff{50};
    while (true) {
      broker_request_body body;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        body = queue_.front();
      }
      if (deliver(body)) {
        backoff = std::chrono::milliseconds{50};
        {
          std::lock_guard lock(mutex_);
          if (!queue_.empty()) queue_.pop_front();
        }
        if (answered_ok_ && *answered_) (*answered_)(broker_, body);
        continue;
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds{1000});
    }
  }

  const int32_t broker_;
  const int64_t epoch_;
  const answered_fn* answered_;  // the channel's; outlives its senders
  bool answered_ok_ = false;
  net::broker_client client_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<broker_request_body> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the rest is built
};

controller_channel::controller_channel(int32_t controller_id, std::string listener,
                                       std::chrono::milliseconds request_timeout,
                                       answered_fn answered, net::client_security security)
    : controller_id_(controller_id),
      listener_(std::move(listener)),
      request_timeout_(request_timeout),
      answered_(std::move(answered)),
      security_(std::move(security)) {}

controller_channel::~controller_channel() {
  clear();
}

void controller_channel::set_brokers(const std::map<int32_t, live_broker>& brokers) {
  for (auto it = senders_.begin(); it != senders_.end();) {
    auto b = brokers.find(it->first);
    if (b == brokers.end() || b->second.epoch != it->second->epoch()) {
      it = senders_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, b] : brokers) {
    if (senders_.contains(id)) continue;
    const broker_endpoint* endpoint = nullptr;
    for (const auto& e : b.info.endpoints) {
      if (e.listener_name == listener_) endpoint = &e;
    }
    if (endpoint == nullptr) {
      spdlog::warn("Controller: broker {} has no {} endpoint; it will not hear from the controller",
                   id, listener_);
      continue;
    }
    net::broker_client_options options;
    options.host = endpoint->host.empty() ? "localhost" : endpoint->host;
    options.port = static_cast<uint16_t>(endpoint->port);
    options.client_id = "controller-" + std::to_string(controller_id_);
    options.request_timeout = request_timeout_;
    options.security = security_;
    senders_.emplace(id, std::make_unique<sender>(id, b.epoch, std::move(options), &answered_));
  }
}

void controller_channel::send(int32_t broker, broker_request_body body) {
  auto it = senders_.find(broker);
  if (it == senders_.end()) return;
  it->second->push(std::move(body));
}

void controller_channel::clear() {
  senders_.clear();
}

size_t controller_channel::backlog() const {
  size_t total = 0;
  for (const auto& [id, s] : senders_) total += s->backlog();
  return total;
}

}  // namespace sluice::cluster
