#include "net/tcp_server.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <future>
#include <mutex>

#include "net/asio_util.h"
#include "net/connection.h"
#include "net/connection_quotas.h"
#include "net/endpoint.h"
#include "net/io_pool.h"
#include "net/tls_context.h"
#include "net/tls_settings.h"

namespace sluice::net {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds force_close_grace{2};
constexpr std::chrono::milliseconds accept_backoff{100};
// How often an acceptor waiting for a connection slot (max.connections) looks again.
constexpr std::chrono::milliseconds slot_poll{10};

sampled_rate::time_ms now_ms() {
  return std::chrono::duration_cast<sampled_rate::time_ms>(clock::now().time_since_epoch());
}

// A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; report them as a.b.c.d, as Kafka.
std::string plain_address(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  return a.to_string();
}

// A connection over its address's connection_creation_rate: held open, unread, for the throttle
// time, then closed (Kafka's DelayedCloseSocket), so a client that reconnects at once is slowed.
asio::awaitable<void> close_after(asio::ip::tcp::socket socket, std::chrono::milliseconds delay) {
  asio::steady_timer timer(socket.get_executor(), delay);
  co_await timer.async_wait(nothrow_awaitable);
  std::error_code ignored;
  socket.close(ignored);
}

bool out_of_resources(const std::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory || ec == std::errc::too_many_files_open_in_system;
}

}  // namespace

bool produce_or_fetch(int16_t api_key) {
  return api_key == 0 || api_key == 1;
}

class tcp_server::impl {
 public:
  impl(tcp_server_options options, request_dispatcher& dispatcher, metrics::registry& registry)
      : options_(std::move(options)),
        metrics_(registry, options_.api_name),
        shared_{options_, dispatcher, metrics_, registry_, options_.quotas.get()},
        pool_(std::max(1, options_.network_threads), "sluice-net") {}

  ~impl() { stop(std::chrono::milliseconds(0)); }

  result<void> bind();
  result<void> start();
  std::vector<bound_listener> listeners() const;
  uint16_t port(std::string_view name) const;
  size_t connection_count() const { return registry_.size(); }
  void stop_accepting();
  void stop(std::chrono::milliseconds drain_timeout);

 private:
  struct listener_state {
    listener_endpoint config;
    bound_listener bound;
    net_metrics::listener_instruments instruments;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;  // on loop 0
  };
  enum class run_state { created, running, stopped };

  asio::awaitable<void> accept_loop(listener_state& l);
  // Connection quotas: waits for the creation rate and a slot, then counts the connection from
  // `address`. serve false: the connection is to be closed, after close_after (over its
  // address's connection_creation_rate) or at once (over its address's limit, or stopping).
  struct verdict {
    bool serve = true;
    std::chrono::milliseconds close_after{0};
  };
  asio::awaitable<verdict> admit(listener_state& l, const std::string& address);
  // The broker is over max.connections (an inter-broker connection, exempt, took it there): the
  // least recently used connection of the other listeners closes, as Kafka's processors close
  // their lowest-priority channel (KIP-402).
  void close_least_recently_used();
  // `remote`: the peer, counted by admit() when there are quotas.
  void start_connection(asio::ip::tcp::socket socket, listener_state& l,
                        const asio::ip::tcp::endpoint& remote);

  // Order matters: connections torn down with pool_ still use metrics_ and registry_, and the
  // acceptors in listeners_ must go before pool_'s loops.
  tcp_server_options options_;
  net_metrics metrics_;
  connection_registry registry_;
  server_shared shared_;
  io_pool pool_;
  mutable std::mutex mu_;  // listeners_ (bound ports are read from any thread)
  std::vector<std::unique_ptr<listener_state>> listeners_;
  std::atomic<uint64_t> next_id_{1};
  run_state state_ = run_state::created;
  bool accepting_ = false;
};

result<void> tcp_server::impl::bind() {
  if (state_ != run_state::created) return fail(errc::invalid_argument, "tcp_server started twice");
  if (!listeners_.empty()) return ok_v;
  if (options_.listeners.empty()) return fail(errc::invalid_argument, "no listeners configured");
  std::vector<std::unique_ptr<listener_state>> bound;
  for (const auto& l : options_.listeners) {
    if (uses_tls(l.security_protocol) && !l.tls) {
      return fail(errc::invalid_argument,
                  "listener " + l.name + " (" + l.security_protocol + ") has no TLS configuration");
    }
    auto acceptor = open_acceptor(pool_.at(0), l.host, l.port);
    if (!acceptor.ok()) {
      return fail(acceptor.code(), "listener " + l.name + ": " + acceptor.message());
    }
    auto endpoint = acceptor->local_endpoint();
    bound.push_back(std::make_unique<listener_state>(
        listener_state{l, bound_listener{l.name, endpoint.address().to_string(), endpoint.port()},
                       metrics_.listener(l.name),
                       std::make_unique<asio::ip::tcp::acceptor>(std::move(*acceptor))}));
  }
  std::lock_guard lock(mu_);
  listeners_ = std::move(bound);
  return ok_v;
}

