// The network fetch transport end to end: a follower replica_manager fetching over TCP
// (net::broker_client, Fetch v12 and OffsetForLeaderEpoch v4) from a small server in the test that
// decodes those requests and answers them from the leader's replica_manager, as the broker's
// handlers do. Checks the wire shapes the lead's handlers must serve.
#include <gtest/gtest.h>

#include "../support/frame_server.h"
#include "cluster_fixture.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/headers.h"
#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::replication::test {
namespace {

int16_t to_code(const std::optional<errc>& e) {
  if (!e) return 0;
  switch (*e) {
    case errc::offset_out_of_range:
      return 1;
    case errc::unknown_topic_or_partition:
      return 3;
    case errc::not_leader:
      return 6;
    case errc::fenced_leader_epoch:
      return 74;
    case errc::unknown_leader_epoch:
      return 75;
    default:
      return -1;
  }
}

// Serves Fetch and OffsetForLeaderEpoch from `leader`, one connection at a time; a request it
// cannot answer closes the connection.
class leader_server {
 public:
  explicit leader_server(replica_manager& leader)
      : leader_(leader),
        server_(
            [this](const protocol::bytes& frame) -> std::optional<protocol::bytes> {
              auto reply = answer(frame);
              if (reply.empty()) return std::nullopt;
              return reply;
            },
            /*close_when_silent=*/true) {}
  uint16_t port() const { return server_.port(); }
  std::vector<int16_t> api_versions_seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::vector<int32_t> replica_ids_seen() {
    std::lock_guard lock(mu_);
    return replica_ids_;
  }

 private:
  protocol::bytes answer(const protocol::bytes& frame) {
    protocol::reader peek(frame);
    int16_t key = peek.read_int16();
    int16_t version = peek.read_int16();
    protocol::reader r(frame);
    protocol::request_header h;
    if (!h.decode(r, protocol::request_header_version(key, version))) return {};
    {
      std::lock_guard lock(mu_);
      seen_.push_back(static_cast<int16_t>(key * 100 + version));
    }
    protocol::writer w;
    w.write_int32(0);
    protocol::response_header rh;
    rh.correlation_id = h.correlation_id;
    (void)rh.encode(w, protocol::response_header_version(key, version));
    if (key == protocol::fetch_request::api_key) {
      protocol::fetch_request req;
      if (!req.decode(r, version)) return {};
      {
        std::lock_guard lock(mu_);
        replica_ids_.push_back(req.replica_id);
      }
      fetch_request_params params;
      params.replica_id = req.replica_id;
      params.max_wait_ms = req.max_wait_ms;
      params.min_bytes = req.min_bytes;
      params.max_bytes = req.max_bytes;
      for (const auto& t : req.topics)
        for (const auto& p : t.partitions)
          params.partitions.push_back({t.topic,
                                       {},
                                       p.partition,
                                       p.fetch_offset,
                                       p.partition_max_bytes,
                                       p.current_leader_epoch,
                                       p.last_fetched_epoch,
                                       p.log_start_offset});
      std::promise<std::vector<fetch_partition_result>> done;
      auto fut = done.get_future();
      leader_.fetch(params, [&](std::vector<fetch_partition_result> results) {
        done.set_value(std::move(results));
      });
      auto results = fut.get();
      protocol::fetch_response resp;
      size_t i = 0;
      for (const auto& t : req.topics) {
        auto& tout = resp.responses.emplace_back();
        tout.topic = t.topic;
        for (const auto& p : t.partitions) {
          auto& res = results[i++];
          auto& out = tout.partitions.emplace_back();
          out.partition_index = p.partition;
          out.error_code = to_code(res.error);
          out.high_watermark = res.high_watermark;
          out.last_stable_offset = res.last_stable_offset;
          out.log_start_offset = res.log_start_offset;
          out.records = res.records.is_null() ? protocol::records::view({}) : res.records;
          if (res.diverging_epoch >= 0) {
            out.diverging_epoch.epoch = res.diverging_epoch;
            out.diverging_epoch.end_offset = res.diverging_end_offset;
          }
        }
      }
      (void)resp.encode(w, version);
    } else if (key == protocol::offset_for_leader_epoch_request::api_key) {
      protocol::offset_for_leader_epoch_request req;
      if (!req.decode(r, version)) return {};
      protocol::offset_for_leader_epoch_response resp;
      for (const auto& t : req.topics) {
        auto& tout = resp.topics.emplace_back();
        tout.topic = t.topic;
        for (const auto& p : t.partitions) {
          auto& out = tout.partitions.emplace_back();
          out.partition = p.partition;
          auto end = leader_.end_offset_for_epoch(t.topic, p.partition, p.current_leader_epoch,
                                                  p.leader_epoch);
          if (end) {
            out.leader_epoch = end->leader_epoch;
            out.end_offset = end->end_offset;
          } else {
            out.error_code = to_code(end.code());
          }
        }
      }
      (void)resp.encode(w, version);
    } else {
      return {};
    }
    auto flat = w.flatten();
    if (!flat) return {};
    auto out = std::move(*flat);
    uint32_t size = static_cast<uint32_t>(out.size() - 4);
    for (int k = 0; k < 4; ++k)
      out[static_cast<size_t>(k)] = static_cast<uint8_t>(size >> (24 - 8 * k));
    return out;
  }

