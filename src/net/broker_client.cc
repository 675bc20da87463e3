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

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls_context.h"
#include "net/tls_settings.h"
#include "protocol/generated/headers.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"

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
    if (ssl != nullptr) SSL_free(ssl);
    ssl = nullptr;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  bool wants_tls() const { return uses_tls(opts.security.protocol); }

  // After an OpenSSL call on `ssl` returned `rc`: waits for the socket when OpenSSL asks to
  // (true), or says why it failed.
  result<void> tls_wait(int rc, steady::time_point deadline, const std::string& doing) {
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_WANT_READ) return wait_ready(fd, POLLIN, deadline);
    if (e == SSL_ERROR_WANT_WRITE) return wait_ready(fd, POLLOUT, deadline);
    if (closed.load()) return fail(errc::closed, "client closed");
    std::string detail = e == SSL_ERROR_ZERO_RETURN ? std::string("the peer closed the connection")
                         : e == SSL_ERROR_SYSCALL && errno != 0
                             ? errno_text(errno)
                             : tls_failure_detail(ssl, take_error());
    ERR_clear_error();
    return fail(errc::io_error, doing + " " + peer() + ": " + detail);
  }

  static std::string take_error() {
    unsigned long e = ERR_get_error();
    if (e == 0) return "the connection ended";
    const char* reason = ERR_reason_error_string(e);
    return reason != nullptr ? reason : "TLS error";
  }

  // The client side of the TLS handshake on the connected socket.
  result<void> handshake(steady::time_point deadline) {
    if (!opts.security.tls) return fail(errc::connect_failed, "no TLS configuration for " + peer());
    {
      std::lock_guard lock(mutex);
      ssl = opts.security.tls->new_connection(opts.host);
    }
    if (ssl == nullptr) return fail(errc::connect_failed, "cannot set up TLS for " + peer());
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_fd(ssl, fd);
    ERR_clear_error();
    for (;;) {
      int rc = SSL_connect(ssl);
      if (rc == 1) return ok_v;
      if (auto w = tls_wait(rc, deadline, "TLS handshake with"); !w) {
        if (w.code() == errc::closed || w.code() == errc::timed_out) return w;
        return fail(errc::connect_failed, w.message());
      }
    }
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
      if (rc == 0) {
        if (!wants_tls()) return ok_v;
        auto h = handshake(deadline);
        if (!h) disconnect();
        return h;
      }
      last_error = errno_text(errno);
      disconnect();
    }
    return fail(errc::connect_failed, "cannot connect to " + peer() + ": " + last_error);
  }

  result<void> send_all(const protocol::bytes& data, steady::time_point deadline) {
    size_t done = 0;
    if (ssl != nullptr) {
      while (done < data.size()) {
        ERR_clear_error();
        int n = SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done));
        if (n > 0) {
          done += static_cast<size_t>(n);
        } else if (auto w = tls_wait(n, deadline, "send to"); !w) {
          return w;
        }
      }
      return ok_v;
    }
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
    if (ssl != nullptr) {
      while (done < size) {
        ERR_clear_error();
        int n =
            SSL_read(ssl, out + done, static_cast<int>(std::min<size_t>(size - done, INT32_MAX)));
        if (n > 0) {
          done += static_cast<size_t>(n);
        } else if (auto w = tls_wait(n, deadline, "receive from"); !w) {
          return w;
        }
      }
      return ok_v;
    }
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

  bool wants_sasl() const { return opts.security.protocol.rfind("SASL_", 0) == 0; }

  result<protocol::bytes> exchange(int16_t api_key, int16_t version, const protocol::bytes& body) {
    if (fd < 0) {
      if (auto c = connect(steady::now() + opts.connect_timeout); !c) return std::move(c).error();
      if (wants_sasl()) {
        if (auto a = authenticate(); !a) return std::move(a).error();
      }
    } else if (reauthenticate_at && steady::now() >= *reauthenticate_at) {
      if (auto a = authenticate(); !a) return std::move(a).error();  // KIP-368, in place
    }
    return send_request(api_key, version, body);
  }

  // SaslHandshake v1, then SaslAuthenticate v1 rounds until the mechanism completes, on the
  // connected (and, for SASL_SSL, TLS) socket; again on the same connection when the session
  // nears its end. Kafka's clients re-authenticate at 85-95 % of the session lifetime.
  result<void> authenticate() {
    reauthenticate_at.reset();
    if (!opts.security.sasl)
      return fail(errc::auth_failed,
                  "no SASL credentials for the inter-broker listener of " + peer());
    const auto& creds = *opts.security.sasl;
    protocol::sasl_handshake_request handshake;
    handshake.mechanism = creds.mechanism;
    protocol::writer hw;
    if (auto e = handshake.encode(hw, 1); !e) return fail(errc::protocol_error, e.message());
    auto hs = send_request(protocol::sasl_handshake_request::api_key, 1, hw.take_buffer());
    if (!hs) return std::move(hs).error();
    protocol::sasl_handshake_response hr;
    protocol::reader hread(*hs);
    if (auto d = hr.decode(hread, 1); !d) return fail(errc::protocol_error, d.message());
    if (hr.error_code != 0)
      return fail(errc::auth_failed, peer() + " refused SASL mechanism " + creds.mechanism +
                                         " (error " + std::to_string(hr.error_code) + ")");
    auto client = creds.start ? creds.start() : nullptr;
    if (!client) return fail(errc::auth_failed, "no SASL " + creds.mechanism + " client");
    std::vector<uint8_t> server_token;
    int64_t lifetime_ms = 0;
    for (int round = 0; round < 8; ++round) {
      auto token = client->evaluate(server_token);
      if (auto* why = std::get_if<std::string>(&token))
        return fail(errc::auth_failed, "SASL " + creds.mechanism + " with " + peer() + ": " + *why);
      if (client->complete() && round > 0) break;  // the server's last token is checked
      protocol::sasl_authenticate_request request;
      request.auth_bytes = std::move(std::get<std::vector<uint8_t>>(token));
      protocol::writer aw;
      if (auto e = request.encode(aw, 1); !e) return fail(errc::protocol_error, e.message());
      auto answer = send_request(protocol::sasl_authenticate_request::api_key, 1, aw.take_buffer());
      if (!answer) return std::move(answer).error();
      protocol::sasl_authenticate_response response;
      protocol::reader aread(*answer);
      if (auto d = response.decode(aread, 1); !d) return fail(errc::protocol_error, d.message());
      if (response.error_code != 0)
        return fail(errc::auth_failed,
                    peer() + " refused SASL " + creds.mechanism + ": " +
                        response.error_message.value_or("SASL authentication failed"));
      server_token.assign(response.auth_bytes.begin(), response.auth_bytes.end());
      lifetime_ms = response.session_lifetime_ms;
      if (client->complete()) break;  // PLAIN: one token, nothing to check
    }
    if (!client->complete())
      return fail(errc::auth_failed, "the SASL exchange with " + peer() + " did not complete");
    if (lifetime_ms > 0) {
      std::uniform_int_distribution<int64_t> percent(85, 95);
      std::mt19937_64 random(static_cast<uint64_t>(steady::now().time_since_epoch().count()));
      reauthenticate_at =
          steady::now() + std::chrono::milliseconds(lifetime_ms * percent(random) / 100);
    }
    return ok_v;
  }

  result<protocol::bytes> send_request(int16_t api_key, int16_t version,
                                       const protocol::bytes& body) {
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
  std::mutex mutex;    // guards fd against close() on another thread
  int fd = -1;         // written only by the owning thread (under mutex)
  SSL* ssl = nullptr;  // on fd, when the inter-broker listener runs TLS; the owning thread's
  int wake[2] = {-1, -1};
  std::atomic<bool> closed{false};
  int32_t correlation_id = 0;
  std::optional<steady::time_point> reauthenticate_at;  // KIP-368, on a SASL connection
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

void broker_client::set_timeouts(std::chrono::milliseconds connect,
                                 std::chrono::milliseconds request) {
  impl_->opts.connect_timeout = connect;
  impl_->opts.request_timeout = request;
}

}  // namespace sluice::net
