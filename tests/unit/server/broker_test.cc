// The composed broker on loopback: it starts, serves metrics, answers (for now) by closing, and
// stops cleanly.
#include "server/broker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace sluice::server {
namespace {

// A fresh data directory per broker, removed with the test's object.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char name[] = "/tmp/sluice-broker-test-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

server_config loopback_config(const temp_dir& data,
                              std::vector<std::pair<std::string, std::string>> extra = {}) {
  std::vector<property> props = {{"listeners", "PLAINTEXT://127.0.0.1:0", 1},
                                 {"metrics.listener", "http://127.0.0.1:0", 1},
                                 {"log.dirs", data.path.string(), 1}};
  for (auto& [k, v] : extra) props.push_back(property{k, v, 1});
  auto c = load_config(props);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.message());
  return std::move(c).value();
}

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string round_trip(uint16_t port, const std::string& request) {
  int fd = connect_to(port);
  if (fd < 0) return "<no connection>";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

TEST(broker, starts_serves_metrics_and_stops) {
  temp_dir data;
  broker b(loopback_config(data));
  ASSERT_TRUE(b.start().ok());
  uint16_t port = b.port("PLAINTEXT");
  ASSERT_NE(port, 0);
  EXPECT_EQ(b.typed_config().advertised_listeners[0].port, port);  // port 0 resolved

  // An API key no Kafka version has: answered by closing the connection, as Kafka does.
  std::string request("\x00\x00\x00\x0a\x7f\x00\x00\x00\x00\x00\x00\x07\x00\x00", 14);
  EXPECT_EQ(round_trip(port, request), "");

  std::string metrics = round_trip(b.metrics_port(), "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("sluice_network_connections_accepted_total{listener=\"PLAINTEXT\"}"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sluice_under_replicated_partitions 0"), std::string::npos);
  EXPECT_NE(round_trip(b.metrics_port(), "GET /healthz HTTP/1.1\r\n\r\n").find("\r\n\r\nok\n"),
            std::string::npos);

  std::vector<std::string> order;
  b.add_shutdown_step("first", [&] { order.push_back("first"); });
  b.add_shutdown_step("second", [&] { order.push_back("second"); });
  b.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"second", "first"}));
  EXPECT_LT(connect_to(port), 0) << "still accepting after stop()";
  b.stop();  // idempotent
}

TEST(broker, a_taken_listener_port_fails_start_with_the_reason) {
  temp_dir data1, data2;
  broker first(loopback_config(data1));
  ASSERT_TRUE(first.start().ok());
  broker second(loopback_config(
      data2, {{"listeners", "PLAINTEXT://127.0.0.1:" + std::to_string(first.port("PLAINTEXT"))}}));
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("in use"), std::string::npos) << started.message();
}

TEST(broker, an_explicit_metrics_port_that_is_taken_fails_start) {
  temp_dir data1, data2;
  broker first(loopback_config(data1));
  ASSERT_TRUE(first.start().ok());
  broker second(loopback_config(
      data2, {{"metrics.listener", "http://127.0.0.1:" + std::to_string(first.metrics_port())}}));
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("metrics.listener"), std::string::npos) << started.message();
}

}  // namespace
}  // namespace sluice::server
