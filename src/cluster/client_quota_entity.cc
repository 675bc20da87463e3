#include "cluster/client_quota_entity.h"

#include <arpa/inet.h>

#include <algorithm>

namespace sluice::cluster {
namespace {

std::string part(const quota_entity_name& n) {
  return n.name ? sanitize(*n.name) : std::string(default_entity_name);
}

std::optional<quota_entity_name> name_of(std::string_view text) {
  if (text.empty() || text.find('/') != std::string_view::npos) return std::nullopt;
  if (text == default_entity_name) return quota_entity_name{std::nullopt};
  return quota_entity_name{desanitize(text)};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool is_client_quota_key(std::string_view key) {
  return std::find(client_quota_keys.begin(), client_quota_keys.end(), key) !=
         client_quota_keys.end();
}

std::string sanitize(std::string_view name) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
    if (plain) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

std::string desanitize(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::string client_quota_entity::path() const {
  if (ip) return "ips/" + part(*ip);
  if (user) {
    std::string p = "users/" + part(*user);
    if (client_id) p += "/clients/" + part(*client_id);
    return p;
  }
  return "clients/" + (client_id ? part(*client_id) : std::string(default_entity_name));
}

std::optional<client_quota_entity> client_quota_entity::from_path(std::string_view path) {
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view kind = path.substr(0, slash), rest = path.substr(slash + 1);
  client_quota_entity e;
  if (kind == "ips") {
    e.ip = name_of(rest);
    if (!e.ip) return std::nullopt;
    return e;
  }
  if (kind == "clients") {
    e.client_id = name_of(rest);
    if (!e.client_id) return std::nullopt;
    return e;
  }
  if (kind != "users") return std::nullopt;
  constexpr std::string_view clients = "/clients/";
  auto at = rest.find(clients);
  e.user = name_of(rest.substr(0, at));
  if (!e.user) return std::nullopt;
  if (at != std::string_view::npos) {
    e.client_id = name_of(rest.substr(at + clients.size()));
    if (!e.client_id) return std::nullopt;
  }
  return e;
}

bool is_ip_address(std::string_view text) {
  std::string s(text);
  uint8_t buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool client_quota_entity::has_quota_key(std::string_view key) const {
  return ip ? key == ip_connection_rate_key : is_client_quota_key(key);
}

}  // namespace sluice::cluster
