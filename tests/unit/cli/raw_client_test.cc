// Tests of the raw protocol client against a tiny in-test broker that speaks through the same
// generated codec: framing, ApiVersions negotiation, and a Metadata round trip for topic ids.
#include "cli/raw_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "protocol/generated/metadata.h"

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

// Answers ApiVersions (v3, or v0 with UNSUPPORTED_VERSION first when `old_broker`) and Metadata.
class fake_broker {
 public:
  explicit fake_broker(bool old_broker) : old_broker_(old_broker) {
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
  ~fake_broker() {
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  int16_t metadata_version = -1;

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
        int16_t answer_version = version;
        if (old_broker_ && version > 2) {
          resp.error_code = 35;
          answer_version = 0;
        }
        resp.api_keys = {{18, 0, 2, {}}, {3, 0, old_broker_ ? int16_t{9} : int16_t{12}, {}}};
        (void)resp.encode(body, answer_version);
        respond(fd, h.correlation_id, 0, body);
      } else if (key == metadata_request::api_key) {
        metadata_version = version;
        metadata_request req;
        (void)req.decode(r, version);
        metadata_response resp;
        for (const auto& t : *req.topics) {
          metadata_response::metadata_response_topic mt;
          mt.name = t.name;
          mt.topic_id.value[15] = 7;
          resp.topics.push_back(mt);
        }
        (void)resp.encode(body, version);
        respond(fd, h.correlation_id, response_header_version(key, version), body);
      }
    }
    ::close(fd);
  }
  static void respond(int fd, int32_t correlation, int16_t header_version, const writer& body) {
    writer out;
    out.write_int32(0);
    response_header rh;
    rh.correlation_id = correlation;
    (void)rh.encode(out, header_version);
    out.write_raw(body.buffer());
    out.patch_int32(0, static_cast<int32_t>(out.size() - 4));
    ::send(fd, out.buffer().data(), out.buffer().size(), MSG_NOSIGNAL);
  }
  bool old_broker_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(RawClient, ParsesBrokerLists) {
  auto list = parse_broker_list("PLAINTEXT://a:1, b:2,c");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0], (std::pair<std::string, int>{"a", 1}));
  EXPECT_EQ(list[1], (std::pair<std::string, int>{"b", 2}));
  EXPECT_EQ(list[2], (std::pair<std::string, int>{"c", 9092}));
}

TEST(RawClient, NegotiatesAndFetchesTopicIds) {
  fake_broker broker(false);
  auto ids = fetch_topic_ids("127.0.0.1:" + std::to_string(broker.port()), {"t1", "t2"}, {},
                             deadline::after(std::chrono::seconds(10)));
  ASSERT_TRUE(ids) << ids.message();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ(ids->at("t1"), "AAAAAAAAAAAAAAAAAAAABw");
  EXPECT_EQ(broker.metadata_version, 12);
}

TEST(RawClient, FallsBackToApiVersionsV0AndReportsMissingVersions) {
  fake_broker broker(true);
  auto ids = fetch_topic_ids("127.0.0.1:" + std::to_string(broker.port()), {"t1"}, {},
                             deadline::after(std::chrono::seconds(10)));
  ASSERT_FALSE(ids);
  EXPECT_EQ(ids.code(), errc::unsupported);
}

TEST(RawClient, UnreachableBrokerFailsFast) {
  auto start = std::chrono::steady_clock::now();
  auto conn =
      raw_connection::open_any("127.0.0.1:1", {}, deadline::after(std::chrono::seconds(10)));
  ASSERT_FALSE(conn);
  EXPECT_EQ(conn.code(), errc::unreachable);
  EXPECT_EQ(conn.message(),
            "Could not reach any broker at 127.0.0.1:1: Connection to 127.0.0.1:1 "
            "failed: Connection refused");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(RawClient, SecuritySettingsThatCannotWorkFailNamingTheKey) {
  deadline d = deadline::after(std::chrono::seconds(10));
  auto bad_protocol = raw_connection::open("127.0.0.1", 1, {{"security.protocol", "TLS"}}, d);
  ASSERT_FALSE(bad_protocol);
  EXPECT_EQ(bad_protocol.code(), errc::invalid_input);
  EXPECT_NE(bad_protocol.message().find("security.protocol"), std::string::npos);

  auto half_key_pair = raw_connection::open(
      "127.0.0.1", 1, {{"security.protocol", "SSL"}, {"ssl.certificate.location", "/x.pem"}}, d);
  ASSERT_FALSE(half_key_pair);
  EXPECT_EQ(half_key_pair.message(), "ssl.certificate.location is set without ssl.key.location");

  auto no_password = raw_connection::open("127.0.0.1", 1,
                                          {{"security.protocol", "SASL_PLAINTEXT"},
                                           {"sasl.mechanism", "SCRAM-SHA-256"},
                                           {"sasl.username", "alice"}},
                                          d);
  ASSERT_FALSE(no_password);
  EXPECT_NE(no_password.message().find("needs a username and a password"), std::string::npos);

  auto kerberos = raw_connection::open(
      "127.0.0.1", 1, {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "GSSAPI"}}, d);
  ASSERT_FALSE(kerberos);
  EXPECT_NE(kerberos.message().find("GSSAPI is not supported"), std::string::npos);
}

}  // namespace
}  // namespace sluice::cli