result<void> tcp_server::impl::start() {
  if (auto bound = bind(); !bound.ok()) return bound;
  state_ = run_state::running;
  accepting_ = true;
  pool_.start();
  for (auto& l : listeners_) {
    spdlog::info("listener {} ({}) accepting on {}", l->config.name, l->config.security_protocol,
                 to_string(l->acceptor->local_endpoint()));
    asio::co_spawn(pool_.at(0), accept_loop(*l), [name = l->config.name](std::exception_ptr e) {
      if (e) spdlog::error("listener {}: accept loop ended by an exception", name);
    });
  }
  return ok_v;
}

asio::awaitable<void> tcp_server::impl::accept_loop(listener_state& l) {
  for (;;) {
    asio::io_context& target = pool_.next();
    auto [ec, socket] = co_await l.acceptor->async_accept(target, nothrow_awaitable);
    if (ec == asio::error::operation_aborted || !l.acceptor->is_open()) co_return;
    if (ec) {
      spdlog::warn("listener {}: accept failed: {}", l.config.name, ec.message());
      if (out_of_resources(ec)) {  // do not spin while out of file descriptors
        asio::steady_timer pause(pool_.at(0), accept_backoff);
        co_await pause.async_wait(nothrow_awaitable);
      }
      continue;
    }
    std::error_code remote_ec;
    auto remote = socket.remote_endpoint(remote_ec);
    if (remote_ec) continue;  // gone before we looked
    if (options_.quotas) {
      auto v = co_await admit(l, plain_address(remote.address()));
      if (!v.serve) {
        if (v.close_after.count() > 0) {
          auto ex = socket.get_executor();
          asio::co_spawn(ex, close_after(std::move(socket), v.close_after), asio::detached);
        } else {
          std::error_code ignored;
          socket.close(ignored);
        }
        if (!l.acceptor->is_open()) co_return;
        continue;
      }
    }
    start_connection(asio::ip::tcp::socket(std::move(socket)), l, remote);
  }
}

asio::awaitable<tcp_server::impl::verdict> tcp_server::impl::admit(listener_state& l,
                                                                   const std::string& address) {
  connection_quotas& quotas = *options_.quotas;
  const std::string& name = l.config.name;
  auto started = clock::now();
  auto throttle_until = started + quotas.record_creation(name, now_ms());
  // As Kafka's acceptor: wait out the creation-rate throttle, then until a slot is free.
  asio::steady_timer pause(pool_.at(0));
  while (clock::now() < throttle_until || !quotas.slot_available(name)) {
    if (!l.acceptor->is_open()) co_return verdict{false};
    auto now = clock::now();
    pause.expires_after(now < throttle_until
                            ? std::chrono::duration_cast<clock::duration>(throttle_until - now)
                            : std::chrono::duration_cast<clock::duration>(slot_poll));
    co_await pause.async_wait(nothrow_awaitable);
  }
  if (auto blocked = clock::now() - started; blocked > clock::duration::zero()) {
    l.instruments.blocked_ms.inc(
        std::chrono::duration_cast<std::chrono::milliseconds>(blocked).count());
  }
  if (auto hold = quotas.record_ip_creation(address, now_ms()); hold.count() > 0) {
    metrics_.closed(close_reason::ip_connection_rate).inc();
    spdlog::debug(
        "Delaying closing of connection from {} for {} ms: over its "
        "connection_creation_rate of {}",
        address, hold.count(), quotas.ip_connection_rate(address));
    co_return verdict{false, std::chrono::duration_cast<std::chrono::milliseconds>(hold)};
  }
  if (quotas.admit(name, address) == connection_quotas::admission::too_many_for_ip) {
    quotas.release(name, address);
    metrics_.closed(close_reason::max_connections_per_ip).inc();
    spdlog::info(
        "Rejected connection from {}, address already has the configured maximum of {} "
        "connections.",
        address, quotas.max_connections_for(address));
    co_return verdict{false};
  }
  if (quotas.max_connections_exceeded_by_protected(name)) close_least_recently_used();
  co_return verdict{};
}

void tcp_server::impl::close_least_recently_used() {
  std::shared_ptr<connection> oldest;
  asio::any_io_executor where;
  for (const auto& e : registry_.snapshot()) {
    auto c = e.conn.lock();
    if (!c || !options_.quotas->max_connections_exceeded(c->info()->listener_name)) continue;
    if (!oldest || c->last_active() < oldest->last_active()) {
      oldest = std::move(c);
      where = e.executor;
    }
  }
  if (!oldest) return;
  spdlog::info(
      "Closing connection {} from {} on listener {} to make room for an inter-broker "
      "connection over max.connections",
      oldest->info()->id, oldest->info()->client_address(), oldest->info()->listener_name);
  asio::post(where, [weak = std::weak_ptr<connection>(oldest)] {
    if (auto c = weak.lock()) c->close(close_reason::max_connections);
  });
}

