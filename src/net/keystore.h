// keystore: reads the key store and trust store that tls_settings name — PEM files, PKCS12
// files, or PEM text given inline in the configuration — into OpenSSL objects, with Kafka's rules
// about which keys go together (DefaultSslEngineFactory's). Every error names the configuration
// key at fault and says what is wrong ("ssl.keystore.password is wrong for /etc/kafka/b.p12").
//
// Pure functions that read files: call them at start-up or on a worker thread, never on a network
// thread. Internal to net/ (tls_context uses them); tests call them directly.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/errc.h"
#include "net/tls_settings.h"

namespace sluice::net {

struct x509_free {
  void operator()(X509* c) const { X509_free(c); }
};
struct evp_pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using x509_ptr = std::unique_ptr<X509, x509_free>;
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_free>;

// A private key and the certificate chain that goes with it, leaf first.
struct key_material {
  evp_pkey_ptr key;
  std::vector<x509_ptr> chain;  // never empty
};

// ssl.keystore.*: nullopt when no key store is configured (a client without a certificate).
result<std::optional<key_material>> load_keystore(const tls_settings& s);

// ssl.truststore.*: nullopt when no trust store is configured (OpenSSL's default CAs then, as
// Java falls back to its own).
result<std::optional<std::vector<x509_ptr>>> load_truststore(const tls_settings& s);

// The oldest OpenSSL error queued on this thread, as text, and the queue cleared; `fallback` when
// there is none.
std::string take_openssl_error(std::string_view fallback = "unknown error");

}  // namespace sluice::net
