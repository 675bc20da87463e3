// The two fetch transports: over the network with net::broker_client (Fetch v12,
// OffsetForLeaderEpoch v4), and in process against another replica_manager (tests).
#include "replication/fetch_transport.h"

#include <future>
#include <map>
#include <mutex>

#include "net/broker_client.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::replication {

namespace {

std::optional<errc> from_kafka(int16_t code) {
  switch (code) {
    case 0:
      return std::nullopt;
    case 1:
      return errc::offset_out_of_range;
    case 2:
      return errc::corrupt_message;
    case 3:
      return errc::unknown_topic_or_partition;
    case 6:
      return errc::not_leader;
    case 7:
      return errc::request_timed_out;
    case 56:
      return errc::storage_error;
    case 74:
      return errc::fenced_leader_epoch;
    case 75:
      return errc::unknown_leader_epoch;
    case 100:
      return errc::unknown_topic_id;
    default:
      return errc::unknown;
  }
}

class network_fetch_transport final : public fetch_transport {
 public:
  network_fetch_transport(int32_t self_id, int32_t leader_id, int32_t fetcher_index,
                          broker_locator locate, int32_t socket_timeout_ms,
                          int32_t fetch_wait_max_ms, net::client_security security)
      : self_id_(self_id),
        leader_id_(leader_id),
        fetcher_index_(fetcher_index),
        locate_(std::move(locate)),
        socket_timeout_ms_(socket_timeout_ms),
        fetch_wait_max_ms_(fetch_wait_max_ms),
        security_(std::move(security)) {}

  result<fetch_reply> fetch(const fetch_request_params& params) override {
    protocol::fetch_request req;
    req.replica_id = params.replica_id;
    req.max_wait_ms = params.max_wait_ms;
    req.min_bytes = params.min_bytes;
    req.max_bytes = params.max_bytes;
    req.isolation_level = 0;
    req.session_id = 0;
    req.session_epoch = -1;  // a full fetch, no session
    std::map<std::string, size_t> topic_index;
    for (const auto& p : params.partitions) {
      auto [it, added] = topic_index.emplace(p.topic, req.topics.size());
      if (added) req.topics.emplace_back().topic = p.topic;
      auto& part = req.topics[it->second].partitions.emplace_back();
      part.partition = p.partition;
      part.current_leader_epoch = p.current_leader_epoch;
      part.fetch_offset = p.fetch_offset;
      part.last_fetched_epoch = p.last_fetched_epoch;
      part.log_start_offset = p.log_start_offset;
      part.partition_max_bytes = p.max_bytes;
    }
    auto c = client();
    if (!c) return std::move(c).error();
    auto answer = (*c)->call<protocol::fetch_response>(req, replica_fetch_version);
    if (!answer) return dropped(*c, answer.message());
    auto owned =
        std::make_shared<net::broker_client::answer<protocol::fetch_response>>(std::move(*answer));
    if (owned->body.error_code != 0)
      return fail(from_kafka(owned->body.error_code).value_or(errc::unknown),
                  "fetch refused with error " + std::to_string(owned->body.error_code));

    std::map<std::pair<std::string, int32_t>,
             const protocol::fetch_response::fetchable_topic_response::partition_data*>
        by_partition;
    for (const auto& t : owned->body.responses)
      for (const auto& p : t.partitions) by_partition[{t.topic, p.partition_index}] = &p;
    fetch_reply reply;
    for (const auto& p : params.partitions) {
      auto& out = reply.partitions.emplace_back();
      auto it = by_partition.find({p.topic, p.partition});
      if (it == by_partition.end()) {
        out.error = errc::unknown_topic_or_partition;
        continue;
      }
      const auto& d = *it->second;
      out.error = from_kafka(d.error_code);
      out.high_watermark = d.high_watermark;
      out.log_start_offset = d.log_start_offset;
      out.diverging_epoch = d.diverging_epoch.epoch;
      out.diverging_end_offset = d.diverging_epoch.end_offset;
      if (!d.records.is_null()) out.records = d.records.data();
    }
    reply.keep_alive = std::move(owned);
    return reply;
  }

  result<std::vector<epoch_answer>> end_offsets_for_epochs(
      int32_t replica_id, const std::vector<epoch_query>& queries) override {
    protocol::offset_for_leader_epoch_request req;
    req.replica_id = replica_id;
    std::map<std::string, size_t> topic_index;
    for (const auto& q : queries) {
      auto [it, added] = topic_index.emplace(q.topic, req.topics.size());
      if (added) req.topics.emplace_back().topic = q.topic;
      auto& part = req.topics[it->second].partitions.emplace_back();
      part.partition = q.partition;
      part.current_leader_epoch = q.current_leader_epoch;
      part.leader_epoch = q.leader_epoch;
    }
    auto c = client();
    if (!c) return std::move(c).error();
    auto answer = (*c)->call<protocol::offset_for_leader_epoch_response>(
        req, offset_for_leader_epoch_version);
    if (!answer) return dropped(*c, answer.message());
    std::map<std::pair<std::string, int32_t>, epoch_answer> by_partition;
    for (const auto& t : answer->body.topics)
      for (const auto& p : t.partitions)
        by_partition[{t.topic, p.partition}] =
            epoch_answer{from_kafka(p.error_code), p.leader_epoch, p.end_offset};
    std::vector<epoch_answer> out;
    for (const auto& q : queries) {
      auto it = by_partition.find({q.topic, q.partition});
      out.push_back(it == by_partition.end() ? epoch_answer{errc::unknown_topic_or_partition}
                                             : it->second);
    }
    return out;
  }

