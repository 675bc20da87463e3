#include "net/tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <set>

#include "net/keystore.h"
#include "net/x509_name.h"

namespace sluice::net {
namespace {

failure<errc> bad(const tls_settings& s, std::string_view key, std::string reason) {
  return fail(errc::invalid_argument, s.key(key) + ": " + reason);
}

int version_of(std::string_view name) {
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return 0;
}

bool is_tls13_suite(std::string_view name) {
  return name.starts_with("TLS_AES_") || name.starts_with("TLS_CHACHA20_");
}

struct version_range {
  int min = 0;
  int max = 0;
};

// ssl.enabled.protocols, capped for clients by ssl.protocol (Kafka: "TLSv1.2" keeps a client from
// TLSv1.3 even when it is enabled).
result<version_range> versions(tls_context::role side, const tls_settings& s) {
  version_range r{TLS1_3_VERSION + 1, 0};
  for (const auto& p : s.enabled_protocols) {
    int v = version_of(p);
    if (v == 0)
      return bad(s, "ssl.enabled.protocols", "'" + p + "' is not one of TLSv1.2, TLSv1.3");
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
  }
  if (r.max == 0) return bad(s, "ssl.enabled.protocols", "no protocol enabled");
  if (s.protocol != "TLS" && version_of(s.protocol) == 0)
    return bad(s, "ssl.protocol", "'" + s.protocol + "' is not one of TLSv1.2, TLSv1.3, TLS");
  if (side == tls_context::role::client && version_of(s.protocol) != 0) {
    r.max = std::min(r.max, version_of(s.protocol));
    if (r.max < r.min)
      return bad(s, "ssl.protocol",
                 s.protocol + " leaves none of " + s.key("ssl.enabled.protocols") + " usable");
  }
  return r;
}

// ssl.cipher.suites: IANA names (as Java takes them) or OpenSSL's. TLS 1.3 suites and older ones
// are configured apart in OpenSSL; a list without any of one kind rules that protocol out.
result<void> ciphers(SSL_CTX* ctx, const tls_settings& s, version_range& range) {
  if (s.cipher_suites.empty()) return ok_v;
  std::string tls13, tls12;
  // OpenSSL's names of every suite it has, by IANA name.
  std::map<std::string, std::string, std::less<>> by_standard_name;
  std::set<std::string, std::less<>> openssl_names;
  {
    SSL_CTX* all = SSL_CTX_new(TLS_method());
    SSL_CTX_set_cipher_list(all, "ALL:COMPLEMENTOFALL");
    std::unique_ptr<SSL, decltype(&SSL_free)> every(SSL_new(all), &SSL_free);
    SSL_CTX_free(all);
    STACK_OF(SSL_CIPHER)* list = SSL_get_ciphers(every.get());
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      by_standard_name[SSL_CIPHER_standard_name(c)] = SSL_CIPHER_get_name(c);
      openssl_names.insert(SSL_CIPHER_get_name(c));
    }
  }
  for (const auto& name : s.cipher_suites) {
    if (is_tls13_suite(name)) {
      tls13 += (tls13.empty() ? "" : ":") + name;
      continue;
    }
    std::string openssl_name;
    if (auto it = by_standard_name.find(name); it != by_standard_name.end()) {
      openssl_name = it->second;
    } else if (openssl_names.contains(name)) {
      openssl_name = name;
    } else {
      return bad(s, "ssl.cipher.suites", "unknown cipher suite '" + name + "'");
    }
    tls12 += (tls12.empty() ? "" : ":") + openssl_name;
  }
  if (!SSL_CTX_set_ciphersuites(ctx, tls13.c_str()))
    return bad(s, "ssl.cipher.suites",
               "OpenSSL refuses the TLS 1.3 suites: " + take_openssl_error());
  if (tls13.empty()) range.max = std::min(range.max, TLS1_2_VERSION);
  if (tls12.empty()) {
    range.min = std::max(range.min, TLS1_3_VERSION);
  } else if (!SSL_CTX_set_cipher_list(ctx, tls12.c_str())) {
    return bad(s, "ssl.cipher.suites", "OpenSSL refuses the suites: " + take_openssl_error());
  }
  if (range.max < range.min)
    return bad(s, "ssl.cipher.suites",
               "none of the suites is usable with " + s.key("ssl.enabled.protocols"));
  return ok_v;
}

// The key store and trust store into `ctx`.
result<void> stores(SSL_CTX* ctx, tls_context::role side, const tls_settings& s) {
  auto keys = load_keystore(s);
  if (!keys) return std::move(keys).error();
  if (*keys) {
    key_material& m = **keys;
    if (SSL_CTX_use_certificate(ctx, m.chain.front().get()) != 1)
      return bad(s, s.keystore_key ? "ssl.keystore.certificate.chain" : "ssl.keystore.location",
                 "the certificate is not usable: " + take_openssl_error());
    for (size_t i = 1; i < m.chain.size(); ++i) SSL_CTX_add1_chain_cert(ctx, m.chain[i].get());
    if (SSL_CTX_use_PrivateKey(ctx, m.key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1)
      return bad(s, s.keystore_key ? "ssl.keystore.key" : "ssl.keystore.location",
                 "the private key does not match the certificate (" + take_openssl_error() + ")");
  } else if (side == tls_context::role::server) {
    return bad(s, "ssl.keystore.location",
               "a TLS listener needs a key and certificate: set it (or " +
                   s.key("ssl.keystore.key") + " and " + s.key("ssl.keystore.certificate.chain") +
                   ")");
  }
  auto trusted = load_truststore(s);
  if (!trusted) return std::move(trusted).error();
  if (*trusted) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (auto& c : **trusted) {
      X509_STORE_add_cert(store, c.get());
      // Servers name the CAs they accept client certificates from (Java clients pick by it).
      if (side == tls_context::role::server) SSL_CTX_add_client_CA(ctx, c.get());
    }
    ERR_clear_error();  // a certificate listed twice is not an error
  } else {
    SSL_CTX_set_default_verify_paths(ctx);
  }
  return ok_v;
}

result<std::shared_ptr<ssl_ctx_st>> build(tls_context::role side, const tls_settings& s) {
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(
      SSL_CTX_new(side == tls_context::role::server ? TLS_server_method() : TLS_client_method()),
      &SSL_CTX_free);
  if (!ctx)
    return fail(errc::invalid_argument, "cannot create a TLS context: " + take_openssl_error());
  auto range = versions(side, s);
  if (!range) return std::move(range).error();
  if (auto c = ciphers(ctx.get(), s, *range); !c) return std::move(c).error();
  SSL_CTX_set_min_proto_version(ctx.get(), range->min);
  SSL_CTX_set_max_proto_version(ctx.get(), range->max);
  if (auto st = stores(ctx.get(), side, s); !st) return std::move(st).error();
  if (side == tls_context::role::server) {
    int mode = SSL_VERIFY_NONE;
    if (s.client_auth == ssl_client_auth::requested) mode = SSL_VERIFY_PEER;
    if (s.client_auth == ssl_client_auth::required)
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx.get(), mode, nullptr);
    // Resumed sessions keep their client certificate; resumption needs an id context.
    static constexpr unsigned char id[] = "sluice";
    SSL_CTX_set_session_id_context(ctx.get(), id, sizeof id - 1);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  return std::shared_ptr<ssl_ctx_st>(ctx);
}

bool is_ip_address(std::string_view host) {
  std::string h(host);
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buffer) == 1 || inet_pton(AF_INET6, h.c_str(), buffer) == 1;
}

}  // namespace

