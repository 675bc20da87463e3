// The catalogue's SSL section: Kafka's ssl.* broker keys with Kafka's types and defaults, and
// Sluice's own descriptions. docs/security.md shows how they fit together.
#include "server/config_catalogue_sections.h"

namespace sluice::server {

void add_ssl_keys(std::vector<config_key>& keys) {
  using t = config_type;
  auto add = [&](config_key k) {
    k.section = "SSL";
    keys.push_back(std::move(k));
  };
  add({.name = "ssl.keystore.type",
       .type = t::string,
       .default_value = "JKS",
       .doc =
           "Format of the key store: PKCS12, PEM, or JKS — which Sluice reads only when the file "
           "is really PKCS12 (what keytool writes by default since Java 9), as Java does; a "
           "true JKS file is refused with advice to convert it.",
       .mode = update_mode::per_broker});
  add({.name = "ssl.keystore.location",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The key store file: this broker's private key and certificate chain (leaf first). "
              "A PEM file holds the key (PKCS#8, optionally encrypted) and the certificates. "
              "Required for TLS listeners unless ssl.keystore.key is set. Renew a certificate "
              "without a restart by pointing this key (or its listener.name.<l>. form) at a new "
              "file with kafka-configs.sh --entity-type brokers --entity-name <id>: the new "
              "store is loaded and checked first, and new connections use it.",
       .mode = update_mode::per_broker});
  add({.name = "ssl.keystore.password",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Password of a PKCS12 key store (it protects the file and its key). Must not be "
              "set for PEM; use ssl.key.password there.",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.key.password",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Password of an encrypted PEM private key (in ssl.keystore.location or "
              "ssl.keystore.key).",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.keystore.certificate.chain",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "The certificate chain in PEM, leaf first, given inline instead of a file (with "
              "ssl.keystore.key and ssl.keystore.type=PEM).",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.keystore.key",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "The private key in PEM (PKCS#8, encrypted with ssl.key.password if set), given "
              "inline instead of a file (with ssl.keystore.certificate.chain and "
              "ssl.keystore.type=PEM).",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.truststore.type",
       .type = t::string,
       .default_value = "JKS",
       .doc = "Format of the trust store: PKCS12, PEM, or JKS read as PKCS12 (see "
              "ssl.keystore.type).",
       .mode = update_mode::per_broker});
  add({.name = "ssl.truststore.location",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "The trust store file: the CA certificates client certificates (ssl.client.auth) "
              "and, for the inter-broker listener, other brokers' certificates are checked "
              "against. Not set: the system's CA certificates.",
       .mode = update_mode::per_broker});
  add({.name = "ssl.truststore.password",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Password of a PKCS12 trust store; without it the store is read without checking "
              "its integrity, as Java does. Must not be set for PEM.",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.truststore.certificates",
       .type = t::password,
       .default_value = std::nullopt,
       .doc = "Trusted certificates in PEM, given inline instead of a file (with "
              "ssl.truststore.type=PEM).",
       .mode = update_mode::per_broker,
       .sensitive = true});
  add({.name = "ssl.client.auth",
       .type = t::string,
       .default_value = "none",
       .doc = "Whether SSL listeners ask clients for a certificate: required (a client without a "
              "valid one is refused), requested (asked for, not required), none. On SASL_SSL "
              "listeners only the listener-prefixed key counts, as in Kafka.",
       .valid = one_of({"required", "requested", "none"})});
  add({.name = "ssl.enabled.protocols",
       .type = t::list,
       .default_value = "TLSv1.2,TLSv1.3",
       .doc = "The TLS versions accepted, and offered by the inter-broker client.",
       .valid = each_one_of({"TLSv1.2", "TLSv1.3"})});
  add({.name = "ssl.protocol",
       .type = t::string,
       .default_value = "TLSv1.3",
       .doc = "The newest TLS version the inter-broker client offers (TLS: any enabled one). "
              "TLSv1.2 keeps it from TLSv1.3 even when ssl.enabled.protocols lists it. Servers "
              "accept every enabled version.",
       .valid = one_of({"TLSv1.2", "TLSv1.3", "TLS"})});
  add({.name = "ssl.cipher.suites",
       .type = t::list,
       .default_value = std::nullopt,
       .doc =
           "The cipher suites allowed, by their IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
           "TLS_AES_256_GCM_SHA384) as Java takes them, or OpenSSL's. Not set: OpenSSL's "
           "defaults. A list without TLS 1.3 suites rules TLS 1.3 out, and one with only TLS "
           "1.3 suites rules TLS 1.2 out."});
  add({.name = "ssl.endpoint.identification.algorithm",
       .type = t::string,
       .default_value = "https",
       .doc = "https: the inter-broker client checks that the other broker's certificate names "
              "the host (or IP address) it connects to. Empty: no host name check (the "
              "certificate is still verified against the trust store).",
       .valid = one_of({"https", ""})});
  add({.name = "ssl.principal.mapping.rules",
       .type = t::string,
       .default_value = "DEFAULT",
       .doc = "How a client certificate's subject (its RFC 2253 distinguished name) becomes the "
              "principal name: comma-separated rules, the first that applies wins. DEFAULT keeps "
              "the whole name; RULE:pattern/replacement/ rewrites names the pattern matches, /L "
              "or /U at the end lower- or upper-cases the result. A client without a certificate "
              "is User:ANONYMOUS."});
  add({.name = "ssl.keymanager.algorithm",
       .type = t::string,
       .default_value = "SunX509",
       .doc = "Java's key manager algorithm; Sluice uses OpenSSL.",
       .ignored = true});
  add({.name = "ssl.trustmanager.algorithm",
       .type = t::string,
       .default_value = "PKIX",
       .doc = "Java's trust manager algorithm; Sluice uses OpenSSL's certificate verification.",
       .ignored = true});
  add({.name = "ssl.secure.random.implementation",
       .type = t::string,
       .default_value = std::nullopt,
       .doc = "Java's SecureRandom implementation; Sluice uses OpenSSL's random generator.",
       .ignored = true});
}

}  // namespace sluice::server
