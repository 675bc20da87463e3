#include "net/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <cstring>
#include <exception>

#include "base/assert.h"
#include "net/asio_util.h"
#include "net/connection_quotas.h"
#include "net/frame_sender.h"
#include "net/tls_channel.h"
#include "net/tls_context.h"

namespace sluice::net {
namespace {

constexpr size_t read_buffer_size = 16 * 1024;
constexpr size_t max_batch = 16;  // responses per gathering write
// Request buffers a connection keeps for reuse: enough for a Produce being appended while the next
// one is read; larger than any client's default request (1 MiB), far below
// socket.request.max.bytes.
constexpr size_t spare_frames = 2;
constexpr size_t max_spare_frame_bytes = 4 * 1024 * 1024;
// How long after a quota mute a connection's requests are served one at a time.
constexpr std::chrono::seconds throttled_serially{1};
// Raw SASL tokens are counted as SaslAuthenticate, the request that carries tokens since KIP-152.
constexpr int16_t raw_sasl_token_api_key = 36;

using clock = std::chrono::steady_clock;

bool is_peer_gone(const std::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

// ---- completion_mailbox ----

void completion_mailbox::complete(uint64_t sequence, outbound_response response) {
  deliver(arrival{sequence, std::move(response), false});
}

void completion_mailbox::abandon(uint64_t sequence) {
  deliver(arrival{sequence, outbound_response::close(), true});
}

void completion_mailbox::deliver(arrival a) {
  std::lock_guard lock(mu_);
  if (!open_) return;
  arrived_.push_back(std::move(a));
  if (!wake_posted_) {
    wake_posted_ = true;
    // Posting under the lock: close() cannot finish (and the loop cannot be torn down) meanwhile.
    asio::post(executor_, [owner = owner_] {
      if (auto c = owner.lock()) c->on_completions();
    });
  }
}

std::vector<completion_mailbox::arrival> completion_mailbox::take() {
  std::lock_guard lock(mu_);
  wake_posted_ = false;
  return std::exchange(arrived_, {});
}

void completion_mailbox::close() {
  std::vector<arrival> dropped;
  {
    std::lock_guard lock(mu_);
    open_ = false;
    dropped.swap(arrived_);
  }
}

// ---- connection_registry ----

bool connection_registry::add(uint64_t id, entry e) {
  std::lock_guard lock(mu_);
  if (draining_) return false;
  live_.emplace(id, std::move(e));
  return true;
}

void connection_registry::remove(uint64_t id) {
  std::lock_guard lock(mu_);
  live_.erase(id);
  if (live_.empty()) empty_.notify_all();
}

size_t connection_registry::size() const {
  std::lock_guard lock(mu_);
  return live_.size();
}

std::vector<connection_registry::entry> connection_registry::begin_drain() {
  std::lock_guard lock(mu_);
  draining_ = true;
  std::vector<entry> out;
  for (const auto& [id, e] : live_) out.push_back(e);
  return out;
}

std::vector<connection_registry::entry> connection_registry::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<entry> out;
  for (const auto& [id, e] : live_) out.push_back(e);
  return out;
}

bool connection_registry::wait_empty(clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return empty_.wait_until(lock, deadline, [&] { return live_.empty(); });
}

// ---- connection ----

connection::connection(asio::ip::tcp::socket socket, connection_ref info, server_shared& shared,
                       net_metrics::listener_instruments listener, ssl_st* ssl,
                       std::shared_ptr<const tls_context> tls)
    : socket_(std::move(socket)),
      tls_(ssl != nullptr ? std::make_unique<tls_channel>(socket_, ssl) : nullptr),
      tls_context_(std::move(tls)),
      info_(std::move(info)),
      shared_(shared),
      listener_(listener),
      reader_wake_(socket_.get_executor()),
      writer_wake_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      last_activity_(clock::now()),
      frame_pool_(std::make_shared<frame_pool>(spare_frames, max_spare_frame_bytes)),
      read_buffer_(read_buffer_size) {}

connection::~connection() {
  if (mailbox_) mailbox_->close();
  if (state_ != state::closed) {  // torn down with its loop at the end of stop()
    listener_.open.sub();
    shared_.metrics.closed(close_reason::shutdown).inc();
    unregister();
  }
}

void connection::unregister() {
  shared_.registry.remove(info_->id);
  if (shared_.quotas != nullptr) shared_.quotas->release(info_->listener_name, info_->client_host);
}

void connection::start() {
  touch();
  mailbox_ = std::make_shared<completion_mailbox>(socket_.get_executor(), weak_from_this());
  listener_.open.add();
  if (!shared_.registry.add(info_->id, {weak_from_this(), socket_.get_executor(), mailbox_})) {
    close(close_reason::shutdown);  // accepted just as the server began to stop
    return;
  }
  std::error_code ignored;
  socket_.native_non_blocking(true, ignored);  // sendfile needs EAGAIN, not a blocked loop
  if (tls_) {
    spawn(serve_tls());
  } else {
    spawn(read_loop());
    spawn(write_loop());
  }
  spawn(idle_loop());
}

void connection::spawn(asio::awaitable<void> task) {
  auto self = shared_from_this();
  auto on_exit = [self](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("connection {} from {}: {}; closing", self->info_->id,
                    self->info_->client_address(), ex.what());
    } catch (...) {
      spdlog::error("connection {} from {}: unknown exception; closing", self->info_->id,
                    self->info_->client_address());
    }
    self->close(close_reason::read_error);
  };
  asio::co_spawn(socket_.get_executor(), std::move(task), on_exit);
}

asio::awaitable<void> connection::serve_tls() {
  auto self = shared_from_this();
  std::error_code ec = co_await tls_->handshake();
  if (state_ != state::open) co_return;  // closed or drained meanwhile (idle, shutdown)
  if (ec) {
    spdlog::info("connection {} from {} on listener {}: TLS handshake failed: {}", info_->id,
                 info_->client_address(), info_->listener_name,
                 tls_failure_detail(tls_->native(), ec.message()));
    close(close_reason::tls_handshake_failed);
    co_return;
  }
  if (!authenticate_tls()) co_return;
  touch();
  spawn(read_loop());
  spawn(write_loop());
}

// SSL listeners: the client certificate's principal becomes the session's (SASL_SSL ones leave
// the session to SASL). False, after closing, when no principal can be made of the certificate.
bool connection::authenticate_tls() {
  if (info_->security_protocol != "SSL") {
    spdlog::debug("connection {} from {} on listener {}: {}; SASL authentication next", info_->id,
                  info_->client_address(), info_->listener_name,
                  tls_session_summary(tls_->native()));
    return true;
  }
  auto principal = tls_context_->principal(tls_->native());
  if (!principal) {
    spdlog::info("connection {} from {} on listener {}: failed authentication: {}", info_->id,
                 info_->client_address(), info_->listener_name, principal.message());
    close(close_reason::tls_handshake_failed);
    return false;
  }
  spdlog::debug("connection {} from {} on listener {}: {}, principal {}", info_->id,
                info_->client_address(), info_->listener_name, tls_session_summary(tls_->native()),
                *principal);
  info_->session->authenticate(std::move(*principal));
  return true;
}

asio::awaitable<void> connection::wait(asio::steady_timer& timer) {
  timer.expires_at(asio::steady_timer::time_point::max());
  co_await timer.async_wait(nothrow_awaitable);  // woken by cancel()
}

asio::awaitable<std::error_code> connection::read_exact(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    size_t buffered = read_end_ - read_begin_;
    if (buffered > 0) {
      size_t n = std::min(buffered, out.size() - done);
      std::memcpy(out.data() + done, read_buffer_.data() + read_begin_, n);
      read_begin_ += n;
      done += n;
      continue;
    }
    read_begin_ = read_end_ = 0;
    size_t want = out.size() - done;
    size_t n = 0;
    // A large frame is read straight into it; a small one reads ahead, so pipelined requests
    // cost one syscall.
    bool direct = want >= read_buffer_.size();
    std::span<uint8_t> into = direct ? out.subspan(done) : std::span<uint8_t>(read_buffer_);
    std::error_code ec;
    if (tls_) {
      std::tie(ec, n) = co_await tls_->read_some(into);
    } else {
      std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(into.data(), into.size()),
                                                         nothrow_awaitable);
    }
    if (ec) co_return ec;
    if (direct) {
      done += n;
    } else {
      read_end_ = n;
    }
    shared_.metrics.received_bytes().inc(n);
    touch();
  }
  co_return std::error_code{};
}

