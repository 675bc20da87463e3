// Connections to the brokers of a cluster, by id.
#include "cli/client/broker_pool.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "protocol/generated/find_coordinator.h"

namespace sluice::cli {

namespace {
constexpr auto retry_backoff = std::chrono::milliseconds(100);  // Kafka's retry.backoff.ms
}  // namespace

const broker_info* broker_pool::find(int32_t id) const {
  for (const broker_info& b : brokers_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

void broker_pool::add(const broker_info& b) {
  if (const broker_info* known = find(b.id);
      known != nullptr && known->host == b.host && known->port == b.port) {
    return;
  }
  std::erase_if(brokers_, [&](const broker_info& x) { return x.id == b.id; });
  open_.erase(b.id);
  brokers_.push_back(b);
  std::sort(brokers_.begin(), brokers_.end(),
            [](const broker_info& x, const broker_info& y) { return x.id < y.id; });
}

result<raw_connection*> broker_pool::get(int32_t id, deadline d) {
  if (auto it = open_.find(id); it != open_.end()) return &it->second;
  const broker_info* b = find(id);
  if (b == nullptr) return fail(errc::not_found, fmt::format("Broker {} is not known", id));
  auto conn = raw_connection::open(b->host, b->port, settings_, d);
  if (!conn) return std::move(conn).error();
  auto [it, inserted] = open_.emplace(id, std::move(*conn));
  return &it->second;
}

result<int32_t> broker_pool::find_coordinator(int8_t key_type, const std::string& key, deadline d) {
  using protocol::find_coordinator_request;
  using protocol::find_coordinator_response;
  std::string last = "no broker answered";
  for (;;) {
    // Any broker can answer; ask them in turn so one that is down does not stop us.
    for (const broker_info& b : std::vector<broker_info>(brokers_)) {
      auto conn = get(b.id, d);
      if (!conn) {
        last = conn.message();
        continue;
      }
      auto version = (*conn)->pick_version(find_coordinator_request::api_key, 1,
                                           find_coordinator_request::max_version);
      if (!version) return fail(errc::unsupported, "The broker has no FindCoordinator v1+");
      find_coordinator_request request;
      request.key_type = key_type;
      if (*version >= 4) {
        request.coordinator_keys = {key};
      } else {
        request.key = key;
      }
      auto response =
          (*conn)->call<find_coordinator_request, find_coordinator_response>(request, *version, d);
      if (!response) {
        forget(b.id);
        last = response.message();
        continue;
      }
      find_coordinator_response::coordinator c;
      if (*version >= 4 && !response->coordinators.empty()) {
        c = response->coordinators.front();
      } else {
        c = {key,
             response->node_id,
             response->host,
             response->port,
             response->error_code,
             response->error_message,
             {}};
      }
      if (c.error_code == 0) {
        add({c.node_id, c.host, c.port});
        return c.node_id;
      }
      last = kafka_error_message(static_cast<rd_kafka_resp_err_t>(c.error_code), "");
      // COORDINATOR_LOAD_IN_PROGRESS (14), COORDINATOR_NOT_AVAILABLE (15), NOT_COORDINATOR (16).
      if (c.error_code != 14 && c.error_code != 15 && c.error_code != 16) {
        return fail(errc::broker, last);
      }
      break;  // the coordinator is on its way: wait, then ask again
    }
    if (d.remaining_ms() <= retry_backoff.count()) {
      return fail(errc::timed_out, fmt::format("Timed out waiting for the {} coordinator ({})",
                                               key_type == 0 ? "group" : "transaction", last));
    }
    std::this_thread::sleep_for(retry_backoff);
  }
}

}  // namespace sluice::cli
