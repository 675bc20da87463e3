// Framing: the size prefix is checked before anything is allocated, and a misbehaving client only
// ever loses its own connection.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

tcp_server_options small_limit() {
  auto o = loopback_options();
  o.max_request_bytes = 1024;
  return o;
}

TEST(framing, a_request_of_exactly_the_limit_is_served) {
  server_fixture f(small_limit());
  client c(f.port());
  std::string body(1024, 'x');
  ASSERT_TRUE(c.send_frame(body));
  EXPECT_EQ(c.read_frame_string(), body);
}

TEST(framing, an_oversize_prefix_closes_only_that_connection) {
  server_fixture f(small_limit());
  client good(f.port());
  ASSERT_TRUE(good.send_frame("before"));
  EXPECT_EQ(good.read_frame_string(), "before");

  client bad(f.port());
  ASSERT_TRUE(bad.send_raw(prefix(1025)));
  EXPECT_TRUE(bad.closed_by_peer());
  EXPECT_EQ(f.dispatcher.dispatched(), 1u);

  ASSERT_TRUE(good.send_frame("after"));
  EXPECT_EQ(good.read_frame_string(), "after");
  EXPECT_EQ(
      eventually_sample(f.registry,
                        "sluice_network_connections_closed_total{reason=\"oversize_request\"}", 1),
      1);
}

TEST(framing, a_negative_prefix_closes_the_connection) {
  server_fixture f(small_limit());
  client bad(f.port());
  ASSERT_TRUE(bad.send_raw(prefix(0xffffffffu)));
  EXPECT_TRUE(bad.closed_by_peer());
  EXPECT_EQ(f.dispatcher.dispatched(), 0u);
}

TEST(framing, garbage_and_a_2_gib_prefix_do_not_disturb_a_concurrent_client) {
  server_fixture f;  // default 100 MiB limit
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::atomic<bool> failed{false};
  std::thread well_behaved([&] {
    client c(f.port());
    for (int i = 0; !stop || i < 50; ++i) {
      std::string body = "steady-" + std::to_string(i);
      if (!c.send_frame(body) || c.read_frame_string() != body) {
        failed = true;
        return;
      }
      ++answered;
    }
  });

  // An HTTP request: "GET " read as a size prefix is about 1.2 GB.
  client http(f.port());
  ASSERT_TRUE(http.send_raw(to_bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  client huge(f.port());
  ASSERT_TRUE(huge.send_raw(prefix(0x7fffffffu)));
  client random_bytes(f.port());
  ASSERT_TRUE(random_bytes.send_raw({0xde, 0xad, 0xbe, 0xef, 0x01, 0x02}));
  client truncated(f.port());
  ASSERT_TRUE(truncated.send_raw({0, 0, 0, 100, 'a', 'b'}));
  truncated.shutdown_write();

  EXPECT_TRUE(http.closed_by_peer());
  EXPECT_TRUE(huge.closed_by_peer());
  EXPECT_TRUE(random_bytes.closed_by_peer());
  EXPECT_TRUE(truncated.closed_by_peer());
  stop = true;
  well_behaved.join();
  EXPECT_FALSE(failed);
  EXPECT_GE(answered.load(), 50);
}

TEST(framing, an_empty_frame_is_dispatched_and_the_dispatcher_decides) {
  server_fixture f;
  f.dispatcher.handler = [](const connection_ref&, protocol::bytes frame, response_callback done) {
    done(frame.empty() ? outbound_response::close() : outbound_response::with(body_of("ok")));
  };
  client c(f.port());
  ASSERT_TRUE(c.send_frame(""));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(framing, a_client_that_half_closes_still_gets_its_answers) {
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame("one"));
  ASSERT_TRUE(c.send_frame("two"));
  c.shutdown_write();
  auto held = f.dispatcher.take_held(2);
  ASSERT_EQ(held.size(), 2u);
  held[1].done(outbound_response::with(body_of("2")));
  held[0].done(outbound_response::with(body_of("1")));
  EXPECT_EQ(c.read_frame_string(), "1");
  EXPECT_EQ(c.read_frame_string(), "2");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(f.dispatcher.wait_closed(1));
}

}  // namespace
}  // namespace sluice::net::testing
