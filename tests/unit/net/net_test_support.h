// Test helpers for the net module: a blocking POSIX client, a scriptable dispatcher and a server
// fixture on 127.0.0.1 with an ephemeral port. Deliberately no Asio here, so tests compile fast.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "net/request_dispatcher.h"
#include "net/tcp_server.h"

namespace sluice::net::testing {

using namespace std::chrono_literals;

inline protocol::bytes to_bytes(std::string_view s) {
  return protocol::bytes(s.begin(), s.end());
}
inline std::string to_string(const protocol::bytes& b) {
  return std::string(b.begin(), b.end());
}

inline protocol::bytes prefix(uint32_t n) {
  return {static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
}

// A blocking client socket. Reads time out after `timeout` so a broken server fails a test
// instead of hanging it.
class client {
 public:
  explicit client(uint16_t port, std::chrono::milliseconds timeout = 5s, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~client() {
    if (fd_ >= 0) ::close(fd_);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send_raw(const protocol::bytes& data) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool send_frame(std::string_view body) {
    protocol::bytes out = prefix(static_cast<uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return send_raw(out);
  }

  // Exactly n bytes, or nullopt on EOF, error or timeout.
  std::optional<protocol::bytes> read_exact(size_t n) {
    protocol::bytes out(n);
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::recv(fd_, out.data() + done, n - done, 0);
      if (got <= 0) return std::nullopt;
      done += static_cast<size_t>(got);
    }
    return out;
  }
  std::optional<protocol::bytes> read_frame() {
    auto p = read_exact(4);
    if (!p) return std::nullopt;
    uint32_t size = (uint32_t{(*p)[0]} << 24) | (uint32_t{(*p)[1]} << 16) |
                    (uint32_t{(*p)[2]} << 8) | uint32_t{(*p)[3]};
    return read_exact(size);
  }
  std::optional<std::string> read_frame_string() {
    auto f = read_frame();
    if (!f) return std::nullopt;
    return to_string(*f);
  }

  // True once the server has closed the connection (EOF or reset); false on timeout or data.
  bool closed_by_peer(std::chrono::milliseconds timeout = 5s) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    uint8_t b;
    ssize_t n = ::recv(fd_, &b, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// A dispatcher whose behaviour each test scripts. By default it echoes each request frame back
// as the response body, inline. With hold = true it queues requests for the test to answer.
class fake_dispatcher final : public request_dispatcher {
 public:
  struct held {
    connection_ref connection;
    protocol::bytes frame;
    response_callback done;
  };

  std::function<void(const connection_ref&, protocol::bytes, response_callback)> handler;
  bool hold = false;

  void dispatch(const connection_ref& connection, request_frame request,
                response_callback done) override {
    protocol::bytes frame = request.release();
    {
      std::lock_guard lock(mu_);
      ++dispatched_;
    }
    if (handler) {
      handler(connection, std::move(frame), std::move(done));
    } else if (hold) {
      std::lock_guard lock(mu_);
      held_.push_back(held{connection, std::move(frame), std::move(done)});
      cv_.notify_all();
      return;
    } else {
      protocol::writer w;
      w.write_raw(frame);
      done(outbound_response::with(std::move(w)));
    }
    cv_.notify_all();
  }

  void connection_closed(const connection_ref&) override {
    std::lock_guard lock(mu_);
    ++closed_;
    cv_.notify_all();
  }

  // Waits until at least n requests are held; returns them all (taking ownership).
  std::vector<held> take_held(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return held_.size() >= n; });
    std::vector<held> out(std::make_move_iterator(held_.begin()),
                          std::make_move_iterator(held_.end()));
    held_.clear();
    return out;
  }
  size_t held_count() {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  size_t dispatched() {
    std::lock_guard lock(mu_);
    return dispatched_;
  }
  bool wait_closed(int n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return closed_ >= n; });
  }
  bool wait_dispatched(size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return dispatched_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<held> held_;
  size_t dispatched_ = 0;
  int closed_ = 0;
};

inline protocol::writer body_of(std::string_view s) {
  protocol::writer w;
  w.write_raw(protocol::bytes(s.begin(), s.end()));
  return w;
}

// Most tests' frames are text, not Kafka headers, so their "API key" is two letters: they let
// every request overlap. ordering_test.cc tests the default policy (only Produce and Fetch).
inline tcp_server_options loopback_options() {
  tcp_server_options o;
  o.listeners = {listener_endpoint{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 0}};
  o.network_threads = 2;
  o.may_overlap = [](int16_t) { return true; };
  return o;
}

// A running tcp_server on 127.0.0.1 with a fake dispatcher.
struct server_fixture {
  metrics::registry registry;
  fake_dispatcher dispatcher;
  std::unique_ptr<tcp_server> server;

  explicit server_fixture(tcp_server_options options = loopback_options()) {
    server = std::make_unique<tcp_server>(std::move(options), dispatcher, registry);
    auto started = server->start();
    if (!started.ok()) throw std::runtime_error(started.message());
  }
  ~server_fixture() { server->stop(1s); }
  uint16_t port() const { return server->port("PLAINTEXT"); }
};

// The value of one sample line ("name{labels} value") in an exposition, or -1.
inline double sample(const std::string& exposition, std::string_view series) {
  std::string key = std::string(series) + " ";
  for (size_t at = exposition.find(key); at != std::string::npos;
       at = exposition.find(key, at + 1)) {
    if (at == 0 || exposition[at - 1] == '\n') return std::stod(exposition.substr(at + key.size()));
  }
  return -1;
}

// Polls the registry until `series` has `expected` (metrics are updated just after the bytes
// leave, so a client can see its answer a moment before the counter moves).
inline double eventually_sample(const metrics::registry& registry, std::string_view series,
                                double expected, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  double value = sample(registry.expose(), series);
  while (value != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    value = sample(registry.expose(), series);
  }
  return value;
}

}  // namespace sluice::net::testing
