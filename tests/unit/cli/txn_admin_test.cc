// Tests of the transaction admin requests (cli/client/txn_admin.h) against a scripted in-test
// broker speaking Sluice's codec: the answers a real broker rarely gives (a coordinator still
// loading, a fenced marker, a replica that is not the leader) and Kafka's wording of each.
#include "cli/client/txn_admin.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <thread>

#include "protocol/generated/describe_producers.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/list_transactions.h"
#include "protocol/generated/write_txn_markers.h"

namespace sluice::cli {
namespace {

using namespace sluice::protocol;

bool read_exact(int fd, uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

// Serves one connection: ApiVersions, then each request by its API key with a test's handler
// (which decodes the request at `version` and encodes the answer into `body`).
class scripted_broker {
 public:
  using handler = std::function<void(int16_t version, reader& request, writer& body)>;

  explicit scripted_broker(std::map<int16_t, handler> handlers) : handlers_(std::move(handlers)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_broker() {
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }

  // Metadata naming this broker as 1, leader of t-0 and t-1.
  cluster_metadata metadata() const {
    cluster_metadata md;
    md.brokers = {{1, "127.0.0.1", port_}};
    md.topics = {{"t", RD_KAFKA_RESP_ERR_NO_ERROR, {{0, 1, {1}, {1}}, {1, 1, {1}, {1}}}}};
    return md;
  }

 private:
  void serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    for (;;) {
      uint8_t size_bytes[4];
      if (!read_exact(fd, size_bytes, 4)) break;
      reader sr(size_bytes);
      std::vector<uint8_t> frame(static_cast<size_t>(sr.read_int32()));
      if (!read_exact(fd, frame.data(), frame.size())) break;
      reader peek(frame);
      int16_t key = peek.read_int16();
      int16_t version = peek.read_int16();
      reader r(frame);
      request_header h;
      (void)h.decode(r, request_header_version(key, version));
      writer body;
      if (key == api_versions_request::api_key) {
        api_versions_response resp;
        resp.api_keys = {
            {10, 0, 4, {}}, {27, 0, 1, {}}, {61, 0, 0, {}}, {65, 0, 0, {}}, {66, 0, 1, {}}};
        (void)resp.encode(body, version);
      } else if (auto it = handlers_.find(key); it != handlers_.end()) {
        it->second(version, r, body);
      } else {
        break;
      }
      writer out;
      out.write_int32(0);
      response_header rh;
      rh.correlation_id = h.correlation_id;
      (void)rh.encode(out, response_header_version(key, version));
      out.write_raw(body.buffer());
      out.patch_int32(0, static_cast<int32_t>(out.size() - 4));
      ::send(fd, out.buffer().data(), out.buffer().size(), MSG_NOSIGNAL);
    }
    ::close(fd);
  }
  std::map<int16_t, handler> handlers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

deadline soon() {
  return deadline::after(std::chrono::seconds(10));
}

// FindCoordinator: this broker coordinates every id.
scripted_broker::handler coordinator_here(const std::atomic<int>& port) {
  return [&port](int16_t v, reader& r, writer& w) {
    find_coordinator_request req;
    (void)req.decode(r, v);
    EXPECT_EQ(req.key_type, 1);
    find_coordinator_response resp;
    resp.coordinators = {{req.coordinator_keys.at(0), 1, "127.0.0.1", port.load(), 0, {}, {}}};
    (void)resp.encode(w, v);
  };
}

TEST(TxnAdmin, DescribeWaitsForALoadingCoordinator) {
  std::atomic<int> port = 0;
  int calls = 0;
  scripted_broker broker(
      {{find_coordinator_request::api_key, coordinator_here(port)},
       {describe_transactions_request::api_key, [&](int16_t v, reader& r, writer& w) {
          describe_transactions_request req;
          (void)req.decode(r, v);
          describe_transactions_response resp;
          auto& s = resp.transaction_states.emplace_back();
          s.transactional_id = req.transactional_ids.at(0);
          s.error_code = ++calls == 1 ? 14 : 0;  // COORDINATOR_LOAD_IN_PROGRESS, then the state
          s.transaction_state = "Empty";
          s.transaction_timeout_ms = 60000;
          s.transaction_start_time_ms = -1;
          s.producer_id = 9;
          s.producer_epoch = 2;
          s.topics = {{"b", {1}, {}}, {"a", {3, 0}, {}}};
          (void)resp.encode(w, v);
        }}});
  port = broker.port();
  txn_admin admin(broker.metadata(), {}, soon());
  auto d = admin.describe("tx");
  ASSERT_TRUE(d) << d.message();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(d->coordinator_id, 1);
  EXPECT_EQ(d->state, "Empty");
  EXPECT_EQ(d->producer_epoch, 2);
  EXPECT_FALSE(d->start_time_ms);  // -1 on the wire: no transaction open
  EXPECT_EQ(d->partitions, (std::vector<topic_partition>{{"a", 0}, {"a", 3}, {"b", 1}}));  // sorted
}

TEST(TxnAdmin, ListRetriesLoadingAndNamesAShuttingDownCoordinator) {
  int calls = 0;
  scripted_broker broker(
      {{list_transactions_request::api_key, [&](int16_t v, reader& r, writer& w) {
          list_transactions_request req;
          (void)req.decode(r, v);
          EXPECT_EQ(v, 1);  // the duration filter needs v1
          EXPECT_EQ(req.duration_filter, 5000);
          EXPECT_EQ(req.producer_id_filters, (std::vector<int64_t>{7}));
          list_transactions_response resp;
          resp.error_code = ++calls == 1 ? 14 : calls == 2 ? 0 : 15;
          resp.transaction_states = {{"tx", 7, "Ongoing", {}}};
          (void)resp.encode(w, v);
        }}});
  txn_admin admin(broker.metadata(), {}, soon());
  list_filter filter{{}, {7}, 5000};
  auto l = admin.list(filter);
  ASSERT_TRUE(l) << l.message();
  ASSERT_EQ(l->size(), 1u);
  EXPECT_EQ(l->front().coordinator, 1);
  EXPECT_EQ(l->front().transactional_id, "tx");
  auto down = admin.list(filter);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.message(),
            "ListTransactions request sent to broker 1 failed because the coordinator is "
            "shutting down");
}

TEST(TxnAdmin, DescribeProducersOnAChosenReplicaThatIsNotLeader) {
  scripted_broker broker(
      {{describe_producers_request::api_key, [](int16_t v, reader& r, writer& w) {
          describe_producers_request req;
          (void)req.decode(r, v);
          describe_producers_response resp;
          for (const auto& t : req.topics) {
            auto& out = resp.topics.emplace_back();
            out.name = t.name;
            for (int32_t p : t.partition_indexes) {
              auto& po = out.partitions.emplace_back();
              po.partition_index = p;
              if (p == 1) po.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
              po.active_producers = {{5, 1, 3, 100, -1, -1, {}}, {6, 0, 0, 200, 4, 17, {}}};
            }
          }
          (void)resp.encode(w, v);
        }}});
  txn_admin admin(broker.metadata(), {}, soon());
  auto ok = admin.describe_producers({{"t", 0}}, std::nullopt);
  ASSERT_TRUE(ok) << ok.message();
  const auto& ps = ok->front().producers;
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_FALSE(ps[0].coordinator_epoch);
  EXPECT_FALSE(ps[0].txn_start_offset);
  EXPECT_EQ(ps[1].coordinator_epoch, 4);
  EXPECT_EQ(ps[1].txn_start_offset, 17);
  auto refused = admin.describe_producers({{"t", 0}, {"t", 1}}, 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.message(),
            "Failed to describe active producers for partition t-1 on brokerId 1");
  auto unknown = admin.describe_producers({{"nope", 0}}, std::nullopt);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.message(), "This server does not host this topic-partition.");
}

TEST(TxnAdmin, AbortWritesAnAbortMarkerAndWordsItsErrorsAsKafka) {
  std::vector<int16_t> answers = {47, 52, 0};
  scripted_broker broker(
      {{write_txn_markers_request::api_key, [&](int16_t v, reader& r, writer& w) {
          write_txn_markers_request req;
          (void)req.decode(r, v);
          const auto& m = req.markers.at(0);
          EXPECT_EQ(m.producer_id, 12345);
          EXPECT_EQ(m.producer_epoch, 15);
          EXPECT_EQ(m.coordinator_epoch, 76);
          EXPECT_FALSE(m.transaction_result);  // ABORT
          EXPECT_EQ(m.topics.at(0).name, "t");
          EXPECT_EQ(m.topics.at(0).partition_indexes, (std::vector<int32_t>{1}));
          write_txn_markers_response resp;
          resp.markers = {{12345, {{"t", {{1, answers.front(), {}}}, {}}}, {}}};
          answers.erase(answers.begin());
          (void)resp.encode(w, v);
        }}});
  txn_admin admin(broker.metadata(), {}, soon());
  abort_spec spec{{"t", 1}, 12345, 15, 76};
  auto epoch = admin.abort(spec);
  ASSERT_FALSE(epoch);
  EXPECT_EQ(epoch.message(),
            "WriteTxnMarkers request with AbortTransactionSpec(topicPartition=t-1, "
            "producerId=12345, producerEpoch=15, coordinatorEpoch=76) failed due an invalid "
            "producer epoch");
  auto fenced = admin.abort(spec);
  ASSERT_FALSE(fenced);
  EXPECT_NE(fenced.message().find("failed since the provided coordinator epoch 76 has been "
                                  "fenced by the active coordinator"),
            std::string::npos);
  EXPECT_TRUE(admin.abort(spec));
}

}  // namespace
}  // namespace sluice::cli
