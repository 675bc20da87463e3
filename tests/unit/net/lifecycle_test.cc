// Connection and server lifecycle: idle timeout, draining stop(), slow clients, binding.
#include <gtest/gtest.h>

#include <thread>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

TEST(lifecycle, the_bound_port_is_queryable_and_unknown_listeners_are_zero) {
  server_fixture f;
  EXPECT_NE(f.port(), 0);
  EXPECT_EQ(f.server->port("NOPE"), 0);
  auto bound = f.server->listeners();
  ASSERT_EQ(bound.size(), 1u);
  EXPECT_EQ(bound[0].host, "127.0.0.1");
  EXPECT_EQ(bound[0].port, f.port());
}

TEST(lifecycle, bind_reports_the_port_before_start_accepts) {
  metrics::registry registry;
  fake_dispatcher dispatcher;
  tcp_server server(loopback_options(), dispatcher, registry);
  ASSERT_TRUE(server.bind().ok());
  uint16_t port = server.port("PLAINTEXT");
  ASSERT_NE(port, 0);
  ASSERT_TRUE(server.start().ok());
  EXPECT_EQ(server.port("PLAINTEXT"), port);
  client c(port);
  ASSERT_TRUE(c.send_frame("after start"));
  EXPECT_EQ(c.read_frame_string(), "after start");
  server.stop(1s);
}

TEST(lifecycle, a_taken_port_is_a_start_error_naming_the_listener) {
  server_fixture first;
  metrics::registry registry;
  fake_dispatcher dispatcher;
  auto options = loopback_options();
  options.listeners[0].port = first.port();
  tcp_server second(options, dispatcher, registry);
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), errc::address_in_use);
  EXPECT_NE(started.message().find("PLAINTEXT"), std::string::npos) << started.message();
}

TEST(lifecycle, an_unresolvable_host_is_a_start_error) {
  metrics::registry registry;
  fake_dispatcher dispatcher;
  auto options = loopback_options();
  options.listeners[0].host = "no-such-host.invalid";
  tcp_server server(options, dispatcher, registry);
  auto started = server.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.code(), errc::resolve_failed);
}

TEST(lifecycle, several_listeners_and_all_interfaces) {
  auto options = loopback_options();
  options.listeners.push_back(listener_endpoint{"INTERNAL", "PLAINTEXT", "", 0});
  server_fixture f(options);
  uint16_t internal = f.server->port("INTERNAL");
  ASSERT_NE(internal, 0);
  client c(internal);  // 127.0.0.1 reaches the all-interfaces listener
  connection_ref seen;
  f.dispatcher.handler = [&](const connection_ref& conn, protocol::bytes, response_callback done) {
    seen = conn;
    done(outbound_response::with(body_of("ok")));
  };
  ASSERT_TRUE(c.send_frame("x"));
  ASSERT_EQ(c.read_frame_string(), "ok");
  EXPECT_EQ(seen->listener_name, "INTERNAL");
}

TEST(lifecycle, idle_connections_are_closed) {
  auto options = loopback_options();
  options.idle_timeout = 200ms;
  server_fixture f(options);
  client idle(f.port());
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);
  EXPECT_EQ(
      eventually_sample(f.registry, "sluice_network_connections_closed_total{reason=\"idle\"}", 1),
      1);
}

TEST(lifecycle, a_request_in_flight_is_not_idleness) {
  auto options = loopback_options();
  options.idle_timeout = 150ms;
  server_fixture f(options);
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame("long poll"));
  auto held = f.dispatcher.take_held(1);
  ASSERT_EQ(held.size(), 1u);
  std::this_thread::sleep_for(500ms);
  held[0].done(outbound_response::with(body_of("woken")));
  EXPECT_EQ(c.read_frame_string(), "woken");
}

TEST(lifecycle, a_negative_idle_timeout_never_closes) {
  auto options = loopback_options();
  options.idle_timeout = std::chrono::milliseconds(-1);
  server_fixture f(options);
  client c(f.port());
  EXPECT_FALSE(c.closed_by_peer(300ms));
  ASSERT_TRUE(c.send_frame("still here"));
  EXPECT_EQ(c.read_frame_string(), "still here");
}

TEST(lifecycle, stop_lets_in_flight_requests_finish_then_closes) {
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame("in flight"));
  auto held = f.dispatcher.take_held(1);
  ASSERT_EQ(held.size(), 1u);
  std::thread stopper([&] { f.server->stop(5s); });
  std::this_thread::sleep_for(100ms);
  client late(f.port());
  EXPECT_FALSE(late.connected() && late.send_frame("x") && late.read_frame().has_value())
      << "accepted a connection while stopping";
  held[0].done(outbound_response::with(body_of("finished")));
  EXPECT_EQ(c.read_frame_string(), "finished");
  EXPECT_TRUE(c.closed_by_peer());
  stopper.join();
  EXPECT_EQ(f.server->connection_count(), 0u);
}

TEST(lifecycle, stop_gives_up_after_the_drain_timeout) {
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame("never answered"));
  auto held = f.dispatcher.take_held(1);
  ASSERT_EQ(held.size(), 1u);
  auto start = std::chrono::steady_clock::now();
  f.server->stop(200ms);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(lifecycle, a_client_that_never_reads_does_not_stall_others) {
  auto options = loopback_options();
  options.network_threads = 1;  // both connections on the same loop
  server_fixture f(options);
  std::string big(1024 * 1024, 'z');
  f.dispatcher.handler = [&](const connection_ref&, protocol::bytes frame, response_callback done) {
    done(outbound_response::with(body_of(to_string(frame) == "big" ? big : "small")));
  };
  client stuck(f.port(), 5s, 4096);
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(stuck.send_frame("big"));  // 16 MiB it never reads
  client other(f.port());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(other.send_frame("hi"));
    ASSERT_EQ(other.read_frame_string(), "small");
  }
}

TEST(lifecycle, connection_closed_reaches_the_dispatcher_on_peer_reset) {
  server_fixture f;
  {
    client c(f.port());
    ASSERT_TRUE(c.send_frame("x"));
    ASSERT_TRUE(c.read_frame());
    linger l{1, 0};  // close with RST
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  EXPECT_TRUE(f.dispatcher.wait_closed(1));
  EXPECT_EQ(f.server->connection_count(), 0u);
}

}  // namespace
}  // namespace sluice::net::testing