  void close() override {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (client_) client_->close();
  }

 private:
  result<std::shared_ptr<net::broker_client>> client() {
    std::lock_guard lock(mutex_);
    if (closed_) return fail(errc::unknown, "fetcher stopped");
    if (client_) return client_;
    auto endpoint = locate_ ? locate_(leader_id_) : std::nullopt;
    if (!endpoint)
      return fail(errc::not_leader, "no endpoint known for broker " + std::to_string(leader_id_));
    net::broker_client_options o;
    o.host = endpoint->host;
    o.port = static_cast<uint16_t>(endpoint->port);
    o.client_id = "broker-" + std::to_string(self_id_) + "-fetcher-" +
                  std::to_string(fetcher_index_) + "-from-" + std::to_string(leader_id_);
    o.connect_timeout = std::chrono::milliseconds(socket_timeout_ms_);
    o.request_timeout = std::chrono::milliseconds(socket_timeout_ms_ + fetch_wait_max_ms_);
    o.security = security_;
    client_ = std::make_shared<net::broker_client>(std::move(o));
    return client_;
  }

  // The connection failed: the next call finds the leader's endpoint again.
  failure<errc> dropped(const std::shared_ptr<net::broker_client>& c, std::string message) {
    std::lock_guard lock(mutex_);
    if (client_ == c) client_.reset();
    return fail(errc::request_timed_out, "broker " + std::to_string(leader_id_) + ": " + message);
  }

  const int32_t self_id_;
  const int32_t leader_id_;
  const int32_t fetcher_index_;
  broker_locator locate_;
  const int32_t socket_timeout_ms_;
  const int32_t fetch_wait_max_ms_;
  const net::client_security security_;
  std::mutex mutex_;
  bool closed_ = false;
  std::shared_ptr<net::broker_client> client_;
};

class local_fetch_transport final : public fetch_transport {
 public:
  explicit local_fetch_transport(replica_manager& leader) : leader_(leader) {}

  result<fetch_reply> fetch(const fetch_request_params& params) override {
    if (closed_) return fail(errc::unknown, "fetcher stopped");
    auto done = std::make_shared<std::promise<fetch_reply>>();
    auto future = done->get_future();
    leader_.fetch(params, [done](std::vector<fetch_partition_result> results) {
      fetch_reply reply;
      auto buffers = std::make_shared<std::vector<protocol::bytes>>();
      buffers->reserve(results.size());
      for (auto& r : results) {
        auto& out = reply.partitions.emplace_back();
        out.error = r.error;
        out.high_watermark = r.high_watermark;
        out.log_start_offset = r.log_start_offset;
        out.diverging_epoch = r.diverging_epoch;
        out.diverging_end_offset = r.diverging_end_offset;
        auto& bytes = buffers->emplace_back();
        if (!r.records.is_null()) {
          protocol::writer w;
          w.write_records(r.records, false);
          if (auto flat = w.flatten(); flat && flat->size() > 4)
            bytes.assign(flat->begin() + 4, flat->end());  // drop the length prefix
        }
        out.records = std::span<const uint8_t>(bytes);
      }
      reply.keep_alive = buffers;
      done->set_value(std::move(reply));
    });
    if (future.wait_for(std::chrono::milliseconds(params.max_wait_ms) + std::chrono::seconds(10)) !=
        std::future_status::ready)
      return fail(errc::request_timed_out, "the local leader did not answer");
    return future.get();
  }

  result<std::vector<epoch_answer>> end_offsets_for_epochs(
      int32_t /*replica_id*/, const std::vector<epoch_query>& queries) override {
    if (closed_) return fail(errc::unknown, "fetcher stopped");
    std::vector<epoch_answer> out;
    for (const auto& q : queries) {
      auto r = leader_.end_offset_for_epoch(q.topic, q.partition, q.current_leader_epoch,
                                            q.leader_epoch);
      if (r) {
        out.push_back({std::nullopt, r->leader_epoch, r->end_offset});
      } else {
        out.push_back({r.code()});
      }
    }
    return out;
  }

  void close() override { closed_ = true; }

 private:
  replica_manager& leader_;
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<fetch_transport> make_network_fetch_transport(
    int32_t self_id, int32_t leader_id, int32_t fetcher_index, broker_locator locate,
    int32_t socket_timeout_ms, int32_t fetch_wait_max_ms, net::client_security security) {
  return std::make_unique<network_fetch_transport>(self_id, leader_id, fetcher_index,
                                                   std::move(locate), socket_timeout_ms,
                                                   fetch_wait_max_ms, std::move(security));
}

std::unique_ptr<fetch_transport> make_local_fetch_transport(replica_manager& leader) {
  return std::make_unique<local_fetch_transport>(leader);
}

}  // namespace sluice::replication
