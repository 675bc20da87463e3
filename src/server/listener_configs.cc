#include "server/listener_configs.h"

#include <algorithm>

#include "net/ssl_principal_mapper.h"

namespace sluice::server {
namespace {

constexpr std::string_view prefix = "listener.name.";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

}  // namespace

bool per_listener(const config_key& k) {
  if (k.name == "max.connections" || k.name == "max.connection.creation.rate") return true;
  return k.section == "SSL" && !k.ignored;
}

std::string listener_key_name(std::string_view listener, std::string_view key) {
  return std::string(prefix) + lower(listener) + "." + std::string(key);
}

std::optional<listener_key> parse_listener_key(std::string_view name) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
  const config_key* k = find_config_key(name.substr(dot + 1));
  if (k == nullptr || !per_listener(*k)) return std::nullopt;
  return listener_key{std::string(name.substr(0, dot)), k};
}

const config_key* find_broker_config_key(std::string_view name) {
  if (const config_key* k = find_config_key(name)) return k;
  auto lk = parse_listener_key(name);
  return lk ? lk->key : nullptr;
}

result<net::tls_settings> listener_tls_settings(
    const listener_config& l,
    const std::function<const config_value&(std::string_view)>& broker_wide,
    const listener_overrides& overrides) {
  net::tls_settings s;
  // The value in force for `key` and the name it was given under.
  auto value = [&](std::string_view key) -> const config_value& {
    std::string prefixed = listener_key_name(l.name, key);
    if (auto it = overrides.find(prefixed); it != overrides.end()) {
      s.keys[std::string(key)] = prefixed;
      return it->second;
    }
    return broker_wide(key);
  };
  auto text = [&](std::string_view key) -> std::optional<std::string> {
    const auto& v = value(key);
    if (auto* str = std::get_if<std::string>(&v)) return *str;
    return std::nullopt;
  };
  // Stores and passwords: an empty value is no value (as `ssl.truststore.location=` reads).
  auto optional = [&](std::string_view key) -> std::optional<std::string> {
    auto t = text(key);
    if (t && t->empty()) return std::nullopt;
    return t;
  };
  auto list = [&](std::string_view key) {
    const auto& v = value(key);
    auto* items = std::get_if<config_list>(&v);
    return items ? *items : config_list{};
  };
  s.keystore_type = text("ssl.keystore.type").value_or("JKS");
  s.keystore_location = optional("ssl.keystore.location");
  s.keystore_password = optional("ssl.keystore.password");
  s.key_password = optional("ssl.key.password");
  s.keystore_certificate_chain = optional("ssl.keystore.certificate.chain");
  s.keystore_key = optional("ssl.keystore.key");
  s.truststore_type = text("ssl.truststore.type").value_or("JKS");
  s.truststore_location = optional("ssl.truststore.location");
  s.truststore_password = optional("ssl.truststore.password");
  s.truststore_certificates = optional("ssl.truststore.certificates");
  std::string auth = text("ssl.client.auth").value_or("none");
  if (l.security_protocol == "SASL_SSL" &&
      !overrides.contains(listener_key_name(l.name, "ssl.client.auth")))
    auth = "none";
  s.client_auth = auth == "required"    ? net::ssl_client_auth::required
                  : auth == "requested" ? net::ssl_client_auth::requested
                                        : net::ssl_client_auth::none;
  s.enabled_protocols = list("ssl.enabled.protocols");
  s.protocol = text("ssl.protocol").value_or("TLSv1.3");
  s.cipher_suites = list("ssl.cipher.suites");
  s.endpoint_identification_algorithm = text("ssl.endpoint.identification.algorithm").value_or("");
  s.principal_mapping_rules = text("ssl.principal.mapping.rules").value_or("DEFAULT");
  if (auto rules = net::ssl_principal_mapper::parse(s.principal_mapping_rules); !rules)
    return fail(errc::invalid_config, "invalid value '" + s.principal_mapping_rules + "' for " +
                                          s.key("ssl.principal.mapping.rules") + ": " +
                                          rules.message());
  return s;
}

}  // namespace sluice::server