asio::awaitable<void> connection::read_loop() {
  auto self = shared_from_this();
  const auto max_in_flight =
      static_cast<size_t>(std::max(1, shared_.options.max_in_flight_per_connection));
  while (state_ == state::open) {
    while (state_ == state::open && pending_.size() >= max_in_flight) co_await wait(reader_wake_);
    if (state_ != state::open) break;

    std::array<uint8_t, 4> prefix{};
    if (auto ec = co_await read_exact(prefix)) {
      on_read_end(ec);
      break;
    }
    int32_t size = static_cast<int32_t>((uint32_t{prefix[0]} << 24) | (uint32_t{prefix[1]} << 16) |
                                        (uint32_t{prefix[2]} << 8) | uint32_t{prefix[3]});
    if (state_ != state::open) break;
    if (size < 0 || size > shared_.options.max_request_bytes) {
      spdlog::warn(
          "closing connection from {} on listener {}: request size {} is {} "
          "(socket.request.max.bytes "
          "= {})",
          info_->client_address(), info_->listener_name, size, size < 0 ? "negative" : "too large",
          shared_.options.max_request_bytes);
      close(close_reason::oversize_request);
      break;
    }
    // Before authentication (and during a re-authentication) a SASL listener takes small frames
    // only, as Kafka's authenticator: "invalid receive size" closes the connection.
    const bool restricted = info_->session->restricted();
    if (restricted && size > info_->session->max_sasl_bytes()) {
      spdlog::info(
          "closing connection from {} on listener {}: Failing SASL authentication due to invalid "
          "receive size ({} bytes; sasl.server.max.receive.size = {})",
          info_->client_address(), info_->listener_name, size, info_->session->max_sasl_bytes());
      close(close_reason::oversize_request);
      break;
    }
    request_frame frame = frame_pool_->make(static_cast<size_t>(size));
    if (auto ec = co_await read_exact(frame.bytes())) {
      on_read_end(ec);
      break;
    }
    const auto& bytes = frame.bytes();
    int16_t api_key = bytes.size() >= 2 ? static_cast<int16_t>((bytes[0] << 8) | bytes[1]) : -1;
    // A frame read while authentication is under way never overlaps: it may be a raw SASL token
    // whose meaning is known only once the request before it (a v0 SaslHandshake) completes.
    bool overlaps =
        !restricted && shared_.options.may_overlap && shared_.options.may_overlap(api_key);
    // Throttled by a client quota lately: one request at a time, as Kafka serves every
    // connection, so each is charged and throttled on its own instead of in a pipelined burst.
    bool throttled = clock::now() < muted_until_ + throttled_serially;
    while (state_ == state::open && !may_start(overlaps && !throttled)) co_await wait(reader_wake_);
    // Throttled by a client quota: the request waits, unread as far as the broker is concerned,
    // until the mute ends.
    while (state_ == state::open && clock::now() < muted_until_) {
      reader_wake_.expires_at(muted_until_);
      co_await reader_wake_.async_wait(nothrow_awaitable);
    }
    if (state_ != state::open) break;
    if (restricted && info_->session->raw_tokens()) api_key = raw_sasl_token_api_key;
    dispatch(api_key, overlaps, std::move(frame));
  }
}

