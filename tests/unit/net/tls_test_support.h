// Test helpers for TLS: keys and certificates made in memory with OpenSSL (a CA, certificates it
// signs, another CA, an expired certificate), written as PEM text or PKCS12 files, and a blocking
// TLS client over net_test_support's socket. Nothing here touches Asio.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "net/keystore.h"
#include "net/tls_context.h"
#include "net_test_support.h"

namespace sluice::net::testing {

// OpenSSL writes to its socket with write(2): a test whose peer closed first would die of
// SIGPIPE. sluiced and the command-line tools ignore it at start; the test programs do so here.
inline const bool sigpipe_ignored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

inline evp_pkey_ptr make_key() {
  return evp_pkey_ptr(EVP_EC_gen("P-256"));
}

struct issued {
  evp_pkey_ptr key;
  x509_ptr cert;
};

struct cert_options {
  std::vector<std::pair<std::string, std::string>> subject;  // e.g. {{"CN", "localhost"}}
  std::string san;                                           // e.g. "IP:127.0.0.1,DNS:localhost"
  long not_before_days = -1;                                 // relative to now
  long not_after_days = 30;
  bool ca = false;
};

// A certificate for a fresh key, signed by `issuer` (self-signed when null).
inline issued make_cert(const cert_options& o, const issued* issuer = nullptr) {
  issued out{make_key(), x509_ptr(X509_new())};
  X509* c = out.cert.get();
  X509_set_version(c, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
  X509_gmtime_adj(X509_getm_notBefore(c), o.not_before_days * 86400);
  X509_gmtime_adj(X509_getm_notAfter(c), o.not_after_days * 86400);
  X509_set_pubkey(c, out.key.get());
  X509_NAME* name = X509_get_subject_name(c);
  for (const auto& [field, value] : o.subject)
    X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer ? issuer->cert.get() : c;
  X509_set_issuer_name(c, X509_get_subject_name(issuer_cert));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, c, nullptr, nullptr, 0);
  auto extend = [&](int nid, const std::string& value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
  };
  extend(NID_basic_constraints, o.ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (!o.san.empty()) extend(NID_subject_alt_name, o.san);
  X509_sign(c, issuer ? issuer->key.get() : out.key.get(), EVP_sha256());
  return out;
}

inline std::string pem(const X509* c) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, const_cast<X509*>(c));
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

// PKCS#8, encrypted with AES-256 when a password is given.
inline std::string pem(const EVP_PKEY* k, const std::string& password = "") {
  BIO* b = BIO_new(BIO_s_mem());
  if (password.empty()) {
    PEM_write_bio_PKCS8PrivateKey(b, const_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                  nullptr);
  } else {
    PEM_write_bio_PKCS8PrivateKey(b, const_cast<EVP_PKEY*>(k), EVP_aes_256_cbc(), password.data(),
                                  static_cast<int>(password.size()), nullptr, nullptr);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

// A PKCS12 store with the key and its chain, or (key null) trusted certificates only.
inline std::string pkcs12(const EVP_PKEY* key, const std::vector<const X509*>& certs,
                          const std::string& password) {
  STACK_OF(X509)* others = sk_X509_new_null();
  for (size_t i = key ? 1 : 0; i < certs.size(); ++i)
    sk_X509_push(others, const_cast<X509*>(certs[i]));
  PKCS12* p =
      PKCS12_create(password.c_str(), "kafka", const_cast<EVP_PKEY*>(key),
                    key ? const_cast<X509*>(certs.front()) : nullptr, others, 0, 0, 0, 0, 0);
  sk_X509_free(others);
  unsigned char* der = nullptr;
  int n = i2d_PKCS12(p, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  PKCS12_free(p);
  return out;
}

// A directory removed with the object.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char pattern[] = "/tmp/sluice-tls-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& content) const {
    auto p = path / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
};

// A CA, a server certificate for 127.0.0.1/localhost, a client certificate, a client certificate
// from another CA, and an expired client certificate.
struct test_pki {
  issued ca = make_cert({.subject = {{"CN", "Sluice Test CA"}}, .ca = true});
  issued other_ca = make_cert({.subject = {{"CN", "Other CA"}}, .ca = true});
  issued server = make_cert(
      {.subject = {{"CN", "localhost"}, {"O", "Sluice"}}, .san = "IP:127.0.0.1,DNS:localhost"},
      &ca);
  issued client =
      make_cert({.subject = {{"C", "NL"}, {"O", "Sluice, Inc."}, {"CN", "alice"}}}, &ca);
  issued stranger = make_cert({.subject = {{"CN", "mallory"}}}, &other_ca);
  issued expired = make_cert(
      {.subject = {{"CN", "expired"}}, .not_before_days = -30, .not_after_days = -1}, &ca);
};

// Settings with the key and chain inline (PEM) and the CA as trust store.
inline tls_settings inline_settings(const issued& identity, const issued& ca) {
  tls_settings s;
  s.keystore_type = "PEM";
  s.keystore_key = pem(identity.key.get());
  s.keystore_certificate_chain = pem(identity.cert.get()) + pem(ca.cert.get());
  s.truststore_type = "PEM";
  s.truststore_certificates = pem(ca.cert.get());
  return s;
}

// A blocking TLS client over a connected test client socket.
class tls_client {
 public:
  // `identity` may be null (no client certificate). Verifies the server against `ca`.
  tls_client(uint16_t port, const issued& ca, const issued* identity,
             const std::string& host = "127.0.0.1")
      : socket_(port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca.cert.get());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (identity) {
      SSL_CTX_use_certificate(ctx_, identity->cert.get());
      SSL_CTX_use_PrivateKey(ctx_, identity->key.get());
    }
    ssl_ = SSL_new(ctx_);
    SSL_set1_host(ssl_, host == "127.0.0.1" ? nullptr : host.c_str());
    SSL_set_fd(ssl_, socket_.fd());
    handshake_ok_ = socket_.connected() && SSL_connect(ssl_) == 1;
    if (!handshake_ok_) {
      const char* reason = ERR_reason_error_string(ERR_get_error());
      error_ = reason != nullptr ? reason : "no detail";
    }
    ERR_clear_error();
  }
  ~tls_client() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  bool handshake_ok() const { return handshake_ok_; }
  const std::string& error() const { return error_; }
  SSL* ssl() { return ssl_; }

  bool send_frame(std::string_view body) {
    protocol::bytes out = prefix(static_cast<uint32_t>(body.size()));
    out.insert(out.end(), body.begin(), body.end());
    return SSL_write(ssl_, out.data(), static_cast<int>(out.size())) ==
           static_cast<int>(out.size());
  }
  std::optional<protocol::bytes> read_exact(size_t n) {
    protocol::bytes out(n);
    size_t done = 0;
    while (done < n) {
      int got = SSL_read(ssl_, out.data() + done, static_cast<int>(n - done));
      if (got <= 0) return std::nullopt;
      done += static_cast<size_t>(got);
    }
    return out;
  }
  std::optional<protocol::bytes> read_frame() {
    auto p = read_exact(4);
    if (!p) return std::nullopt;
    uint32_t size = (uint32_t{(*p)[0]} << 24) | (uint32_t{(*p)[1]} << 16) |
                    (uint32_t{(*p)[2]} << 8) | uint32_t{(*p)[3]};
    return read_exact(size);
  }
  // True once the server ends the connection (TLS 1.3 reports a refused client certificate on
  // the first read after the handshake).
  bool closed_by_peer() {
    uint8_t b;
    int n = SSL_read(ssl_, &b, 1);
    ERR_clear_error();
    return n <= 0;
  }

 private:
  client socket_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
  std::string error_;
};

// A tcp_server with a TLS listener "SECURE" (the test CA's server certificate unless another
// identity is given) and a PLAINTEXT one, and a fake dispatcher.
struct tls_server {
  test_pki& pki;
  metrics::registry registry;
  fake_dispatcher dispatcher;
  std::unique_ptr<tcp_server> server;
  std::shared_ptr<tls_context> context;

  explicit tls_server(test_pki& p, ssl_client_auth auth = ssl_client_auth::none,
                      std::string protocol = "SSL", std::string rules = "DEFAULT",
                      const issued* identity = nullptr)
      : pki(p) {
    auto settings = inline_settings(identity ? *identity : pki.server, pki.ca);
    settings.client_auth = auth;
    settings.principal_mapping_rules = rules;
    auto made = tls_context::create(tls_context::role::server, settings);
    if (!made) throw std::runtime_error(made.message());
    context = *made;
    auto o = loopback_options();
    o.listeners = {listener_endpoint{"SECURE", protocol, "127.0.0.1", 0, context},
                   listener_endpoint{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 0}};
    server = std::make_unique<tcp_server>(std::move(o), dispatcher, registry);
    auto started = server->start();
    if (!started.ok()) throw std::runtime_error(started.message());
  }
  ~tls_server() { server->stop(1s); }
  uint16_t port() const { return server->port("SECURE"); }
  double handshake_failures() {
    return sample(registry.expose(),
                  "sluice_network_connections_closed_total{reason=\"tls_handshake_failed\"}");
  }
};

}  // namespace sluice::net::testing