void tcp_server::impl::start_connection(asio::ip::tcp::socket socket, listener_state& l,
                                        const asio::ip::tcp::endpoint& remote) {
  // Counted by admit(): every return before the connection exists releases it.
  auto uncount = [&] {
    if (options_.quotas) options_.quotas->release(l.config.name, plain_address(remote.address()));
  };
  std::error_code ec;
  auto local = socket.local_endpoint(ec);
  if (ec) return uncount();
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (options_.send_buffer_bytes > 0) {
    socket.set_option(asio::socket_base::send_buffer_size(options_.send_buffer_bytes), ec);
  }
  if (options_.receive_buffer_bytes > 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(options_.receive_buffer_bytes), ec);
  }
  auto info = std::make_shared<connection_info>();
  info->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  info->listener_name = l.config.name;
  info->security_protocol = l.config.security_protocol;
  // A SASL listener's connections authenticate before anything but ApiVersions and SASL.
  info->session = std::make_shared<connection_session>(
      info->security_protocol.rfind("SASL_", 0) != 0, std::string(anonymous_principal),
      l.config.sasl_max_receive_bytes);
  info->client_host = plain_address(remote.address());
  info->client_port = remote.port();
  info->local_host = plain_address(local.address());
  info->local_port = local.port();
  l.instruments.accepted.inc();
  std::unique_ptr<ssl_st, decltype(&SSL_free)> ssl(nullptr, &SSL_free);
  if (uses_tls(l.config.security_protocol)) {
    ssl.reset(l.config.tls->new_connection());
    if (!ssl) {
      spdlog::error("listener {}: cannot set up TLS for a connection from {}", l.config.name,
                    info->client_address());
      return uncount();
    }
  }
  auto executor = socket.get_executor();
  asio::post(executor, [this, &l, ssl = std::move(ssl), socket = std::move(socket),
                        info = std::move(info)]() mutable {
    auto c = std::make_shared<connection>(std::move(socket), std::move(info), shared_,
                                          l.instruments, ssl.release(), l.config.tls);
    c->start();
  });
}

std::vector<bound_listener> tcp_server::impl::listeners() const {
  std::lock_guard lock(mu_);
  std::vector<bound_listener> out;
  for (const auto& l : listeners_) out.push_back(l->bound);
  return out;
}

uint16_t tcp_server::impl::port(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const auto& l : listeners_) {
    if (l->bound.name == name) return l->bound.port;
  }
  return 0;
}

void tcp_server::impl::stop_accepting() {
  if (state_ != run_state::running || !accepting_) return;
  accepting_ = false;
  std::promise<void> closed;
  asio::post(pool_.at(0), [&] {
    for (auto& l : listeners_) {
      std::error_code ignored;
      l->acceptor->close(ignored);
    }
    closed.set_value();
  });
  closed.get_future().wait();
}

void tcp_server::impl::stop(std::chrono::milliseconds drain_timeout) {
  if (state_ != run_state::running) return;
  stop_accepting();
  auto live = registry_.begin_drain();
  for (auto& e : live) {
    asio::post(e.executor, [w = e.conn] {
      if (auto c = w.lock()) c->begin_drain();
    });
  }
  if (!registry_.wait_empty(clock::now() + drain_timeout)) {
    auto left = registry_.snapshot();
    spdlog::warn("{} connection(s) still had requests in flight after {} ms; closing them",
                 left.size(), drain_timeout.count());
    for (auto& e : left) {
      asio::post(e.executor, [w = e.conn] {
        if (auto c = w.lock()) c->close(close_reason::shutdown);
      });
    }
    registry_.wait_empty(clock::now() + force_close_grace);
  }
  pool_.stop();
  // The loops are stopped: make sure no late response callback posts into them.
  for (auto& e : registry_.snapshot()) e.mailbox->close();
  for (auto& l : listeners_) l->acceptor.reset();
  state_ = run_state::stopped;
}

// ---- tcp_server ----

tcp_server::tcp_server(tcp_server_options options, request_dispatcher& dispatcher,
                       metrics::registry& registry)
    : impl_(std::make_unique<impl>(std::move(options), dispatcher, registry)) {}

tcp_server::~tcp_server() = default;

result<void> tcp_server::bind() {
  return impl_->bind();
}
result<void> tcp_server::start() {
  return impl_->start();
}
std::vector<bound_listener> tcp_server::listeners() const {
  return impl_->listeners();
}
uint16_t tcp_server::port(std::string_view listener_name) const {
  return impl_->port(listener_name);
}
size_t tcp_server::connection_count() const {
  return impl_->connection_count();
}
void tcp_server::stop_accepting() {
  impl_->stop_accepting();
}
void tcp_server::stop(std::chrono::milliseconds drain_timeout) {
  impl_->stop(drain_timeout);
}

}  // namespace sluice::net
