#include "server/controller_link.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "cluster/inter_broker_versions.h"
#include "net/broker_client.h"
#include "protocol/error_code.h"
#include "protocol/generated/alter_partition.h"
#include "protocol/generated/controlled_shutdown.h"

namespace sluice::server {
namespace {

constexpr int16_t alter_partition_version = cluster::inter_broker_versions::alter_partition;
constexpr int16_t controlled_shutdown_version = cluster::inter_broker_versions::controlled_shutdown;

replication::isr_change_result from_wire(int16_t top_error,
                                         const protocol::alter_partition_response& response) {
  using protocol::error_code;
  replication::isr_change_result out;
  auto map = [](int16_t code) -> std::optional<replication::errc> {
    switch (static_cast<error_code>(code)) {
      case error_code::none:
        return std::nullopt;
      case error_code::fenced_leader_epoch:
        return replication::errc::fenced_leader_epoch;
      case error_code::unknown_topic_or_partition:
        return replication::errc::unknown_topic_or_partition;
      case error_code::not_leader_or_follower:
        return replication::errc::not_leader;
      case error_code::invalid_update_version:
        return replication::errc::invalid_update_version;
      case error_code::ineligible_replica:
        return replication::errc::ineligible_replica;
      case error_code::not_controller:
        return replication::errc::not_controller;
      case error_code::stale_broker_epoch:
        return replication::errc::stale_broker_epoch;
      default:
        return replication::errc::unknown;
    }
  };
  if (top_error != 0) {
    out.error = map(top_error);
    return out;
  }
  if (response.topics.empty() || response.topics.front().partitions.empty()) {
    out.error = replication::errc::unknown;
    return out;
  }
  const auto& p = response.topics.front().partitions.front();
  out.error = map(p.error_code);
  out.leader = p.leader_id;
  out.leader_epoch = p.leader_epoch;
  out.isr = p.isr;
  out.partition_epoch = p.partition_epoch;
  return out;
}

}  // namespace

struct controller_link::impl {
  struct pending {
    replication::isr_change change;
    std::function<void(replication::isr_change_result)> done;
  };

  impl(controller_link_options o, const cluster::metadata_store& m)
      : options(std::move(o)), metadata(m) {}

  // The client connected to the current controller, or null if none is known.
  net::broker_client* controller_client() {
    int32_t id = metadata.controller_id();
    if (id < 0) return nullptr;
    auto endpoint = locate(id);
    if (!endpoint) return nullptr;
    if (!client || client_broker != id || client->options().host != endpoint->host ||
        client->options().port != endpoint->port) {
      net::broker_client_options co;
      co.host = endpoint->host;
      co.port = static_cast<uint16_t>(endpoint->port);
      co.client_id = "broker-" + std::to_string(options.broker_id) + "-controller-link";
      co.request_timeout = options.request_timeout;
      co.security = options.security;
      std::lock_guard lock(mutex);
      client = std::make_unique<net::broker_client>(co);
      client_broker = id;
    }
    return client.get();
  }

  std::optional<cluster::broker_endpoint> locate(int32_t id) const {
    for (const auto& b : metadata.brokers()) {
      if (b.id != id) continue;
      for (const auto& e : b.endpoints)
        if (e.listener_name == options.listener_name) return e;
    }
    return std::nullopt;
  }

  // One AlterPartition attempt; nullopt when it should be retried (no controller, connection
  // lost, NOT_CONTROLLER).
  std::optional<replication::isr_change_result> try_alter(const replication::isr_change& c) {
    net::broker_client* to = controller_client();
    if (to == nullptr) return std::nullopt;
    protocol::alter_partition_request request;
    request.broker_id = options.broker_id;
    request.broker_epoch = options.broker_epoch ? options.broker_epoch() : -1;
    auto& topic = request.topics.emplace_back();
    topic.topic_name = c.topic;
    topic.topic_id = c.topic_id;
    auto& p = topic.partitions.emplace_back();
    p.partition_index = c.partition;
    p.leader_epoch = c.leader_epoch;
    p.new_isr = c.new_isr;
    p.partition_epoch = c.partition_epoch;
    auto answer = to->call<protocol::alter_partition_response>(request, alter_partition_version);
    if (!answer) {
      spdlog::debug("AlterPartition to controller: {}", answer.message());
      return std::nullopt;
    }
    const auto& body = answer->body;
    if (body.error_code == static_cast<int16_t>(protocol::error_code::not_controller) ||
        body.error_code == static_cast<int16_t>(protocol::error_code::request_timed_out))
      return std::nullopt;
    return from_wire(body.error_code, body);
  }

