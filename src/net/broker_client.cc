// broker_client: blocking request/response over one non-blocking POSIX socket. Every wait is a
// poll() on the socket and on a wake-up pipe that close() writes to, bounded by a deadline, so a
// stuck peer costs at most the timeout and shutdown never waits for the network.
#include "net/broker_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "protocol/generated/headers.h"

namespace sluice::net {

namespace {

using steady = std::chrono::steady_clock;

std::string errno_text(int e) {
  return std::string(std::strerror(e));
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

struct broker_client::impl {
  explicit impl(broker_client_options o) : opts(std::move(o)) {
    if (::pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) wake[0] = wake[1] = -1;
  }
  ~impl() {
    disconnect();
    if (wake[0] >= 0) ::close(wake[0]);
    if (wake[1] >= 0) ::close(wake[1]);
  }

  std::string peer() const { return opts.host + ":" + std::to_string(opts.port); }

  void disconnect() {
    std::lock_guard lock(mutex);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // Waits until `fd` is ready for `events`, the deadline passes, or close() is called.
  result<void> wait_ready(int socket, short events, steady::time_point deadline) {
    for (;;) {
      if (closed.load(std::memory_order_acquire)) return fail(errc::closed, "client closed");
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return fail(errc::timed_out, "no answer from " + peer() + " in time");
      pollfd fds[2] = {{socket, events, 0}, {wake[0], POLLIN, 0}};
      int n = ::poll(fds, wake[0] >= 0 ? 2 : 1, static_cast<int>(left.count()));
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errc::io_error, "poll: " + errno_text(errno));
      }
      if (n == 0) continue;  // the deadline check above reports it
      if (wake[0] >= 0 && (fds[1].revents & POLLIN)) return fail(errc::closed, "client closed");
      if (fds[0].revents & (events | POLLERR | POLLHUP)) return ok_v;
    }
  }

  result<void> connect(steady::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    auto port = std::to_string(opts.port);
    if (int rc = ::getaddrinfo(opts.host.c_str(), port.c_str(), &hints, &found); rc != 0)
      return fail(errc::resolve_failed, opts.host + ": " + ::gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
    std::string last_error = "no address";
    for (auto* a = found; a != nullptr; a = a->ai_next) {
      int s = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (s < 0) {
        last_error = errno_text(errno);
        continue;
      }
      {
        std::lock_guard lock(mutex);
        fd = s;  // published first, so close() can shut it down
      }
      set_nonblocking(s);
      int one = 1;
      ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (opts.receive_buffer_bytes > 0)
        ::setsockopt(s, SOL_SOCKET, SO_RCVBUF, &opts.receive_buffer_bytes,
                     sizeof opts.receive_buffer_bytes);
      int rc = ::connect(s, a->ai_addr, a->ai_addrlen);
      if (rc != 0 && errno == EINPROGRESS) {
        auto ready = wait_ready(s, POLLOUT, deadline);
        if (!ready) {
          disconnect();
          if (ready.code() == errc::closed) return ready;
          last_error = ready.message();
          continue;
        }
        int error = 0;
        socklen_t len = sizeof error;
        ::getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &len);
        rc = error == 0 ? 0 : -1;
        errno = error;
      }
      if (rc == 0) return ok_v;
      last_error = errno_text(errno);
      disconnect();
    }
    return fail(errc::connect_failed, "cannot connect to " + peer() + ": " + last_error);
  }

  result<void> send_all(const protocol::bytes& data, steady::time_point deadline) {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (auto r = wait_ready(fd, POLLOUT, deadline); !r) return r;
        continue;
      }
      if (closed.load()) return fail(errc::closed, "client closed");
      return fail(errc::io_error, "send to " + peer() + ": " + errno_text(errno));
    }
    return ok_v;
  }