bool connection::may_start(bool overlaps) const {
  return overlaps ? running_exclusive_ == 0 : running_ == 0;
}

void connection::on_read_end(std::error_code ec) {
  if (state_ != state::open) return;  // draining or closed: the read was cut short on purpose
  if (ec == asio::error::eof) {
    // The client finished sending; answer what it asked, then close.
    if (pending_.empty()) {
      close(close_reason::peer_closed);
    } else {
      state_ = state::draining;
      drain_reason_ = close_reason::peer_closed;
      writer_wake_.cancel();
    }
    return;
  }
  if (is_peer_gone(ec)) {
    close(close_reason::peer_closed);
  } else {
    spdlog::info("connection from {}: read failed: {}", info_->client_address(), ec.message());
    close(close_reason::read_error);
  }
}

void connection::dispatch(int16_t api_key, bool overlaps, request_frame frame) {
  uint64_t sequence = next_sequence_++;
  pending_.push_back(slot{api_key, overlaps, clock::now(), std::nullopt});
  ++running_;
  if (!overlaps) ++running_exclusive_;
  try {
    shared_.dispatcher.dispatch(info_, std::move(frame), response_callback(mailbox_, sequence));
  } catch (const std::exception& e) {
    // The callback was destroyed with the exception: its slot is marked lost and closes us.
    spdlog::error("connection from {}: request dispatcher threw: {}", info_->client_address(),
                  e.what());
  }
}

void connection::on_completions() {
  for (auto& a : mailbox_->take()) {
    if (state_ == state::closed) return;
    SLUICE_ASSERT(a.sequence >= first_sequence_ && a.sequence - first_sequence_ < pending_.size(),
                  "response for a request that is not pending");
    slot& s = pending_[a.sequence - first_sequence_];
    SLUICE_ASSERT(!s.response.has_value(), "a request completed twice");
    s.response = std::move(a.response);
    s.abandoned = a.abandoned;
    if (s.response->throttle.count() > 0) {
      muted_until_ = std::max(muted_until_, clock::now() + s.response->throttle);
    }
    --running_;
    if (!s.overlaps) --running_exclusive_;
  }
  writer_wake_.cancel();
  reader_wake_.cancel();  // a request may be waiting for this one to complete
}

