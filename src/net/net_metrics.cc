#include "net/net_metrics.h"

namespace sluice::net {

std::string_view to_string(close_reason r) {
  switch (r) {
    case close_reason::peer_closed:
      return "peer_closed";
    case close_reason::idle:
      return "idle";
    case close_reason::oversize_request:
      return "oversize_request";
    case close_reason::read_error:
      return "read_error";
    case close_reason::write_error:
      return "write_error";
    case close_reason::requested:
      return "requested";
    case close_reason::lost_response:
      return "lost_response";
    case close_reason::shutdown:
      return "shutdown";
    case close_reason::tls_handshake_failed:
      return "tls_handshake_failed";
    case close_reason::max_connections_per_ip:
      return "max_connections_per_ip";
    case close_reason::ip_connection_rate:
      return "ip_connection_rate";
    case close_reason::max_connections:
      return "max_connections";
  }
  return "unknown";
}

net_metrics::net_metrics(metrics::registry& registry, std::function<std::string(int16_t)> api_name)
    : registry_(registry),
      api_name_(std::move(api_name)),
      requests_(registry.counters("sluice_requests_total",
                                  "Requests answered (or completed without a response), by API.",
                                  {"api"})),
      latency_(registry.histograms(
          "sluice_request_duration_seconds",
          "Time from a request fully read to its response fully written, by API.", {"api"})),
      received_(registry.counter_metric("sluice_network_received_bytes_total",
                                        "Bytes read from Kafka clients.")),
      sent_(registry.counter_metric("sluice_network_sent_bytes_total",
                                    "Bytes written to Kafka clients, sendfile included.")),
      sendfile_(registry.counter_metric("sluice_network_sendfile_bytes_total",
                                        "Bytes written to Kafka clients with sendfile.")) {
  auto& closed = registry.counters("sluice_network_connections_closed_total",
                                   "Client connections closed, by reason.", {"reason"});
  for (size_t i = 0; i < close_reason_count; ++i) {
    closed_[i] = &closed.with({std::string(to_string(static_cast<close_reason>(i)))});
  }
  if (!api_name_) api_name_ = [](int16_t key) { return std::to_string(key); };
}

net_metrics::listener_instruments net_metrics::listener(const std::string& name) {
  return listener_instruments{
      registry_
          .gauges("sluice_network_connections", "Open client connections, by listener.",
                  {"listener"})
          .with({name}),
      registry_
          .counters("sluice_network_connections_accepted_total",
                    "Client connections accepted, by listener.", {"listener"})
          .with({name}),
      registry_
          .counters("sluice_network_acceptor_blocked_milliseconds_total",
                    "Time the acceptor waited for a connection slot (max.connections) or for the "
                    "connection creation rate, by listener.",
                    {"listener"})
          .with({name}),
  };
}

net_metrics::api_instruments& net_metrics::api(int16_t key) {
  size_t slot = key >= 0 && key <= max_named_key ? static_cast<size_t>(key) : by_key_.size() - 1;
  if (api_instruments* cached = by_key_[slot].load(std::memory_order_acquire)) return *cached;
  std::lock_guard lock(mu_);
  if (api_instruments* cached = by_key_[slot].load(std::memory_order_acquire)) return *cached;
  std::string label = slot == by_key_.size() - 1 ? "unknown" : api_name_(key);
  owned_.push_back(std::make_unique<api_instruments>(
      api_instruments{requests_.with({label}), latency_.with({label})}));
  by_key_[slot].store(owned_.back().get(), std::memory_order_release);
  return *owned_.back();
}

}  // namespace sluice::net