  result<void> receive_exact(uint8_t* out, size_t size, steady::time_point deadline) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::recv(fd, out + done, size - done, 0);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n == 0) {
        if (closed.load()) return fail(errc::closed, "client closed");
        return fail(errc::io_error, peer() + " closed the connection");
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (auto r = wait_ready(fd, POLLIN, deadline); !r) return r;
        continue;
      }
      if (closed.load()) return fail(errc::closed, "client closed");
      return fail(errc::io_error, "receive from " + peer() + ": " + errno_text(errno));
    }
    return ok_v;
  }

  result<protocol::bytes> exchange(int16_t api_key, int16_t version, const protocol::bytes& body) {
    if (fd < 0) {
      if (auto c = connect(steady::now() + opts.connect_timeout); !c) return std::move(c).error();
    }
    const auto deadline = steady::now() + opts.request_timeout;

    protocol::request_header header;
    header.request_api_key = api_key;
    header.request_api_version = version;
    header.correlation_id = ++correlation_id;
    header.client_id = opts.client_id;
    protocol::writer w;
    w.write_int32(0);  // the size, patched below
    if (auto e = header.encode(w, protocol::request_header_version(api_key, version)); !e)
      return fail(errc::protocol_error, "request header does not encode");
    w.write_raw(body);
    auto frame = w.take_buffer();
    uint32_t size = static_cast<uint32_t>(frame.size() - 4);
    for (int i = 0; i < 4; ++i)
      frame[static_cast<size_t>(i)] = static_cast<uint8_t>(size >> (24 - 8 * i));
    if (auto s = send_all(frame, deadline); !s) return std::move(s).error();

    uint8_t prefix[4];
    if (auto r = receive_exact(prefix, 4, deadline); !r) return std::move(r).error();
    int64_t length = (int64_t{prefix[0]} << 24) | (int64_t{prefix[1]} << 16) |
                     (int64_t{prefix[2]} << 8) | int64_t{prefix[3]};
    if (length < 4 || length > max_response_bytes)
      return fail(errc::protocol_error,
                  "response of " + std::to_string(length) + " bytes from " + peer());
    protocol::bytes response(static_cast<size_t>(length));
    if (auto r = receive_exact(response.data(), response.size(), deadline); !r)
      return std::move(r).error();

    protocol::reader r(response);
    protocol::response_header rh;
    if (auto h = rh.decode(r, protocol::response_header_version(api_key, version)); !h)
      return fail(errc::protocol_error, "undecodable response header from " + peer());
    if (rh.correlation_id != header.correlation_id)
      return fail(errc::protocol_error, "correlation id " + std::to_string(rh.correlation_id) +
                                            " from " + peer() + ", expected " +
                                            std::to_string(header.correlation_id));
    response.erase(response.begin(), response.begin() + static_cast<ptrdiff_t>(r.position()));
    return response;
  }

  broker_client_options opts;
  std::mutex mutex;  // guards fd against close() on another thread
  int fd = -1;       // written only by the owning thread (under mutex)
  int wake[2] = {-1, -1};
  std::atomic<bool> closed{false};
  int32_t correlation_id = 0;
};

broker_client::broker_client(broker_client_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

broker_client::~broker_client() = default;

result<protocol::bytes> broker_client::round_trip(int16_t api_key, int16_t version,
                                                  protocol::bytes body) {
  if (impl_->closed.load(std::memory_order_acquire)) return fail(errc::closed, "client closed");
  auto out = impl_->exchange(api_key, version, body);
  // Whatever went wrong, the stream may be out of step: start over on the next call.
  if (!out) impl_->disconnect();
  return out;
}

void broker_client::close() {
  if (impl_->closed.exchange(true)) return;
  if (impl_->wake[1] >= 0) {
    uint8_t byte = 1;
    [[maybe_unused]] auto n = ::write(impl_->wake[1], &byte, 1);
  }
  std::lock_guard lock(impl_->mutex);
  if (impl_->fd >= 0) ::shutdown(impl_->fd, SHUT_RDWR);
}

const broker_client_options& broker_client::options() const {
  return impl_->opts;
}

}  // namespace sluice::net
