// Pipelining: several requests in flight on one connection, answered strictly in request order.
#include <gtest/gtest.h>

#include <thread>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

TEST(pipelining, responses_keep_request_order_when_completed_out_of_order) {
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.connected());
  std::string burst;
  for (int i = 0; i < 5; ++i) {
    std::string body = "request-" + std::to_string(i);
    ASSERT_TRUE(c.send_frame(body));
  }
  auto held = f.dispatcher.take_held(5);
  ASSERT_EQ(held.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(to_string(held[i].frame), "request-" + std::to_string(i));

  // Complete in reverse order, from other threads.
  std::vector<std::thread> threads;
  for (int i = 4; i >= 0; --i) {
    threads.emplace_back([&held, i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * (4 - i)));
      held[i].done(outbound_response::with(body_of("response-" + std::to_string(i))));
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(c.read_frame_string(), "response-" + std::to_string(i));
  }
}

TEST(pipelining, stops_reading_at_the_in_flight_bound) {
  auto options = loopback_options();
  options.max_in_flight_per_connection = 2;
  server_fixture f(options);
  f.dispatcher.hold = true;
  client c(f.port());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.send_frame("r" + std::to_string(i)));
  auto first = f.dispatcher.take_held(2);
  ASSERT_EQ(first.size(), 2u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.dispatcher.dispatched(), 2u) << "read past the in-flight bound";

  first[0].done(outbound_response::with(body_of("a0")));
  EXPECT_EQ(c.read_frame_string(), "a0");
  auto next = f.dispatcher.take_held(1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(to_string(next[0].frame), "r2");
  first[1].done(outbound_response::with(body_of("a1")));
  next[0].done(outbound_response::with(body_of("a2")));
  EXPECT_EQ(c.read_frame_string(), "a1");
  EXPECT_EQ(c.read_frame_string(), "a2");
  auto rest = f.dispatcher.take_held(2);
  ASSERT_EQ(rest.size(), 2u);
  for (auto& h : rest) h.done(outbound_response::with(body_of("x")));
}

TEST(pipelining, a_request_without_response_does_not_block_the_next) {
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame("acks=0 produce"));
  ASSERT_TRUE(c.send_frame("metadata"));
  auto held = f.dispatcher.take_held(2);
  ASSERT_EQ(held.size(), 2u);
  held[1].done(outbound_response::with(body_of("metadata answer")));
  held[0].done(outbound_response::none());
  EXPECT_EQ(c.read_frame_string(), "metadata answer");
}

TEST(pipelining, close_connection_after_a_response) {
  server_fixture f;
  f.dispatcher.handler = [](const connection_ref&, protocol::bytes frame, response_callback done) {
    auto r = outbound_response::with(body_of("last words"));
    r.close_connection = to_string(frame) == "bye";
    done(std::move(r));
  };
  client c(f.port());
  ASSERT_TRUE(c.send_frame("hello"));
  ASSERT_TRUE(c.send_frame("bye"));
  EXPECT_EQ(c.read_frame_string(), "last words");
  EXPECT_EQ(c.read_frame_string(), "last words");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(f.dispatcher.wait_closed(1));
}

TEST(pipelining, a_dropped_callback_closes_the_connection_instead_of_hanging) {
  server_fixture f;
  f.dispatcher.handler = [](const connection_ref&, protocol::bytes, response_callback) {};
  client c(f.port());
  ASSERT_TRUE(c.send_frame("lost"));
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(eventually_sample(
                f.registry, "sluice_network_connections_closed_total{reason=\"lost_response\"}", 1),
            1);
}

TEST(pipelining, callbacks_outliving_the_server_are_harmless) {
  std::vector<fake_dispatcher::held> held;
  {
    server_fixture f;
    f.dispatcher.hold = true;
    client c(f.port());
    ASSERT_TRUE(c.send_frame("never answered in time"));
    held = f.dispatcher.take_held(1);
    ASSERT_EQ(held.size(), 1u);
    f.server->stop(50ms);
  }
  held[0].done(outbound_response::with(body_of("too late")));  // must not crash (ASan checks)
}

TEST(pipelining, connection_info_describes_the_client) {
  server_fixture f;
  connection_ref seen;
  f.dispatcher.handler = [&](const connection_ref& conn, protocol::bytes, response_callback done) {
    seen = conn;
    done(outbound_response::with(body_of("ok")));
  };
  client c(f.port());
  ASSERT_TRUE(c.send_frame("x"));
  ASSERT_EQ(c.read_frame_string(), "ok");
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->listener_name, "PLAINTEXT");
  EXPECT_EQ(seen->security_protocol, "PLAINTEXT");
  EXPECT_EQ(seen->client_host, "127.0.0.1");
  EXPECT_NE(seen->client_port, 0);
  EXPECT_EQ(seen->local_port, f.port());
  EXPECT_EQ(seen->client_address(), "127.0.0.1:" + std::to_string(seen->client_port));
}

TEST(pipelining, per_api_metrics_count_requests) {
  auto options = loopback_options();
  options.api_name = [](int16_t key) { return key == 3 ? std::string("Metadata") : "other"; };
  server_fixture f(options);
  client c(f.port());
  std::string metadata_request("\x00\x03\x00\x0c", 4);
  ASSERT_TRUE(c.send_frame(metadata_request));
  ASSERT_TRUE(c.send_frame(metadata_request));
  ASSERT_TRUE(c.read_frame());
  ASSERT_TRUE(c.read_frame());
  EXPECT_EQ(eventually_sample(f.registry, "sluice_requests_total{api=\"Metadata\"}", 2), 2);
  EXPECT_EQ(
      eventually_sample(f.registry, "sluice_request_duration_seconds_count{api=\"Metadata\"}", 2),
      2);
  EXPECT_EQ(sample(f.registry.expose(), "sluice_network_connections{listener=\"PLAINTEXT\"}"), 1);
}

}  // namespace
}  // namespace sluice::net::testing