size_t connection::ready_prefix() const {
  size_t n = 0;
  while (n < pending_.size() && pending_[n].response.has_value()) ++n;
  return n;
}

void connection::finish_slot(const slot& s) {
  auto& api = shared_.metrics.api(s.api_key);
  api.requests.inc();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - s.received).count();
  api.latency.observe(static_cast<uint64_t>(std::max<int64_t>(micros, 0)));
}

asio::awaitable<void> connection::write_loop() {
  auto self = shared_from_this();
  std::vector<const outbound_response*> batch;
  for (;;) {
    while (state_ != state::closed && ready_prefix() == 0 &&
           !(state_ == state::draining && pending_.empty())) {
      co_await wait(writer_wake_);
    }
    if (state_ == state::closed) co_return;
    if (pending_.empty()) {  // draining and everything is written
      close(drain_reason_);
      co_return;
    }
    // The ready prefix, up to and including the first response that ends the connection.
    size_t ready = std::min(ready_prefix(), max_batch);
    size_t take = 0;
    bool lost = false;
    bool close_after = false;
    batch.clear();
    while (take < ready && !lost && !close_after) {
      const slot& s = pending_[take++];
      if (s.abandoned) {
        lost = true;
      } else {
        batch.push_back(&*s.response);
        close_after = s.response->close_connection;
      }
    }
    send_stats stats;
    std::error_code ec;
    if (tls_) {
      ec = co_await send_responses(*tls_, batch, stats);
    } else {
      ec = co_await send_responses(socket_, batch, stats);
    }
    shared_.metrics.sent_bytes().inc(stats.bytes);
    shared_.metrics.sendfile_bytes().inc(stats.sendfile_bytes);
    if (state_ == state::closed) co_return;
    if (ec) {
      if (ec == std::errc::io_error) {
        spdlog::error("connection from {}: a file region ended early while sending a response",
                      info_->client_address());
      } else if (!is_peer_gone(ec)) {
        spdlog::info("connection from {}: write failed: {}", info_->client_address(), ec.message());
      }
      close(is_peer_gone(ec) ? close_reason::peer_closed : close_reason::write_error);
      co_return;
    }
    touch();
    for (size_t i = 0; i < take; ++i) {
      finish_slot(pending_.front());
      pending_.pop_front();
      ++first_sequence_;
    }
    reader_wake_.cancel();
    if (lost) {
      spdlog::error(
          "connection from {}: a request's response callback was dropped without being invoked; "
          "closing the connection",
          info_->client_address());
      close(close_reason::lost_response);
      co_return;
    }
    if (close_after) {
      close(close_reason::requested);
      co_return;
    }
  }
}

asio::awaitable<void> connection::idle_loop() {
  auto self = shared_from_this();
  const auto idle = shared_.options.idle_timeout;
  if (idle.count() < 0) co_return;
  while (state_ != state::closed) {
    auto now = clock::now();
    auto deadline = last_activity_ + idle;
    if (now >= deadline) {
      if (pending_.empty() && state_ == state::open) {
        spdlog::debug("closing connection from {}: idle for more than {} ms",
                      info_->client_address(), idle.count());
        close(close_reason::idle);
        co_return;
      }
      // Requests in flight: not idle. Look again later (never in a tight loop, even for 0 ms).
      deadline = now + std::max<std::chrono::milliseconds>(idle, std::chrono::milliseconds(100));
    }
    idle_timer_.expires_at(deadline);
    co_await idle_timer_.async_wait(nothrow_awaitable);
  }
}

void connection::begin_drain() {
  if (state_ != state::open) return;
  state_ = state::draining;
  drain_reason_ = close_reason::shutdown;
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_receive, ignored);  // ends a pending read
  reader_wake_.cancel();
  if (pending_.empty()) {
    close(close_reason::shutdown);
  } else {
    writer_wake_.cancel();
  }
}

void connection::touch() {
  last_activity_ = clock::now();
  last_active_ns_.store(last_activity_.time_since_epoch().count(), std::memory_order_relaxed);
}

void connection::close(close_reason reason) {
  if (state_ == state::closed) return;
  state_ = state::closed;
  if (mailbox_) mailbox_->close();
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  reader_wake_.cancel();
  writer_wake_.cancel();
  idle_timer_.cancel();
  listener_.open.sub();
  shared_.metrics.closed(reason).inc();
  unregister();
  spdlog::debug("connection {} from {} closed ({})", info_->id, info_->client_address(),
                to_string(reason));
  try {
    shared_.dispatcher.connection_closed(info_);
  } catch (const std::exception& e) {
    spdlog::error("request dispatcher threw in connection_closed: {}", e.what());
  }
}

}  // namespace sluice::net
