// connection_quotas: Kafka's ConnectionQuotas (KIP-308, KIP-402, KIP-612) — the broker's count of
// open connections per client address, per listener and in total, and the limits the acceptor
// enforces before a connection is served:
//   - max.connections.per.ip (and max.connections.per.ip.overrides): a connection beyond its
//     address's limit is counted, refused (admit() answers too_many_for_ip) and closed at once;
//   - max.connections and listener.name.<l>.max.connections: while no slot is free the acceptor
//     waits (the connection stays in the accept queue's hands) until one is released. The
//     inter-broker listener is exempt from the broker-wide limit when there are other listeners;
//   - max.connection.creation.rate and listener.name.<l>.max.connection.creation.rate: each
//     accepted connection is recorded in a sampled rate; above the rate the acceptor waits the
//     throttle time (at most one quota window) before serving it;
//   - connection_creation_rate of IP quota entities (kafka-configs.sh --entity-type ips): a
//     connection above its address's rate is not served; it is held, unread, for the throttle
//     time and then closed (Kafka's ConnectionThrottledException), on every listener.
//
// Sans I/O: callers pass the time and do the waiting. Owned by tcp_server; every member is safe
// from any thread (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "base/sampled_rate.h"

namespace sluice::net {

inline constexpr int32_t unlimited_connections = std::numeric_limits<int32_t>::max();

struct listener_connection_limits {
  int32_t max_connections = unlimited_connections;
  int32_t max_connection_creation_rate = unlimited_connections;  // per second
  bool operator==(const listener_connection_limits&) const = default;
};

struct connection_limits {
  int32_t max_connections = unlimited_connections;         // max.connections
  int32_t max_connections_per_ip = unlimited_connections;  // max.connections.per.ip
  // max.connections.per.ip.overrides, by numeric address (as tcp_server reports client hosts).
  std::map<std::string, int32_t, std::less<>> max_connections_per_ip_overrides;
  int32_t max_connection_creation_rate = unlimited_connections;  // max.connection.creation.rate
  // Every listener of the broker by name, with its listener.name.<l>.max.connections and
  // .max.connection.creation.rate (unlimited when not set).
  std::map<std::string, listener_connection_limits, std::less<>> listeners;
  std::string inter_broker_listener;  // exempt from the broker-wide limits
  rate_window window;                 // quota.window.num, quota.window.size.seconds
  bool operator==(const connection_limits&) const = default;
};

class connection_quotas {
 public:
  using time_ms = sampled_rate::time_ms;
  enum class admission { admitted, too_many_for_ip };

  explicit connection_quotas(connection_limits limits);

  // New limits (dynamic broker configs). Rates already measured are kept; the new bounds apply to
  // the next connection, and a waiting acceptor sees a raised max.connections at its next check.
  void update(connection_limits limits);
  connection_limits limits() const;

  // Step 1 of accepting on `listener`: records the connection in the broker-wide (unless the
  // listener is protected) and the listener's creation rate, and returns how long the acceptor
  // must wait before serving it (0 within the rates; at most one quota window).
  time_ms record_creation(std::string_view listener, time_ms now);
  // Step 2, repeated until true: whether the listener's and the broker's limits leave a slot.
  bool slot_available(std::string_view listener) const;
  // IP entities' connection_creation_rate, by numeric address, and the default entity's
  // (unlimited_connections: none). They come from the stored quotas, apart from update()'s
  // broker configs; rates already measured are kept.
  void update_ip_rates(std::map<std::string, int32_t, std::less<>> rates, int32_t default_rate);
  // Step 2b: records the connection in its address's creation rate and returns 0, or, above the
  // rate, takes the record back and returns how long to hold the connection before closing it.
  time_ms record_ip_creation(const std::string& address, time_ms now);
  int32_t ip_connection_rate(const std::string& address) const;

  // Step 3: counts the connection. too_many_for_ip: the address is over its limit; the connection
  // is counted all the same and the caller closes it and calls release(), as Kafka does.
  admission admit(std::string_view listener, const std::string& address);
  // A counted connection has closed.
  void release(std::string_view listener, const std::string& address);

  // True while the broker-wide count exceeds max.connections (connections accepted on the
  // protected inter-broker listener do that) and `listener` is not protected: Kafka then closes
  // that listener's least recently used connection.
  bool max_connections_exceeded(std::string_view listener) const;
  // True when `listener` is the protected inter-broker one and the broker-wide count is above
  // max.connections: a client connection elsewhere is to close.
  bool max_connections_exceeded_by_protected(std::string_view listener) const;

  int32_t max_connections_for(const std::string& address) const;  // its per-IP limit
  size_t total() const;
  size_t count(const std::string& address) const;
  size_t listener_count(std::string_view listener) const;

 private:
  struct listener_state {
    size_t count = 0;
    sampled_rate creation;
  };
  bool protected_listener(std::string_view listener) const;  // mu_ held
  listener_state& state(std::string_view listener);          // mu_ held
  int32_t max_for(const std::string& address) const;         // mu_ held

  mutable std::mutex mu_;
  connection_limits limits_;
  std::map<std::string, int32_t, std::less<>> ip_rates_;
  int32_t default_ip_rate_ = unlimited_connections;
  std::map<std::string, sampled_rate, std::less<>> ip_creation_;  // addresses with a rate only
  std::map<std::string, size_t, std::less<>> by_address_;
  std::map<std::string, listener_state, std::less<>> listeners_;
  size_t total_ = 0;
  sampled_rate broker_creation_;
};

}  // namespace sluice::net
