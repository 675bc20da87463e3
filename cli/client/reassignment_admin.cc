// The Admin calls of kafka-reassign-partitions, over raw connections.
#include "cli/client/reassignment_admin.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "cli/client/kafka_exception.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/alter_replica_log_dirs.h"
#include "protocol/generated/describe_log_dirs.h"
#include "protocol/generated/incremental_alter_configs.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/generated/metadata.h"

namespace sluice::cli {
namespace {

using protocol::metadata_request;
using protocol::metadata_response;

constexpr int16_t not_controller = 41;
constexpr int16_t unsupported_version = 35;
constexpr int16_t kafka_storage_error = 56;
constexpr int8_t broker_resource = 4, topic_resource = 2;
constexpr auto retry_backoff = std::chrono::milliseconds(100);  // Kafka's retry.backoff.ms

// A call that failed without a broker error: Kafka's Admin would have timed it out.
failure<errc> timed_out(std::string_view call, const failure<errc>& why) {
  return fail(errc::timed_out, fmt::format("org.apache.kafka.common.errors.TimeoutException: "
                                           "Call(callName={}) failed: {}",
                                           call, why.message));
}

failure<errc> broker_failure(int16_t code, const std::optional<std::string>& message) {
  return fail(errc::broker, kafka_exception_text(code, message));
}

failure<errc> unsupported(std::string_view api) {
  return broker_failure(unsupported_version, fmt::format("The node does not support {}", api));
}

result<metadata_response> read_metadata(raw_connection& conn,
                                        const std::optional<std::set<std::string>>& topics,
                                        deadline d) {
  auto version = conn.pick_version(metadata_request::api_key, 4, 12);
  if (!version) return unsupported("METADATA");
  metadata_request request;
  request.allow_auto_topic_creation = false;
  request.topics.emplace();
  if (topics) {
    for (const std::string& t : *topics) request.topics->push_back({{}, t, {}});
  }
  auto response = conn.call<metadata_request, metadata_response>(request, *version, d);
  if (!response) return timed_out("describeTopics", response.error());
  return response;
}

}  // namespace

result<reassignment_admin> reassignment_admin::connect(const client_settings& settings,
                                                       deadline d) {
  auto conn = raw_connection::open_any(settings.brokers, settings.properties, d);
  if (!conn) return timed_out("describeCluster", conn.error());
  auto md = read_metadata(*conn, std::nullopt, d);
  if (!md) return std::move(md).error();
  std::vector<broker_info> brokers;
  std::vector<cluster_node> nodes;
  for (const auto& b : md->brokers) {
    brokers.push_back({b.node_id, b.host, b.port});
    nodes.push_back({b.node_id, b.rack});
  }
  reassignment_admin admin(broker_pool(std::move(brokers), settings.properties), std::move(nodes),
                           md->controller_id);
  return admin;
}

result<raw_connection*> reassignment_admin::any_broker(deadline d) {
  std::string last = "no broker is known";
  for (const cluster_node& n : nodes_) {
    auto conn = pool_.get(n.id, d);
    if (conn) return conn;
    last = conn.message();
  }
  return fail(errc::unreachable, last);
}

result<raw_connection*> reassignment_admin::broker(int32_t id, const char* call, deadline d) {
  if (pool_.find(id) == nullptr) {
    return fail(errc::timed_out,
                fmt::format("org.apache.kafka.common.errors.TimeoutException: Timed out waiting "
                            "for a node assignment. Call: {}",
                            call));
  }
  auto conn = pool_.get(id, d);
  if (!conn) return timed_out(call, conn.error());
  return conn;
}

result<void> reassignment_admin::refresh(deadline d) {
  auto conn = any_broker(d);
  if (!conn) return timed_out("fetchMetadata", conn.error());
  auto md = read_metadata(**conn, std::nullopt, d);
  if (!md) return std::move(md).error();
  nodes_.clear();
  for (const auto& b : md->brokers) {
    pool_.add({b.node_id, b.host, b.port});
    nodes_.push_back({b.node_id, b.rack});
  }
  controller_ = md->controller_id;
  return ok_v;
}

template <class Request, class Response>
result<Response> reassignment_admin::call_controller(const Request& request, const char* call,
                                                     deadline d) {
  for (;;) {
    auto conn = controller_ >= 0 ? broker(controller_, call, d) : any_broker(d);
    if (!conn) return std::move(conn).error();
    auto version = (*conn)->pick_version(Request::api_key, 0, 0);
    if (!version) {
      return unsupported(Request::api_key == 45 ? "ALTER_PARTITION_REASSIGNMENTS"
                                                : "LIST_PARTITION_REASSIGNMENTS");
    }
    auto response = (*conn)->template call<Request, Response>(request, *version, d);
    if (!response) {
      pool_.forget(controller_);
      return timed_out(call, response.error());
    }
    if (response->error_code != not_controller || d.expired()) return response;
    // The controller moved: learn the new one and ask it, as Kafka's Admin does.
    std::this_thread::sleep_for(retry_backoff);
    if (auto r = refresh(d); !r) return std::move(r).error();
  }
}

result<std::map<std::string, topic_replicas>> reassignment_admin::describe_topics(
    const std::set<std::string>& names, deadline d) {
  std::map<std::string, topic_replicas> out;
  if (names.empty()) return out;
  auto conn = any_broker(d);
  if (!conn) return timed_out("describeTopics", conn.error());
  auto md = read_metadata(**conn, names, d);
  if (!md) return std::move(md).error();
  for (const auto& t : md->topics) {
    topic_replicas& r = out[t.name.value_or("")];
    if (t.error_code != 0) {
      r.error = api_error{t.error_code, std::nullopt};
      continue;
    }
    for (const auto& p : t.partitions) r.partitions[p.partition_index] = p.replica_nodes;
  }
  return out;
}

result<std::map<topic_partition, partition_reassignment>> reassignment_admin::list_reassignments(
    const std::optional<std::set<topic_partition>>& partitions, deadline d) {
  using request_t = protocol::list_partition_reassignments_request;
  using response_t = protocol::list_partition_reassignments_response;
  request_t request;
  request.timeout_ms = d.remaining_ms();
  if (partitions) {
    request.topics.emplace();
    for (const topic_partition& tp : *partitions) {
      if (request.topics->empty() || request.topics->back().name != tp.topic)
        request.topics->push_back({tp.topic, {}, {}});
      request.topics->back().partition_indexes.push_back(tp.partition);
    }
  } else {
    request.topics.reset();  // null: every ongoing reassignment
  }
  auto response = call_controller<request_t, response_t>(request, "listPartitionReassignments", d);
  if (!response) return std::move(response).error();
  if (response->error_code != 0)
    return broker_failure(response->error_code, response->error_message);
  std::map<topic_partition, partition_reassignment> out;
  for (const auto& t : response->topics) {
    for (const auto& p : t.partitions) {
      out[{t.name, p.partition_index}] = {p.replicas, p.adding_replicas, p.removing_replicas};
    }
  }
  return out;
}

result<std::map<topic_partition, api_error>> reassignment_admin::alter_reassignments(
    const std::map<topic_partition, std::optional<std::vector<int32_t>>>& changes, deadline d) {
  using request_t = protocol::alter_partition_reassignments_request;
  using response_t = protocol::alter_partition_reassignments_response;
  std::map<topic_partition, api_error> failed;
  if (changes.empty()) return failed;
  request_t request;
  request.timeout_ms = d.remaining_ms();
  for (const auto& [tp, replicas] : changes) {
    if (request.topics.empty() || request.topics.back().name != tp.topic)
      request.topics.push_back({tp.topic, {}, {}});
    request.topics.back().partitions.push_back({tp.partition, replicas, {}});
  }
  auto response = call_controller<request_t, response_t>(request, "alterPartitionReassignments", d);
  if (!response) return std::move(response).error();
  for (const auto& [tp, replicas] : changes) {
    if (response->error_code != 0) {
      failed[tp] = {response->error_code, response->error_message};
      continue;
    }
    bool answered = false;
    for (const auto& t : response->responses) {
      if (t.name != tp.topic) continue;
      for (const auto& p : t.partitions) {
        if (p.partition_index != tp.partition) continue;
        answered = true;
        if (p.error_code != 0) failed[tp] = {p.error_code, p.error_message};
      }
    }
    if (!answered) {
      failed[tp] = {
          -1, fmt::format("The server did not return a response for partition {}", tp.to_string())};
    }
  }
  return failed;
}

result<void> reassignment_admin::alter_configs(const std::vector<config_change>& changes,
                                               deadline d) {
  using request_t = protocol::incremental_alter_configs_request;
  using response_t = protocol::incremental_alter_configs_response;
  // A broker's configs go to that broker; topic configs to any broker, in one request.
  std::map<int32_t, request_t> requests;  // by broker id; -1: any broker
  for (const config_change& c : changes) {
    const int32_t target = c.broker ? std::stoi(c.name) : -1;
    request_t::alter_configs_resource r;
    r.resource_type = c.broker ? broker_resource : topic_resource;
    r.resource_name = c.name;
    for (const auto& [key, value] : c.ops)
      r.configs.push_back({key, value ? int8_t{0} : int8_t{1}, value, {}});
    requests[target].resources.push_back(std::move(r));
  }
  for (auto& [target, request] : requests) {
    auto conn = target >= 0 ? broker(target, "incrementalAlterConfigs", d) : any_broker(d);
    if (!conn) {
      if (conn.code() == errc::timed_out) return std::move(conn).error();
      return timed_out("incrementalAlterConfigs", conn.error());
    }
    auto version = (*conn)->pick_version(request_t::api_key, 0, 1);
    if (!version) return unsupported("INCREMENTAL_ALTER_CONFIGS");
    auto response = (*conn)->call<request_t, response_t>(request, *version, d);
    if (!response) return timed_out("incrementalAlterConfigs", response.error());
    for (const auto& r : response->responses) {
      if (r.error_code != 0) return broker_failure(r.error_code, r.error_message);
    }
  }
  return ok_v;
}

result<std::map<topic_partition_replica, replica_log_dir_info>>
reassignment_admin::describe_replica_log_dirs(const std::set<topic_partition_replica>& replicas,
                                              deadline d) {
  using request_t = protocol::describe_log_dirs_request;
  using response_t = protocol::describe_log_dirs_response;
  std::map<topic_partition_replica, replica_log_dir_info> out;
  std::map<int32_t, std::set<topic_partition>> by_broker;
  for (const auto& r : replicas) by_broker[r.broker].insert(r.partition_of());
  for (const auto& [id, partitions] : by_broker) {
    auto conn = broker(id, "describeReplicaLogDirs", d);
    if (!conn) return std::move(conn).error();
    auto version = (*conn)->pick_version(request_t::api_key, 0, request_t::max_version);
    if (!version) return unsupported("DESCRIBE_LOG_DIRS");
    request_t request;
    for (const topic_partition& tp : partitions) {
      if (request.topics->empty() || request.topics->back().topic != tp.topic)
        request.topics->push_back({tp.topic, {}, {}});
      request.topics->back().partitions.push_back(tp.partition);
    }
    auto response = (*conn)->call<request_t, response_t>(request, *version, d);
    if (!response) return timed_out("describeReplicaLogDirs", response.error());
    if (response->error_code != 0) return broker_failure(response->error_code, std::nullopt);
    for (const topic_partition& tp : partitions) out[{id, tp.topic, tp.partition}] = {};
    for (const auto& dir : response->results) {
      if (dir.error_code == kafka_storage_error) continue;  // an offline directory lists nothing
      if (dir.error_code != 0) {
        return fail(
            errc::broker,
            fmt::format("java.lang.IllegalStateException: The error {} for log directory "
                        "{} in the response from broker {} is illegal",
                        kafka_exception_text(dir.error_code, std::nullopt), dir.log_dir, id));
      }
      for (const auto& t : dir.topics) {
        for (const auto& p : t.partitions) {
          auto it = out.find({id, t.name, p.partition_index});
          if (it == out.end()) continue;
          (p.is_future_key ? it->second.future : it->second.current) = dir.log_dir;
        }
      }
    }
  }
  return out;
}

result<std::map<topic_partition_replica, api_error>> reassignment_admin::alter_replica_log_dirs(
    const std::map<topic_partition_replica, std::string>& moves, deadline d) {
  using request_t = protocol::alter_replica_log_dirs_request;
  using response_t = protocol::alter_replica_log_dirs_response;
  std::map<topic_partition_replica, api_error> failed;
  std::map<int32_t, std::map<std::string, std::set<topic_partition>>> by_broker;
  for (const auto& [r, dir] : moves) by_broker[r.broker][dir].insert(r.partition_of());
  for (const auto& [id, dirs] : by_broker) {
    auto conn = broker(id, "alterReplicaLogDirs", d);
    if (!conn) return std::move(conn).error();
    auto version = (*conn)->pick_version(request_t::api_key, 0, request_t::max_version);
    if (!version) {
      // Kafka's Admin fails each replica's future with the node's UnsupportedVersionException.
      for (const auto& [dir, partitions] : dirs) {
        for (const topic_partition& tp : partitions) {
          failed[{id, tp.topic, tp.partition}] = {
              unsupported_version, "The node does not support ALTER_REPLICA_LOG_DIRS"};
        }
      }
      continue;
    }
    request_t request;
    for (const auto& [dir, partitions] : dirs) {
      auto& rd = request.dirs.emplace_back();
      rd.path = dir;
      for (const topic_partition& tp : partitions) {
        if (rd.topics.empty() || rd.topics.back().name != tp.topic)
          rd.topics.push_back({tp.topic, {}, {}});
        rd.topics.back().partitions.push_back(tp.partition);
      }
    }
    auto response = (*conn)->call<request_t, response_t>(request, *version, d);
    if (!response) return timed_out("alterReplicaLogDirs", response.error());
    for (const auto& t : response->results) {
      for (const auto& p : t.partitions) {
        if (p.error_code != 0) failed[{id, t.topic_name, p.partition_index}] = {p.error_code, {}};
      }
    }
  }
  return failed;
}

}  // namespace sluice::cli
