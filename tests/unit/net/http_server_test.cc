// The metrics HTTP endpoint: routes, methods, and the default-port fallback.
#include "net/http_server.h"

#include <gtest/gtest.h>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

std::string http_get(uint16_t port, std::string_view request) {
  client c(port);
  if (!c.send_raw(to_bytes(request))) return {};
  std::string out;
  for (;;) {
    auto chunk = c.read_exact(1);
    if (!chunk) break;
    out.push_back(static_cast<char>((*chunk)[0]));
  }
  return out;
}

http_server_options loopback_http() {
  http_server_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  return o;
}

TEST(http_server, serves_metrics_and_health) {
  metrics::registry registry;
  registry.counter_metric("sluice_test_total", "A test counter.").inc(3);
  http_server http(loopback_http());
  http.route("/metrics", [&] {
    return http_response{200, "text/plain; version=0.0.4; charset=utf-8", registry.expose()};
  });
  http.route("/healthz", [] { return http_response{200, "text/plain", "ok\n"}; });
  ASSERT_TRUE(http.start().ok());

  std::string metrics = http_get(http.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("\r\n\r\n# HELP sluice_test_total A test counter.\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("sluice_test_total 3\n"), std::string::npos);

  std::string health = http_get(http.port(), "GET /healthz?verbose=1 HTTP/1.0\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  EXPECT_EQ(health.substr(health.size() - 3), "ok\n");

  std::string head = http_get(http.port(), "HEAD /healthz HTTP/1.1\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 3\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "HEAD must not send a body";
}

TEST(http_server, unknown_paths_methods_and_garbage) {
  http_server http(loopback_http());
  http.route("/metrics", [] { return http_response{}; });
  ASSERT_TRUE(http.start().ok());
  EXPECT_EQ(http_get(http.port(), "GET /nope HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http_get(http.port(), "POST /metrics HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(http_get(http.port(), std::string("\x00\x00\x00\x10garbage\r\n\r\n", 15))
                .rfind("HTTP/1.1 400", 0),
            0u);
  EXPECT_EQ(http_get(http.port(), "GET /" + std::string(10000, 'a')).rfind("HTTP/1.1 400", 0), 0u);
}

TEST(http_server, a_taken_default_port_moves_to_the_next_free_one) {
  http_server first(loopback_http());
  ASSERT_TRUE(first.start().ok());
  http_server_options o = loopback_http();
  o.port = first.port();
  o.next_free_port = true;
  http_server second(o);
  ASSERT_TRUE(second.start().ok());
  EXPECT_GT(second.port(), first.port());
}

TEST(http_server, a_taken_explicit_port_is_an_error) {
  http_server first(loopback_http());
  ASSERT_TRUE(first.start().ok());
  http_server_options o = loopback_http();
  o.port = first.port();
  http_server second(o);
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), errc::address_in_use);
  EXPECT_NE(started.message().find(std::to_string(first.port())), std::string::npos);
}

TEST(http_server, a_silent_client_times_out) {
  http_server_options o = loopback_http();
  o.read_timeout = std::chrono::milliseconds(100);
  http_server http(o);
  ASSERT_TRUE(http.start().ok());
  client c(http.port());
  EXPECT_TRUE(c.closed_by_peer(3s));
}

}  // namespace
}  // namespace sluice::net::testing
