// frame_server: a scripted server speaking Kafka's framing (4-byte size prefix), for unit tests of
// code that talks to brokers over TCP. It listens on 127.0.0.1 (an ephemeral port), accepts
// connections one after another, and answers each request frame (without its size prefix) with
// what `handler` returns, written as is — nothing for nullopt, or, with `close_when_silent`, the
// connection is closed then. Plain POSIX sockets, so tests using it build fast. Header-only.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>

#include "protocol/wire.h"

namespace sluice::test {

class frame_server {
 public:
  using handler_fn = std::function<std::optional<protocol::bytes>(const protocol::bytes& frame)>;

  explicit frame_server(handler_fn handler, bool close_when_silent = false)
      : handler_(std::move(handler)), close_when_silent_(close_when_silent) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~frame_server() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  frame_server(const frame_server&) = delete;
  frame_server& operator=(const frame_server&) = delete;

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  bool wait_requests(int n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (requests_.load() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return requests_.load() >= n;
  }

 private:
  bool read_exact(int fd, uint8_t* out, size_t n) {
    size_t done = 0;
    while (done < n) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) == 0) {
        if (stopping_) return false;
        continue;
      }
      ssize_t got = ::recv(fd, out + done, n - done, 0);
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }

  static void send_all(int fd, const protocol::bytes& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  void serve() {
    for (;;) {
      int c = ::accept(listen_fd_, nullptr, nullptr);
      if (c < 0) return;
      ++connections_;
      while (!stopping_) {
        uint8_t prefix[4];
        if (!read_exact(c, prefix, 4)) break;
        size_t size = (size_t{prefix[0]} << 24) | (size_t{prefix[1]} << 16) |
                      (size_t{prefix[2]} << 8) | size_t{prefix[3]};
        protocol::bytes frame(size);
        if (!read_exact(c, frame.data(), size)) break;
        ++requests_;
        auto reply = handler_(frame);
        if (reply)
          send_all(c, *reply);
        else if (close_when_silent_)
          break;
      }
      ::close(c);
    }
  }

  handler_fn handler_;
  bool close_when_silent_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace sluice::test
