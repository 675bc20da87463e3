// Responses with file-region splices: the bytes on the wire equal the flattened response, through
// partial writes, several regions and pipelined responses.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

// A temporary file filled with pseudo-random bytes; removed (and closed) with the object.
struct temp_file {
  int fd = -1;
  protocol::bytes content;
  explicit temp_file(size_t size) {
    char path[] = "/tmp/sluice-net-sendfile-XXXXXX";
    fd = ::mkstemp(path);
    ::unlink(path);
    std::mt19937 rng(7);
    content.resize(size);
    for (auto& b : content) b = static_cast<uint8_t>(rng());
    size_t done = 0;
    while (done < size)
      done += static_cast<size_t>(::write(fd, content.data() + done, size - done));
  }
  ~temp_file() { ::close(fd); }
  protocol::records region(int64_t position, int32_t size) const {
    return protocol::records::file(protocol::file_region{nullptr, fd, position, size});
  }
};

protocol::writer spliced_response(const temp_file& file, int32_t correlation) {
  protocol::writer w;
  w.write_int32(correlation);
  w.write_records(file.region(10, 1000), false);
  w.write_string("between two regions", false);
  w.write_records(file.region(4096, static_cast<int32_t>(file.content.size()) - 4096), false);
  w.write_records(file.region(0, 0), false);  // an empty region sends nothing
  w.write_int16(7);
  return w;
}

TEST(sendfile, splices_produce_the_flattened_bytes_through_partial_writes) {
  temp_file file(3 * 1024 * 1024);
  server_fixture f;
  f.dispatcher.handler = [&](const connection_ref&, protocol::bytes, response_callback done) {
    done(outbound_response::with(spliced_response(file, 42)));
  };
  auto expected = spliced_response(file, 42).flatten();
  ASSERT_TRUE(expected.ok());
  client c(f.port(), 10s, 16 * 1024);  // a small receive buffer: the server sees EAGAIN
  ASSERT_TRUE(c.send_frame("fetch"));
  std::this_thread::sleep_for(50ms);  // let the socket buffers fill up first
  auto got = c.read_frame();
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), expected->size());
  EXPECT_TRUE(*got == *expected);
  double spliced = 3.0 * 1024 * 1024 - 4096 + 1000;
  EXPECT_EQ(eventually_sample(f.registry, "sluice_network_sendfile_bytes_total", spliced), spliced);
}

TEST(sendfile, pipelined_spliced_responses_stay_in_order) {
  temp_file file(256 * 1024);
  server_fixture f;
  f.dispatcher.hold = true;
  client c(f.port());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.send_frame("fetch"));
  auto held = f.dispatcher.take_held(4);
  ASSERT_EQ(held.size(), 4u);
  for (int i = 3; i >= 0; --i) held[i].done(outbound_response::with(spliced_response(file, i)));
  for (int i = 0; i < 4; ++i) {
    auto got = c.read_frame();
    ASSERT_TRUE(got.has_value());
    auto expected = spliced_response(file, i).flatten();
    ASSERT_TRUE(expected.ok());
    EXPECT_TRUE(*got == *expected) << "response " << i;
  }
}

TEST(sendfile, a_client_vanishing_mid_sendfile_only_closes_its_connection) {
  temp_file file(8 * 1024 * 1024);
  server_fixture f;
  f.dispatcher.handler = [&](const connection_ref&, protocol::bytes, response_callback done) {
    done(outbound_response::with(spliced_response(file, 1)));
  };
  {
    client c(f.port(), 5s, 4096);
    ASSERT_TRUE(c.send_frame("fetch"));
    ASSERT_TRUE(c.read_exact(4096).has_value());  // the send is under way
    linger l{1, 0};  // vanish with a reset: the next write gets EPIPE/ECONNRESET, not SIGPIPE
    ::setsockopt(c.fd(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  EXPECT_TRUE(f.dispatcher.wait_closed(1));
  client other(f.port());
  ASSERT_TRUE(other.send_frame("fetch"));
  auto got = other.read_frame();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->size(), spliced_response(file, 1).size());
}

TEST(sendfile, a_region_past_the_end_of_its_file_closes_the_connection) {
  temp_file file(100);
  server_fixture f;
  f.dispatcher.handler = [&](const connection_ref&, protocol::bytes, response_callback done) {
    protocol::writer w;
    w.write_records(file.region(50, 100), false);  // only 50 bytes exist
    done(outbound_response::with(std::move(w)));
  };
  client c(f.port());
  ASSERT_TRUE(c.send_frame("fetch"));
  EXPECT_FALSE(c.read_frame().has_value());  // a frame that can never complete, then EOF
  EXPECT_EQ(eventually_sample(f.registry,
                              "sluice_network_connections_closed_total{reason=\"write_error\"}", 1),
            1);
}

}  // namespace
}  // namespace sluice::net::testing
