#include "server/connection_limits.h"

#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace sluice::server {
namespace {

// Every numeric address `host` names (itself when already numeric).
std::vector<std::string> addresses_of(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) == 0)
      out.emplace_back(text);
  }
  freeaddrinfo(found);
  return out;
}

}  // namespace

net::connection_limits connection_limits_of(const broker_config& c) {
  net::connection_limits l;
  l.max_connections = c.max_connections;
  l.max_connections_per_ip = c.max_connections_per_ip;
  for (const auto& [host, count] : c.max_connections_per_ip_overrides) {
    auto addresses = addresses_of(host);
    if (addresses.empty())
      spdlog::warn("max.connections.per.ip.overrides: {} does not resolve; ignored", host);
    for (auto& a : addresses) l.max_connections_per_ip_overrides[a] = count;
  }
  l.max_connection_creation_rate = c.max_connection_creation_rate;
  for (const auto& listener : c.listeners) {
    net::listener_connection_limits& own = l.listeners[listener.name];
    if (auto it = c.listener_max_connections.find(listener.name);
        it != c.listener_max_connections.end())
      own.max_connections = it->second;
    if (auto it = c.listener_max_connection_creation_rate.find(listener.name);
        it != c.listener_max_connection_creation_rate.end())
      own.max_connection_creation_rate = it->second;
  }
  l.inter_broker_listener = c.inter_broker_listener_name;
  l.window.samples = c.quota_window_num;
  l.window.size = std::chrono::seconds(c.quota_window_size_seconds);
  return l;
}

}  // namespace sluice::server
