// tls_settings: one listener's TLS configuration as Kafka's ssl.* keys give it (after the
// listener.name.<listener>.ssl.* overrides are applied), or the broker's own as a client of the
// inter-broker listener. Plain data, filled in by server/ from the configuration and turned into
// an OpenSSL context by tls_context; no OpenSSL or Asio here.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

enum class ssl_client_auth { none, requested, required };  // ssl.client.auth

struct tls_settings {
  std::string keystore_type = "JKS";                      // ssl.keystore.type: JKS, PKCS12 or PEM
  std::optional<std::string> keystore_location;           // ssl.keystore.location
  std::optional<std::string> keystore_password;           // ssl.keystore.password
  std::optional<std::string> key_password;                // ssl.key.password
  std::optional<std::string> keystore_certificate_chain;  // ssl.keystore.certificate.chain (PEM)
  std::optional<std::string> keystore_key;                // ssl.keystore.key (PEM)
  std::string truststore_type = "JKS";                    // ssl.truststore.type
  std::optional<std::string> truststore_location;         // ssl.truststore.location
  std::optional<std::string> truststore_password;         // ssl.truststore.password
  std::optional<std::string> truststore_certificates;     // ssl.truststore.certificates (PEM)
  ssl_client_auth client_auth = ssl_client_auth::none;    // ssl.client.auth (servers)
  std::vector<std::string> enabled_protocols{"TLSv1.2", "TLSv1.3"};  // ssl.enabled.protocols
  std::string protocol = "TLSv1.3";                                  // ssl.protocol
  std::vector<std::string> cipher_suites;  // ssl.cipher.suites; empty: OpenSSL's defaults
  std::string endpoint_identification_algorithm = "https";  // clients: "https" checks the host
  std::string principal_mapping_rules = "DEFAULT";          // ssl.principal.mapping.rules

  // The key each value was read from, by its unprefixed name ("ssl.keystore.location" ->
  // "listener.name.internal.ssl.keystore.location"), so errors name what the operator wrote.
  std::map<std::string, std::string, std::less<>> keys;
  std::string key(std::string_view name) const {
    auto it = keys.find(name);
    return it == keys.end() ? std::string(name) : it->second;
  }
};

// Whether two settings name the same key and trust stores (what tls_context::reload swaps).
inline bool same_stores(const tls_settings& a, const tls_settings& b) {
  return a.keystore_type == b.keystore_type && a.keystore_location == b.keystore_location &&
         a.keystore_password == b.keystore_password && a.key_password == b.key_password &&
         a.keystore_certificate_chain == b.keystore_certificate_chain &&
         a.keystore_key == b.keystore_key && a.truststore_type == b.truststore_type &&
         a.truststore_location == b.truststore_location &&
         a.truststore_password == b.truststore_password &&
         a.truststore_certificates == b.truststore_certificates;
}

// Whether a listener's security protocol runs over TLS (SSL and SASL_SSL).
inline bool uses_tls(std::string_view security_protocol) {
  return security_protocol == "SSL" || security_protocol == "SASL_SSL";
}

}  // namespace sluice::net
