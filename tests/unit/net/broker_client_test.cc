// broker_client against a scripted socket server on 127.0.0.1 (header versions, correlation ids,
// timeouts, close(), malformed framing). Plain POSIX sockets, so the test builds fast.
#include "net/broker_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "../support/frame_server.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/headers.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"

namespace sluice::net {
namespace {

using namespace std::chrono_literals;

broker_client_options options_for(uint16_t port) {
  broker_client_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.client_id = "broker-9-test";
  o.connect_timeout = 2s;
  o.request_timeout = 2s;
  return o;
}

struct seen_request {
  protocol::request_header header;
  protocol::bytes body;
};

seen_request parse(const protocol::bytes& frame) {
  protocol::reader peek(frame);
  int16_t key = peek.read_int16();
  int16_t version = peek.read_int16();
  protocol::reader r(frame);
  seen_request out;
  EXPECT_TRUE(out.header.decode(r, protocol::request_header_version(key, version)).ok());
  auto rest = r.rest();
  out.body.assign(rest.begin(), rest.end());
  return out;
}

// A response frame (size prefix + response header + body), the header versioned by the request's
// API and version, its correlation id shifted by `skew`.
protocol::bytes reply_to(const protocol::request_header& h,
                         const std::function<void(protocol::writer&)>& body, int32_t skew = 0) {
  protocol::writer w;
  w.write_int32(0);
  protocol::response_header rh;
  rh.correlation_id = h.correlation_id + skew;
  (void)rh.encode(w, protocol::response_header_version(h.request_api_key, h.request_api_version));
  body(w);
  auto out = w.take_buffer();
  uint32_t size = static_cast<uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i)
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(size >> (24 - 8 * i));
  return out;
}

using scripted_server = test::frame_server;

TEST(broker_client, flexible_fetch_round_trip_keeps_records_valid) {
  std::mutex mu;
  std::vector<seen_request> seen;
  scripted_server server([&](const protocol::bytes& frame) -> std::optional<protocol::bytes> {
    auto req = parse(frame);
    {
      std::lock_guard lock(mu);
      seen.push_back(req);
    }
    protocol::fetch_request decoded;
    protocol::reader r(req.body);
    if (!decoded.decode(r, req.header.request_api_version).ok()) return std::nullopt;
    protocol::fetch_response resp;
    auto& t = resp.responses.emplace_back();
    t.topic = decoded.topics.at(0).topic;
    auto& p = t.partitions.emplace_back();
    p.partition_index = decoded.topics[0].partitions.at(0).partition;
    p.high_watermark = 42;
    static const protocol::bytes payload{1, 2, 3, 4, 5};
    p.records = protocol::records::view(payload);
    return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, 12); });
  });

  broker_client client(options_for(server.port()));
  protocol::fetch_request req;
  req.replica_id = 2;
  req.max_wait_ms = 10;
  auto& topic = req.topics.emplace_back();
  topic.topic = "orders";
  topic.partitions.emplace_back().partition = 3;

  auto out = client.call<protocol::fetch_response>(req, 12);
  ASSERT_TRUE(out.ok()) << out.message();
  auto moved = std::move(*out);  // moving keeps the record views valid
  ASSERT_EQ(moved.body.responses.size(), 1u);
  const auto& part = moved.body.responses[0].partitions.at(0);
  EXPECT_EQ(part.partition_index, 3);
  EXPECT_EQ(part.high_watermark, 42);
  auto data = part.records.data();
  EXPECT_EQ(protocol::bytes(data.begin(), data.end()), (protocol::bytes{1, 2, 3, 4, 5}));

  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].header.request_api_key, 1);
  EXPECT_EQ(seen[0].header.request_api_version, 12);
  EXPECT_EQ(seen[0].header.correlation_id, 1);
  EXPECT_EQ(seen[0].header.client_id, "broker-9-test");
}

TEST(broker_client, non_flexible_and_api_versions_headers) {
  scripted_server server([&](const protocol::bytes& frame) -> std::optional<protocol::bytes> {
    auto req = parse(frame);
    if (req.header.request_api_key == protocol::api_versions_request::api_key) {
      protocol::api_versions_response resp;
      resp.api_keys.push_back({1, 0, 17, {}});
      return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, 3); });
    }
    protocol::metadata_response resp;
    resp.controller_id = 7;
    return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, 1); });
  });
  broker_client client(options_for(server.port()));
  // ApiVersions v3 is flexible, yet its response header is v0.
  auto versions = client.call<protocol::api_versions_response>(protocol::api_versions_request{}, 3);
  ASSERT_TRUE(versions.ok()) << versions.message();
  ASSERT_EQ(versions->body.api_keys.size(), 1u);
  EXPECT_EQ(versions->body.api_keys[0].max_version, 17);
  // Metadata v1: request header v1, response header v0.
  auto meta = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_TRUE(meta.ok()) << meta.message();
  EXPECT_EQ(meta->body.controller_id, 7);
  EXPECT_EQ(server.connections(), 1);  // one connection for both
}

TEST(broker_client, wrong_correlation_id_fails_and_the_next_call_reconnects) {
  std::atomic<int> calls{0};
  scripted_server server([&](const protocol::bytes& frame) -> std::optional<protocol::bytes> {
    auto req = parse(frame);
    protocol::metadata_response resp;
    resp.controller_id = 1;
    int skew = calls.fetch_add(1) == 0 ? 5 : 0;
    return reply_to(
        req.header, [&](protocol::writer& w) { (void)resp.encode(w, 1); }, skew);
  });
  broker_client client(options_for(server.port()));
  auto bad = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), errc::protocol_error);
  auto good = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_TRUE(good.ok()) << good.message();
  EXPECT_EQ(good->body.controller_id, 1);
  EXPECT_EQ(server.connections(), 2);  // the out-of-step connection was dropped
}