  replica_manager& leader_;
  std::mutex mu_;
  std::vector<int16_t> seen_;
  std::vector<int32_t> replica_ids_;
  ::sluice::test::frame_server server_;  // last: its thread stops before the members it uses go
};

TEST(network_fetch_transport, a_follower_truncates_and_catches_up_over_tcp) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  // Broker 1 leads epoch 0; broker 2 follows it in process, then is cut off while broker 1
  // takes a write nobody else sees; broker 2 leads epoch 1.
  auto led = c.elect("t", 0, 1, 0, {1}, {1, 2}, {1});
  ASSERT_FALSE(led.at(0).error);
  ASSERT_FALSE(c.produce(1, "t", 0, {"a", "b"}, 1).error);
  c.elect("t", 0, 1, 0, {1}, {1, 2}, {2});
  ASSERT_TRUE(c.eventually([&] { return c.view(2, "t", 0).log_end_offset == 2; }));
  c.at(2).gate->store(false);
  std::this_thread::sleep_for(200ms);
  ASSERT_FALSE(c.produce(1, "t", 0, {"lost"}, 1).error);
  c.elect("t", 0, 2, 1, {2}, {1, 2}, {2});
  ASSERT_FALSE(c.produce(2, "t", 0, {"c", "d"}, 1).error);

  // Broker 1 restarts, this time fetching over TCP from broker 2.
  leader_server server(c.rm(2));
  c.at(1).rm->shutdown();
  auto& b = c.at(1);
  b.rm.reset();
  auto o = c.options_for(1, b.gate);
  o.make_fetch_transport = nullptr;  // the network transport
  o.locate_broker = [port = server.port()](int32_t id) -> std::optional<cluster::broker_endpoint> {
    if (id != 2) return std::nullopt;
    return cluster::broker_endpoint{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", port};
  };
  b.rm = std::make_unique<replica_manager>(std::move(o), *b.logs, c.metadata);
  auto followed = c.elect("t", 0, 2, 1, {2}, {1, 2}, {1});
  ASSERT_FALSE(followed.at(0).error);
  ASSERT_TRUE(c.eventually([&] { return c.values(1, "t", 0).size() == 4; }));
  EXPECT_EQ(c.values(1, "t", 0), (std::vector<std::string>{"a", "b", "c", "d"}));
  ASSERT_TRUE(c.eventually([&] { return c.view(1, "t", 0).high_watermark == 4; }));

  auto seen = server.api_versions_seen();
  EXPECT_NE(std::find(seen.begin(), seen.end(), 23 * 100 + 4),
            seen.end());  // OffsetForLeaderEpoch v4
  EXPECT_NE(std::find(seen.begin(), seen.end(), 1 * 100 + 12), seen.end());  // Fetch v12
  for (int32_t id : server.replica_ids_seen()) EXPECT_EQ(id, 1);
}

}  // namespace
}  // namespace sluice::replication::test
