#include "server/txn_marker_channel.h"

#include <spdlog/spdlog.h>

#include <future>

#include "net/broker_client.h"
#include "protocol/error_code.h"

namespace sluice::server {

namespace {

using transaction::marker_outcome;
using transaction::topic_partition;

constexpr int16_t write_txn_markers_version = 1;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What a partition's WriteTxnMarkers error code means for the coordinator; nullopt: retry.
std::optional<marker_outcome> outcome_of(int16_t code) {
  using protocol::error_code;
  switch (static_cast<error_code>(code)) {
    case error_code::none:
      return marker_outcome::written;
    case error_code::unsupported_for_message_format:
    case error_code::unsupported_version:
      return marker_outcome::partition_gone;
    case error_code::invalid_producer_epoch:
    case error_code::transaction_coordinator_fenced:
      return marker_outcome::fenced;
    default:
      // NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT,
      // KAFKA_STORAGE_ERROR, UNKNOWN_TOPIC_OR_PARTITION while the topic exists, and anything
      // unexpected: the leader may answer differently next time.
      return std::nullopt;
  }
}

}  // namespace

txn_marker_channel::txn_marker_channel(txn_marker_channel_options options,
                                       cluster::metadata_store& metadata)
    : options_(std::move(options)),
      metadata_(metadata),
      clients_(metadata, options_.listener_name,
               "broker-" + std::to_string(options_.broker_id) + "-txn-markers",
               options_.request_timeout, options_.security) {}

txn_marker_channel::~txn_marker_channel() {
  stop();
}

void txn_marker_channel::start() {
  worker_ = std::thread([this] { loop(); });
}

void txn_marker_channel::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  clients_.close_all();  // a call in flight returns at once
  if (worker_.joinable()) worker_.join();
}

void txn_marker_channel::send(transaction::marker_request marker,
                              transaction::marker_report report) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    job j;
    j.left.insert(marker.partitions.begin(), marker.partitions.end());
    j.marker = std::move(marker);
    j.report = std::move(report);
    j.due_ms = steady_ms();
    uint64_t id = j.marker.id;
    jobs_[id] = std::move(j);
  }
  wake_.notify_all();
}

void txn_marker_channel::cancel(uint64_t marker_id) {
  std::lock_guard lock(mutex_);
  jobs_.erase(marker_id);
}

void txn_marker_channel::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    int64_t now = steady_ms();
    std::vector<job> due;
    std::optional<int64_t> next;
    for (const auto& [id, j] : jobs_) {
      if (j.due_ms <= now) {
        due.push_back(j);
      } else if (!next || j.due_ms < *next) {
        next = j.due_ms;
      }
    }
    if (due.empty()) {
      if (next) {
        wake_.wait_for(lock, std::chrono::milliseconds(*next - now));
      } else {
        wake_.wait(lock);
      }
      continue;
    }
    lock.unlock();
    auto outcomes = attempt(due);
    lock.lock();

    std::vector<std::pair<transaction::marker_report, std::pair<topic_partition, marker_outcome>>>
        reports;
    std::set<uint64_t> retry;
    for (auto& o : outcomes) {
      auto it = jobs_.find(o.marker_id);
      if (it == jobs_.end()) continue;  // cancelled meanwhile
      if (!o.final) {
        retry.insert(o.marker_id);
        continue;
      }
      if (it->second.left.erase(o.tp) == 0) continue;
      reports.push_back({it->second.report, {o.tp, *o.final}});
    }
    const int64_t later = steady_ms() + options_.retry_backoff.count();
    for (auto& j : due) {
      auto it = jobs_.find(j.marker.id);
      if (it == jobs_.end()) continue;
      if (it->second.left.empty()) {
        jobs_.erase(it);
      } else {
        it->second.due_ms = later;  // partitions still to write (retriable, or no leader yet)
      }
    }
    lock.unlock();
    for (auto& [report, what] : reports) report(what.first, what.second);
    lock.lock();
  }
}

std::vector<txn_marker_channel::outcome> txn_marker_channel::attempt(const std::vector<job>& due) {
  std::vector<outcome> out;
  // broker -> marker id -> partitions it leads
  std::map<int32_t, std::map<uint64_t, std::vector<topic_partition>>> by_leader;
  std::map<std::string, std::optional<cluster::topic_metadata>> topics;
  for (const auto& j : due) {
    for (const auto& tp : j.left) {
      auto [it, fresh] = topics.try_emplace(tp.topic);
      if (fresh) it->second = metadata_.topic(tp.topic);
      const auto& topic = it->second;
      if (!topic || tp.partition < 0 ||
          tp.partition >= static_cast<int32_t>(topic->partitions.size())) {
        out.push_back({j.marker.id, tp, marker_outcome::partition_gone, j.marker.pid.value()});
        continue;
      }
      int32_t leader = topic->partitions[static_cast<size_t>(tp.partition)].leader;
      if (leader < 0) {
        out.push_back({j.marker.id, tp, std::nullopt, j.marker.pid.value()});  // no leader yet
        continue;
      }
      by_leader[leader][j.marker.id].push_back(tp);
    }
  }
  for (const auto& [broker, markers] : by_leader) {
    protocol::write_txn_markers_request request;
    std::vector<outcome> sent;
    for (const auto& [id, tps] : markers) {
      for (const auto& j : due) {
        if (j.marker.id != id) continue;
        request.markers.push_back(to_writable_marker(j.marker, tps));
        for (const auto& tp : tps) sent.push_back({id, tp, std::nullopt, j.marker.pid.value()});
      }
    }
    send_to(broker, request, sent);
    out.insert(out.end(), sent.begin(), sent.end());
  }
  return out;
}

void txn_marker_channel::send_to(int32_t broker, const protocol::write_txn_markers_request& request,
                                 std::vector<outcome>& sent) {
  std::optional<protocol::write_txn_markers_response> response;
  if (broker == options_.broker_id) {
    auto promise = std::make_shared<std::promise<protocol::write_txn_markers_response>>();
    auto future = promise->get_future();
    bool started =
        options_.write_locally &&
        options_.write_locally(request, static_cast<int32_t>(options_.request_timeout.count()),
                               [promise](protocol::write_txn_markers_response r) {
                                 promise->set_value(std::move(r));
                               });
    if (!started) return;
    // The append completes within its timeout; the margin covers a slow completion.
    if (future.wait_for(options_.request_timeout * 2) != std::future_status::ready) {
      spdlog::warn("transaction markers: local append did not complete in time; retrying");
      return;
    }
    response = future.get();
  } else {
    auto* client = clients_.client_for(broker);
    if (client == nullptr) return;
    auto answer =
        client->call<protocol::write_txn_markers_response>(request, write_txn_markers_version);
    if (!answer) {
      spdlog::debug("transaction markers to broker {}: {}", broker, answer.message());
      return;
    }
    response = std::move(answer->body);
  }
  // Match by producer id and topic-partition (a Kafka broker need not keep the request's order).
  for (auto& o : sent) {
    for (const auto& m : response->markers) {
      if (m.producer_id != o.producer_id) continue;
      for (const auto& t : m.topics) {
        if (t.name != o.tp.topic) continue;
        for (const auto& p : t.partitions) {
          if (p.partition_index != o.tp.partition) continue;
          o.final = outcome_of(p.error_code);
          if (!o.final)
            spdlog::debug("transaction marker for {}-{} on broker {}: error {}; retrying",
                          o.tp.topic, o.tp.partition, broker, p.error_code);
        }
      }
    }
  }
}

}  // namespace sluice::server