TEST(broker_client, times_out_when_nothing_answers) {
  scripted_server server([](const protocol::bytes&) { return std::optional<protocol::bytes>(); });
  auto o = options_for(server.port());
  o.request_timeout = 200ms;
  broker_client client(o);
  auto start = std::chrono::steady_clock::now();
  auto out = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.code(), errc::timed_out);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
}

TEST(broker_client, close_unblocks_a_waiting_call_and_stays_closed) {
  scripted_server server([](const protocol::bytes&) { return std::optional<protocol::bytes>(); });
  auto o = options_for(server.port());
  o.request_timeout = 10s;
  broker_client client(o);
  std::optional<errc> code;
  std::thread caller([&] {
    auto out = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
    if (!out) code = out.code();
  });
  ASSERT_TRUE(server.wait_requests(1));
  auto start = std::chrono::steady_clock::now();
  client.close();
  caller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(code, errc::closed);
  auto again = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), errc::closed);
}

TEST(broker_client, refuses_a_response_size_over_the_bound) {
  scripted_server server([](const protocol::bytes&) {
    return std::optional<protocol::bytes>(protocol::bytes{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1});
  });
  broker_client client(options_for(server.port()));
  auto out = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.code(), errc::protocol_error);
}

TEST(broker_client, connect_failure_is_reported) {
  // A port that was bound and released: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  broker_client client(options_for(ntohs(addr.sin_port)));
  auto out = client.call<protocol::metadata_response>(protocol::metadata_request{}, 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.code(), errc::connect_failed);
}

// A SASL inter-broker listener: the scripted server plays Kafka's SaslServerAuthenticator for PLAIN
// with a short session lifetime; the client authenticates before its first request and again, on
// the same connection, once the session nears its end (KIP-368).
TEST(broker_client, authenticates_with_sasl_and_re_authenticates_in_place) {
  std::mutex mu;
  std::vector<int16_t> keys;
  std::vector<std::string> tokens;
  std::atomic<bool> refuse{false};
  scripted_server server([&](const protocol::bytes& frame) -> std::optional<protocol::bytes> {
    auto req = parse(frame);
    protocol::reader r(req.body);
    {
      std::lock_guard lock(mu);
      keys.push_back(req.header.request_api_key);
    }
    const int16_t v = req.header.request_api_version;
    if (req.header.request_api_key == protocol::sasl_handshake_request::api_key) {
      protocol::sasl_handshake_request h;
      if (!h.decode(r, v).ok() || h.mechanism != "PLAIN") return std::nullopt;
      protocol::sasl_handshake_response resp;
      resp.mechanisms = {"PLAIN"};
      return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, v); });
    }
    if (req.header.request_api_key == protocol::sasl_authenticate_request::api_key) {
      protocol::sasl_authenticate_request a;
      if (!a.decode(r, v).ok()) return std::nullopt;
      {
        std::lock_guard lock(mu);
        tokens.emplace_back(a.auth_bytes.begin(), a.auth_bytes.end());
      }
      protocol::sasl_authenticate_response resp;
      if (refuse) {
        resp.error_code = 58;
        resp.error_message = "Authentication failed: Invalid username or password";
      } else {
        resp.session_lifetime_ms = 100;
      }
      return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, v); });
    }
    protocol::api_versions_response resp;
    return reply_to(req.header, [&](protocol::writer& w) { (void)resp.encode(w, 0); });
  });

  auto o = options_for(server.port());
  o.security.protocol = "SASL_PLAINTEXT";
  // PLAIN's client side: one token.
  struct plain_exchange final : sasl_client_exchange {
    bool sent = false;
    std::variant<std::vector<uint8_t>, std::string> evaluate(std::span<const uint8_t>) override {
      if (sent) return std::vector<uint8_t>{};
      sent = true;
      std::string token("\0broker\0broker-secret", 21);
      return std::vector<uint8_t>(token.begin(), token.end());
    }
    bool complete() const override { return sent; }
  };
  auto sasl = std::make_shared<client_sasl>();
  sasl->mechanism = "PLAIN";
  sasl->start = [] { return std::make_unique<plain_exchange>(); };
  o.security.sasl = sasl;
  broker_client client(o);
  protocol::api_versions_request req;
  ASSERT_TRUE(client.call<protocol::api_versions_response>(req, 0).ok());
  ASSERT_TRUE(client.call<protocol::api_versions_response>(req, 0).ok());  // within the session
  std::this_thread::sleep_for(120ms);
  ASSERT_TRUE(client.call<protocol::api_versions_response>(req, 0).ok());
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(keys, (std::vector<int16_t>{17, 36, 18, 18, 17, 36, 18}));
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0], std::string("\0broker\0broker-secret", 21));
  }
  EXPECT_EQ(server.connections(), 1);  // re-authenticated in place

  refuse = true;
  std::this_thread::sleep_for(120ms);
  auto refused = client.call<protocol::api_versions_response>(req, 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), errc::auth_failed);
  EXPECT_NE(refused.message().find("Invalid username or password"), std::string::npos);
}

}  // namespace
}  // namespace sluice::net