  void run() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      if (queue.empty()) {
        wake.wait(lock);
        continue;
      }
      pending next = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      auto outcome = try_alter(next.change);
      lock.lock();
      if (!outcome) {
        if (stopping) break;
        queue.push_front(std::move(next));  // retry in order after a pause
        wake.wait_for(lock, options.retry_backoff);
        continue;
      }
      lock.unlock();
      next.done(std::move(*outcome));
      lock.lock();
    }
  }

  controller_link_options options;
  const cluster::metadata_store& metadata;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<pending> queue;
  bool stopping = false;
  std::unique_ptr<net::broker_client> client;  // used by the worker (or controlled_shutdown)
  int32_t client_broker = -1;
  std::thread worker;
};

controller_link::controller_link(controller_link_options options,
                                 const cluster::metadata_store& metadata)
    : impl_(std::make_unique<impl>(std::move(options), metadata)) {
  impl_->worker = std::thread([this] { impl_->run(); });
}

controller_link::~controller_link() {
  stop();
}

void controller_link::send_isr_change(replication::isr_change change,
                                      std::function<void(replication::isr_change_result)> done) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopping) return;
  impl_->queue.push_back({std::move(change), std::move(done)});
  impl_->wake.notify_one();
}

bool controller_link::controlled_shutdown(int attempts, std::chrono::milliseconds backoff) {
  // Runs on the shutdown thread while the worker may still send ISR changes: use a separate
  // connection so the two never share a socket.
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    int32_t id = impl_->metadata.controller_id();
    auto endpoint = id >= 0 ? impl_->locate(id) : std::nullopt;
    if (!endpoint) {
      spdlog::warn("controlled shutdown attempt {}/{}: no controller known", attempt, attempts);
      std::this_thread::sleep_for(backoff);
      continue;
    }
    net::broker_client_options co;
    co.host = endpoint->host;
    co.port = static_cast<uint16_t>(endpoint->port);
    co.client_id = "broker-" + std::to_string(impl_->options.broker_id) + "-shutdown";
    co.request_timeout = impl_->options.request_timeout;
    co.security = impl_->options.security;
    net::broker_client client(co);
    protocol::controlled_shutdown_request request;
    request.broker_id = impl_->options.broker_id;
    request.broker_epoch = impl_->options.broker_epoch ? impl_->options.broker_epoch() : -1;
    auto answer =
        client.call<protocol::controlled_shutdown_response>(request, controlled_shutdown_version);
    if (!answer) {
      spdlog::warn("controlled shutdown attempt {}/{}: controller {}: {}", attempt, attempts, id,
                   answer.message());
    } else if (answer->body.error_code != 0) {
      spdlog::warn("controlled shutdown attempt {}/{}: controller {} answered error {}", attempt,
                   attempts, id, answer->body.error_code);
    } else if (!answer->body.remaining_partitions.empty()) {
      // The controller moved what it could; what remains has no other live in-sync replica, and
      // asking again would not change that (Kafka retries anyway and stalls the shutdown).
      spdlog::warn(
          "controlled shutdown: {} partitions have no other in-sync replica and stay "
          "led here until this broker is back (e.g. {}-{})",
          answer->body.remaining_partitions.size(),
          answer->body.remaining_partitions.front().topic_name,
          answer->body.remaining_partitions.front().partition_index);
      return true;
    } else {
      spdlog::info("controlled shutdown: controller {} moved this broker's leaderships", id);
      return true;
    }
    std::this_thread::sleep_for(backoff);
  }
  return false;
}

std::optional<cluster::broker_endpoint> controller_link::locate(int32_t broker_id) const {
  return impl_->locate(broker_id);
}

void controller_link::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stopping && !impl_->worker.joinable()) return;
    impl_->stopping = true;
    if (impl_->client) impl_->client->close();
    impl_->wake.notify_all();
  }
  if (impl_->worker.joinable()) impl_->worker.join();
}

}  // namespace sluice::server