result<std::shared_ptr<tls_context>> tls_context::create(role side, const tls_settings& settings) {
  auto mapper = ssl_principal_mapper::parse(settings.principal_mapping_rules);
  if (!mapper) return bad(settings, "ssl.principal.mapping.rules", mapper.message());
  if (settings.endpoint_identification_algorithm != "https" &&
      !settings.endpoint_identification_algorithm.empty())
    return bad(settings, "ssl.endpoint.identification.algorithm",
               "'" + settings.endpoint_identification_algorithm + "' is not https (or empty)");
  auto ctx = build(side, settings);
  if (!ctx) return std::move(ctx).error();
  std::shared_ptr<tls_context> out(new tls_context(
      side, std::move(*mapper), settings.endpoint_identification_algorithm == "https"));
  out->ctx_ = std::move(*ctx);
  out->settings_ = settings;
  return out;
}

std::shared_ptr<ssl_ctx_st> tls_context::current() const {
  std::lock_guard lock(mu_);
  return ctx_;
}

tls_settings tls_context::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

ssl_st* tls_context::new_connection(std::string_view peer_host) const {
  std::shared_ptr<SSL_CTX> ctx = current();
  SSL* ssl = SSL_new(ctx.get());  // holds its own reference to the context
  if (ssl == nullptr || side_ == role::server || peer_host.empty()) return ssl;
  std::string host(peer_host);
  bool ip = is_ip_address(host);
  if (!ip) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI takes names only
  if (verify_host_) {
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                : SSL_set1_host(ssl, host.c_str());
    if (ok != 1) {
      SSL_free(ssl);
      return nullptr;
    }
  }
  return ssl;
}

result<std::string> tls_context::principal(const ssl_st* ssl) const {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return std::string("User:ANONYMOUS");
  std::string dn = rfc2253_name(X509_get_subject_name(peer));
  auto name = mapper_.name(dn);
  if (!name)
    return fail(errc::invalid_argument,
                "failed to map name for '" + dn +
                    "' based on SSL principal mapping rules: " + name.message());
  return "User:" + *name;
}

result<void> tls_context::reload(const tls_settings& settings) {
  auto ctx = build(side_, settings);
  if (!ctx) return std::move(ctx).error();
  std::lock_guard lock(mu_);
  ctx_ = std::move(*ctx);
  settings_ = settings;
  return ok_v;
}

std::string tls_failure_detail(const ssl_st* ssl, std::string_view fallback) {
  if (ssl != nullptr) {
    long verdict = SSL_get_verify_result(ssl);
    if (verdict != X509_V_OK) return X509_verify_cert_error_string(verdict);
  }
  return std::string(fallback);
}

std::string tls_session_summary(const ssl_st* ssl) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  return std::string(SSL_get_version(ssl)) + " " +
         (cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : "no cipher");
}

}  // namespace sluice::net
