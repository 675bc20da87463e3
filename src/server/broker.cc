#include "server/broker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "server/not_implemented_dispatcher.h"

namespace sluice::server {
namespace {

constexpr int max_in_flight_per_connection = 16;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

broker::broker(server_config config) : config_(std::move(config)) {}

broker::~broker() {
  stop(std::chrono::milliseconds(0));
}

result<void> broker::start() {
  // 1. Metrics first: start-up itself can be watched.
  if (auto r = start_metrics_endpoint(); !r.ok()) {
    stop();
    return r;
  }
  metrics_.gauge_metric("sluice_under_replicated_partitions",
                        "Partitions with fewer in-sync replicas than replicas (0 until #7).");

  // 2. Subsystems, in dependency order (storage, then metadata, then coordinators). Each one
  //    registers what it must do at shutdown with add_shutdown_step().
  //    >>> storage / metadata wiring goes here <<<

  // 3. The request dispatcher: the one place where request handling plugs in.
  dispatcher_ = make_dispatcher();

  // 4. Kafka listeners last, so no client arrives before everything behind them is ready.
  server_ = std::make_unique<net::tcp_server>(network_options(), *dispatcher_, metrics_);
  if (auto bound = server_->bind(); !bound.ok()) {
    stop();
    return fail(errc::start_failed, bound.message());
  }
  std::map<std::string, uint16_t> ports;
  for (const auto& l : server_->listeners()) ports[l.name] = l.port;
  config_.resolve_bound_ports(ports);
  if (auto started = server_->start(); !started.ok()) {
    stop();
    return fail(errc::start_failed, started.message());
  }
  started_ = true;
  log_summary();
  return ok_v;
}

std::unique_ptr<net::request_dispatcher> broker::make_dispatcher() {
  // >>> Handlers plug in here: replace this with the handlers' dispatcher, built over the
  //     subsystems started above. Until then every request is logged and its connection closed.
  return std::make_unique<not_implemented_dispatcher>();
}

net::tcp_server_options broker::network_options() const {
  const broker_config& c = config_.typed();
  net::tcp_server_options o;
  for (const auto& l : c.listeners) {
    o.listeners.push_back(net::listener_endpoint{l.name, l.security_protocol, l.host, l.port});
  }
  o.network_threads = c.num_network_threads;
  o.max_request_bytes = c.socket_request_max_bytes;
  o.idle_timeout = std::chrono::milliseconds(c.connections_max_idle_ms);
  o.max_in_flight_per_connection = std::min(c.queued_max_requests, max_in_flight_per_connection);
  o.send_buffer_bytes = c.socket_send_buffer_bytes;
  o.receive_buffer_bytes = c.socket_receive_buffer_bytes;
  // o.api_name: set from the protocol codec's API names once the handlers are wired in.
  return o;
}

result<void> broker::start_metrics_endpoint() {
  const metrics_listener_config& m = config_.typed().metrics_listener;
  net::http_server_options o;
  o.host = m.host;
  o.port = m.port;
  o.next_free_port = m.is_default;  // several brokers on one host share the default
  http_ = std::make_unique<net::http_server>(o);
  http_->route("/metrics", [this] {
    return net::http_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.expose()};
  });
  http_->route("/healthz", [] { return net::http_response{200, "text/plain", "ok\n"}; });
  auto started = http_->start();
  if (!started.ok()) {
    return fail(errc::start_failed, "metrics.listener " + m.to_string() + ": " + started.message());
  }
  if (http_->port() != m.port && m.port != 0) {
    spdlog::warn("metrics port {} is in use; serving metrics on port {} instead", m.port,
                 http_->port());
  }
  return ok_v;
}

void broker::log_summary() const {
  const broker_config& c = config_.typed();
  std::vector<std::string> listeners, advertised, overrides;
  for (const auto& l : c.listeners) listeners.push_back(l.to_string());
  for (const auto& l : c.advertised_listeners) advertised.push_back(l.to_string());
  for (const auto& [k, v] : config_.overrides()) overrides.push_back(k + "=" + v);
  spdlog::info("sluiced started: broker.id={}, {}", c.broker_id,
               c.zookeeper_connect ? "ZooKeeper " + *c.zookeeper_connect
                                   : std::string("embedded metadata (no zookeeper.connect)"));
  spdlog::info("  listeners: {}", join(listeners));
  spdlog::info("  advertised listeners: {}", join(advertised));
  spdlog::info("  log dirs: {}", join(c.log_dirs));
  spdlog::info("  config overrides: {}", overrides.empty() ? "none" : join(overrides));
  metrics_listener_config shown = c.metrics_listener;
  shown.port = metrics_port();
  spdlog::info("  metrics: {}/metrics", shown.to_string());
}

void broker::add_shutdown_step(std::string name, std::function<void()> step) {
  shutdown_steps_.emplace_back(std::move(name), std::move(step));
}

void broker::stop(std::chrono::milliseconds drain_timeout) {
  if (stopped_) return;
  stopped_ = true;
  if (server_) {
    server_->stop_accepting();
    server_->stop(drain_timeout);  // in-flight requests are answered first
  }
  for (auto it = shutdown_steps_.rbegin(); it != shutdown_steps_.rend(); ++it) {
    spdlog::info("shutdown: {}", it->first);
    it->second();
  }
  shutdown_steps_.clear();
  server_.reset();
  dispatcher_.reset();
  if (http_) http_->stop();
  if (started_) spdlog::info("sluiced stopped");
}

uint16_t broker::port(std::string_view listener_name) const {
  return server_ ? server_->port(listener_name) : 0;
}

uint16_t broker::metrics_port() const {
  return http_ ? http_->port() : 0;
}

}  // namespace sluice::server
