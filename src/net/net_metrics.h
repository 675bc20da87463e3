// net_metrics: the network layer's instruments, registered in the broker's metrics registry.
// Internal to net/. Created by tcp_server; every member is safe from any thread. Per-API
// instruments are created on first use and cached in an array, so the hot path takes no lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/metrics.h"

namespace sluice::net {

// Why a connection ended (the `reason` label of sluice_network_connections_closed_total).
enum class close_reason {
  peer_closed,       // EOF or reset from the client
  idle,              // connections.max.idle.ms
  oversize_request,  // size prefix negative or above socket.request.max.bytes
  read_error,
  write_error,
  requested,      // the dispatcher asked (unknown API, undecodable request)
  lost_response,  // a response_callback was dropped without being invoked (a bug)
  shutdown,
  tls_handshake_failed,    // TLS listener: the handshake failed, or no principal could be mapped
  max_connections_per_ip,  // refused at accept: its address was at max.connections.per.ip
  ip_connection_rate,      // held, then closed: its address was over its connection_creation_rate
  max_connections,         // the least recently used client one, for an inter-broker one (KIP-402)
};
inline constexpr size_t close_reason_count = 12;
std::string_view to_string(close_reason r);

class net_metrics {
 public:
  net_metrics(metrics::registry& registry, std::function<std::string(int16_t)> api_name);

  struct listener_instruments {
    metrics::gauge& open;
    metrics::counter& accepted;
    // Milliseconds the acceptor waited for a connection slot (max.connections) or for the
    // connection creation rate (Kafka's AcceptorBlockedPercent, as a total).
    metrics::counter& blocked_ms;
  };
  struct api_instruments {
    metrics::counter& requests;
    metrics::histogram& latency;  // microseconds, from frame read to response written
  };

  listener_instruments listener(const std::string& name);
  api_instruments& api(int16_t key);
  metrics::counter& closed(close_reason r) { return *closed_[static_cast<size_t>(r)]; }
  metrics::counter& received_bytes() { return received_; }
  metrics::counter& sent_bytes() { return sent_; }
  metrics::counter& sendfile_bytes() { return sendfile_; }

 private:
  static constexpr int max_named_key = 127;  // keys outside [0, 127] share the "unknown" label

  metrics::registry& registry_;
  std::function<std::string(int16_t)> api_name_;
  metrics::counter_family& requests_;
  metrics::histogram_family& latency_;
  std::array<metrics::counter*, close_reason_count> closed_{};
  metrics::counter& received_;
  metrics::counter& sent_;
  metrics::counter& sendfile_;

  std::mutex mu_;  // guards creation into owned_
  std::vector<std::unique_ptr<api_instruments>> owned_;
  std::array<std::atomic<api_instruments*>, max_named_key + 2> by_key_{};  // last: unknown
};

}  // namespace sluice::net
