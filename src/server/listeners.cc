#include "server/listeners.h"

#include <charconv>
#include <set>

namespace sluice::server {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

failure<errc> bad(std::string_view key, std::string_view entry, std::string_view reason) {
  return fail(errc::invalid_config, "invalid value '" + std::string(entry) + "' for " +
                                        std::string(key) + ": " + std::string(reason));
}

bool valid_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '%' || c == ':';
}

struct host_port {
  std::string host;
  uint16_t port;
};

// "host:port", "[v6]:port" or ":port"; the reason on failure.
result<host_port> split_host_port(std::string_view s) {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return fail(errc::invalid_config, "expected [address]:port");
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string_view::npos) return fail(errc::invalid_config, "no port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail(errc::invalid_config, "an IPv6 address must be in brackets");
    }
  }
  for (char c : host) {
    if (!valid_host_char(c)) {
      return fail(errc::invalid_config, "invalid character in host '" + std::string(host) + "'");
    }
  }
  uint32_t p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535) {
    return fail(errc::invalid_config, "port must be a number from 0 to 65535");
  }
  return host_port{std::string(host), static_cast<uint16_t>(p)};
}

}  // namespace

result<protocol_map> parse_protocol_map(std::string_view key, const config_list& entries) {
  static const std::set<std::string> known{"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
  protocol_map out;
  for (const auto& e : entries) {
    size_t colon = e.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == e.size()) {
      return bad(key, e, "expected LISTENER_NAME:SECURITY_PROTOCOL");
    }
    std::string name = upper(e.substr(0, colon));
    std::string protocol = upper(e.substr(colon + 1));
    if (!known.contains(protocol)) {
      return bad(key, e,
                 "unknown security protocol '" + protocol +
                     "' (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)");
    }
    if (!out.emplace(name, protocol).second) {
      return bad(key, e, "listener name " + name + " is mapped twice");
    }
  }
  return out;
}

result<std::vector<listener_config>> parse_listeners(std::string_view key,
                                                     const config_list& entries,
                                                     const protocol_map& protocols,
                                                     bool distinct_ports) {
  std::vector<listener_config> out;
  std::set<std::string> names;
  std::set<uint16_t> ports;
  for (const auto& e : entries) {
    size_t sep = e.find("://");
    if (sep == std::string::npos || sep == 0) return bad(key, e, "expected NAME://host:port");
    listener_config l;
    l.name = upper(e.substr(0, sep));
    for (char c : l.name) {
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return bad(key, e, "invalid listener name '" + l.name + "'");
      }
    }
    auto hp = split_host_port(std::string_view(e).substr(sep + 3));
    if (!hp.ok()) return bad(key, e, hp.message());
    l.host = hp->host;
    l.port = hp->port;
    auto protocol = protocols.find(l.name);
    if (protocol == protocols.end()) {
      return bad(key, e,
                 "listener name " + l.name +
                     " has no security protocol in listener.security.protocol.map");
    }
    l.security_protocol = protocol->second;
    if (!names.insert(l.name).second) {
      return bad(key, e, "listener name " + l.name + " appears more than once");
    }
    if (distinct_ports && l.port != 0 && !ports.insert(l.port).second) {
      return bad(key, e,
                 "each listener needs its own port; " + std::to_string(l.port) + " is used twice");
    }
    out.push_back(std::move(l));
  }
  return out;
}

result<metrics_listener_config> parse_metrics_listener(std::string_view key,
                                                       std::string_view value) {
  constexpr std::string_view scheme = "http://";
  if (value.size() < scheme.size() || upper(value.substr(0, scheme.size())) != "HTTP://") {
    return bad(key, value, "expected http://host:port");
  }
  std::string_view rest = value.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  auto hp = split_host_port(rest);
  if (!hp.ok()) return bad(key, value, hp.message());
  metrics_listener_config out;
  out.host = hp->host;
  out.port = hp->port;
  return out;
}

}  // namespace sluice::server
