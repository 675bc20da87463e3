// The transaction requests of Kafka's Admin client over raw connections.
#include "cli/client/txn_admin.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "protocol/generated/describe_producers.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/list_transactions.h"
#include "protocol/generated/write_txn_markers.h"

namespace sluice::cli {
namespace {

// Kafka's error codes the transaction requests answer with.
constexpr int16_t unknown_topic_or_partition = 3;
constexpr int16_t leader_not_available = 5;
constexpr int16_t not_leader_or_follower = 6;
constexpr int16_t coordinator_load_in_progress = 14;
constexpr int16_t coordinator_not_available = 15;
constexpr int16_t not_coordinator = 16;
constexpr int16_t invalid_producer_epoch = 47;
constexpr int16_t transaction_coordinator_fenced = 52;
constexpr int16_t transactional_id_not_found = 105;

constexpr auto retry_backoff = std::chrono::milliseconds(100);  // Kafka's retry.backoff.ms

// The default message of Kafka's exception for an error code.
std::string kafka_error_text(int16_t code) {
  switch (code) {
    case -1:
      return "The server experienced an unexpected error when processing the request.";
    case leader_not_available:
      return "There is no leader for this topic-partition as we are in the middle of a leadership "
             "election.";
    case not_leader_or_follower:
      return "For requests intended only for the leader, this error indicates that the broker is "
             "not the current leader. For requests intended for any replica, this error indicates "
             "that the broker is not a replica of the topic partition.";
    case coordinator_load_in_progress:
      return "The coordinator is loading and hence can't process requests.";
    case coordinator_not_available:
      return "The coordinator is not available.";
    case not_coordinator:
      return "This is not the correct coordinator.";
    case invalid_producer_epoch:
      return "Producer attempted to produce with an old epoch.";
    case 48:
      return "The producer attempted a transactional operation in an invalid state.";
    case transaction_coordinator_fenced:
      return "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the "
             "current coordinator for a given producer.";
    case transactional_id_not_found:
      return "The transactionalId could not be found.";
    default:
      return kafka_error_message(static_cast<rd_kafka_resp_err_t>(code), "");
  }
}

// Waits before a retry; false when the deadline leaves no time for one.
bool backoff(deadline d) {
  if (d.remaining_ms() <= retry_backoff.count()) return false;
  std::this_thread::sleep_for(retry_backoff);
  return true;
}

failure<errc> timed_out(std::string_view what, std::string_view last) {
  return fail(errc::timed_out, fmt::format("Timed out waiting for {} ({})", what, last));
}

}  // namespace

std::string abort_spec::to_string() const {
  return fmt::format(
      "AbortTransactionSpec(topicPartition={}, producerId={}, producerEpoch={}, "
      "coordinatorEpoch={})",
      partition.to_string(), producer_id, producer_epoch, coordinator_epoch);
}

txn_admin::txn_admin(cluster_metadata metadata, const property_map& settings, deadline d)
    : metadata_(std::move(metadata)), pool_(metadata_.brokers, settings), deadline_(d) {}

template <class Request, class Response>
result<Response> txn_admin::send(int32_t broker, const Request& request, int16_t min_version) {
  auto conn = pool_.get(broker, deadline_);
  if (!conn) return std::move(conn).error();
  auto version = (*conn)->pick_version(Request::api_key, min_version, Request::max_version);
  if (!version) {
    return fail(errc::unsupported,
                fmt::format("Broker {} does not support the request (API key {}, version {}+)",
                            broker, Request::api_key, min_version));
  }
  auto response = (*conn)->template call<Request, Response>(request, *version, deadline_);
  if (!response) pool_.forget(broker);
  return response;
}

result<int32_t> txn_admin::leader_of(const topic_partition& tp) const {
  const topic_info* t = metadata_.find(tp.topic);
  if (t != nullptr) {
    for (const partition_info& p : t->partitions) {
      if (p.id != tp.partition) continue;
      if (p.leader < 0) return fail(errc::broker, kafka_error_text(leader_not_available));
      return p.leader;
    }
  }
  return fail(errc::not_found, kafka_error_text(unknown_topic_or_partition));
}

result<std::vector<txn_listing>> txn_admin::list(const list_filter& filter) {
  using protocol::list_transactions_request;
  using protocol::list_transactions_response;
  list_transactions_request request;
  request.state_filters = filter.states;
  request.producer_id_filters = filter.producer_ids;
  request.duration_filter = filter.duration_ms;
  int16_t min_version = filter.duration_ms >= 0 ? 1 : 0;
  std::vector<txn_listing> out;
  for (const broker_info& b : pool_.brokers()) {
    for (;;) {
      auto response =
          send<list_transactions_request, list_transactions_response>(b.id, request, min_version);
      if (!response && response.code() == errc::unsupported && min_version == 1) {
        return fail(errc::unsupported,
                    "Duration filter can be set only when using API version 1 or higher. If "
                    "client is connected to an older broker, do not specify duration filter or "
                    "set duration filter to -1.");
      }
      if (!response) return std::move(response).error();
      if (response->error_code == coordinator_load_in_progress) {
        if (!backoff(deadline_)) {
          return timed_out("ListTransactions", kafka_error_text(response->error_code));
        }
        continue;
      }
      if (response->error_code == coordinator_not_available) {
        return fail(errc::broker, fmt::format("ListTransactions request sent to broker {} failed "
                                              "because the coordinator is shutting down",
                                              b.id));
      }
      if (response->error_code != 0) {
        return fail(errc::broker, fmt::format("ListTransactions request sent to broker {} failed "
                                              "with an unexpected exception",
                                              b.id));
      }
      for (const auto& s : response->transaction_states) {
        out.push_back({b.id, s.transactional_id, s.producer_id, s.transaction_state});
      }
      break;
    }
  }
  return out;
}

result<int32_t> txn_admin::find_coordinator(const std::string& transactional_id) {
  return pool_.find_coordinator(1, transactional_id, deadline_);
}

result<txn_description> txn_admin::describe(const std::string& transactional_id) {
  using protocol::describe_transactions_request;
  using protocol::describe_transactions_response;
  for (;;) {
    auto coordinator = find_coordinator(transactional_id);
    if (!coordinator) return std::move(coordinator).error();
    describe_transactions_request request;
    request.transactional_ids = {transactional_id};
    auto response = send<describe_transactions_request, describe_transactions_response>(
        *coordinator, request, 0);
    if (!response) return std::move(response).error();
    if (response->transaction_states.size() != 1) {
      return fail(errc::broker, "DescribeTransactions response has no answer for the id");
    }
    const auto& s = response->transaction_states.front();
    switch (s.error_code) {
      case 0:
        break;
      case transactional_id_not_found:
        return fail(errc::not_found,
                    fmt::format("DescribeTransactions request for transactionalId `{}` failed "
                                "because the ID could not be found",
                                transactional_id));
      case coordinator_load_in_progress:
      case not_coordinator:
      case coordinator_not_available:
        if (!backoff(deadline_))
          return timed_out("DescribeTransactions", kafka_error_text(s.error_code));
        continue;
      default:
        return fail(errc::broker,
                    fmt::format("DescribeTransactions request for transactionalId `{}` failed due "
                                "to unexpected error",
                                transactional_id));
    }
    txn_description d;
    d.coordinator_id = *coordinator;
    d.transactional_id = transactional_id;
    d.producer_id = s.producer_id;
    d.producer_epoch = s.producer_epoch;
    d.state = s.transaction_state;
    d.timeout_ms = s.transaction_timeout_ms;
    if (s.transaction_start_time_ms >= 0) d.start_time_ms = s.transaction_start_time_ms;
    for (const auto& t : s.topics) {
      for (int32_t p : t.partitions) d.partitions.push_back({t.topic, p});
    }
    std::sort(d.partitions.begin(), d.partitions.end());
    return d;
  }
}

result<std::vector<partition_producers>> txn_admin::describe_producers(
    const std::vector<topic_partition>& partitions, std::optional<int32_t> broker_id) {
  using protocol::describe_producers_request;
  using protocol::describe_producers_response;
  // One request per broker, partitions grouped by topic.
  std::map<int32_t, describe_producers_request> by_broker;
  for (const topic_partition& tp : partitions) {
    int32_t target = 0;
    if (broker_id) {
      target = *broker_id;
    } else {
      auto leader = leader_of(tp);
      if (!leader) return std::move(leader).error();
      target = *leader;
    }
    auto& topics = by_broker[target].topics;
    auto it = std::find_if(topics.begin(), topics.end(),
                           [&](const auto& t) { return t.name == tp.topic; });
    if (it == topics.end()) it = topics.insert(topics.end(), {tp.topic, {}, {}});
    it->partition_indexes.push_back(tp.partition);
  }
  std::map<topic_partition, partition_producers> found;
  for (const auto& [broker, request] : by_broker) {
    auto response =
        send<describe_producers_request, describe_producers_response>(broker, request, 0);
    if (!response) return std::move(response).error();
    for (const auto& t : response->topics) {
      for (const auto& p : t.partitions) {
        topic_partition tp{t.name, p.partition_index};
        if (p.error_code == not_leader_or_follower && broker_id) {
          return fail(errc::broker, fmt::format("Failed to describe active producers for "
                                                "partition {} on brokerId {}",
                                                tp.to_string(), *broker_id));
        }
        if (p.error_code == unknown_topic_or_partition || p.error_code == not_leader_or_follower) {
          return fail(errc::broker, kafka_error_text(p.error_code));
        }
        if (p.error_code != 0) {
          return fail(errc::broker, fmt::format("Failed to describe active producers for "
                                                "partition {} due to unexpected error",
                                                tp.to_string()));
        }
        partition_producers& out = found[tp];
        out.partition = tp;
        for (const auto& s : p.active_producers) {
          producer_state ps;
          ps.producer_id = s.producer_id;
          ps.producer_epoch = s.producer_epoch;
          ps.last_sequence = s.last_sequence;
          ps.last_timestamp = s.last_timestamp;
          if (s.coordinator_epoch >= 0) ps.coordinator_epoch = s.coordinator_epoch;
          if (s.current_txn_start_offset >= 0) ps.txn_start_offset = s.current_txn_start_offset;
          out.producers.push_back(ps);
        }
      }
    }
  }
  std::vector<partition_producers> out;
  for (const topic_partition& tp : partitions) {
    auto it = found.find(tp);
    if (it == found.end()) {
      return fail(errc::broker,
                  fmt::format("DescribeProducers response has no answer for {}", tp.to_string()));
    }
    out.push_back(it->second);
  }
  return out;
}

result<void> txn_admin::abort(const abort_spec& spec) {
  using protocol::write_txn_markers_request;
  using protocol::write_txn_markers_response;
  auto leader = leader_of(spec.partition);
  if (!leader) return std::move(leader).error();
  write_txn_markers_request request;
  auto& marker = request.markers.emplace_back();
  marker.producer_id = spec.producer_id;
  marker.producer_epoch = spec.producer_epoch;
  marker.transaction_result = false;  // ABORT
  marker.coordinator_epoch = spec.coordinator_epoch;
  marker.topics.push_back({spec.partition.topic, {spec.partition.partition}, {}});
  auto response = send<write_txn_markers_request, write_txn_markers_response>(*leader, request, 0);
  if (!response) return std::move(response).error();
  if (response->markers.size() != 1 || response->markers[0].producer_id != spec.producer_id ||
      response->markers[0].topics.size() != 1 ||
      response->markers[0].topics[0].partitions.size() != 1) {
    return fail(errc::broker, fmt::format("WriteTxnMarkers response does not answer {}",
                                          spec.partition.to_string()));
  }
  int16_t code = response->markers[0].topics[0].partitions[0].error_code;
  switch (code) {
    case 0:
      return ok_v;
    case invalid_producer_epoch:
      return fail(errc::broker, fmt::format("WriteTxnMarkers request with {} failed due an invalid "
                                            "producer epoch",
                                            spec.to_string()));
    case transaction_coordinator_fenced:
      return fail(errc::broker,
                  fmt::format("WriteTxnMarkers request with {} failed since the provided "
                              "coordinator epoch {} has been fenced by the active coordinator",
                              spec.to_string(), spec.coordinator_epoch));
    case unknown_topic_or_partition:
    case not_leader_or_follower:
      return fail(errc::broker, kafka_error_text(code));
    default:
      return fail(errc::broker,
                  fmt::format("WriteTxnMarkers request with {} failed due to unexpected error: {}",
                              spec.to_string(), kafka_error_text(code)));
  }
}

}  // namespace sluice::cli
