// tls_context: the TLS configuration of one listener (server side) or of the broker's connections
// to the inter-broker listener (client side), built from tls_settings into an OpenSSL SSL_CTX:
// the key and certificate chain, the trusted CAs, ssl.enabled.protocols / ssl.protocol,
// ssl.cipher.suites and, for servers, ssl.client.auth. It also knows what a connection needs
// after its handshake: the principal (ssl.principal.mapping.rules) and, for clients, the host
// name check of ssl.endpoint.identification.algorithm=https.
//
// Created at start-up (it reads files: never on a network thread) and shared by every connection
// of its listener or client. reload() builds a new SSL_CTX from new key and trust stores (a
// certificate renewed through AlterConfigs) and swaps it in: connections started afterwards use
// it, connections already running keep theirs. Thread-safe. OpenSSL types are only
// forward-declared here, Asio not at all.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "net/errc.h"
#include "net/ssl_principal_mapper.h"
#include "net/tls_settings.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace sluice::net {

class tls_context {
 public:
  enum class role { server, client };

  // Loads the stores and builds the context; errors name the configuration key at fault.
  static result<std::shared_ptr<tls_context>> create(role side, const tls_settings& settings);

  // A new connection's OpenSSL object (SSL_new on the current context), owned by the caller;
  // for a client, with the server name and (with https) the host check set. Null on failure.
  ssl_st* new_connection(std::string_view peer_host = {}) const;

  // After a successful handshake: "User:ANONYMOUS" without a peer certificate, else "User:" and
  // the certificate's subject (RFC 2253) mapped by ssl.principal.mapping.rules; an error when no
  // rule applies.
  result<std::string> principal(const ssl_st* ssl) const;

  // Swaps in a context built from `settings` (its key and trust stores re-read). On error the
  // current context stays. Only the stores may differ from the settings the context was created
  // with: the rest (protocols, ciphers, client auth, mapping rules) is as at start-up.
  result<void> reload(const tls_settings& settings);

  role side() const { return side_; }
  tls_settings settings() const;  // as created or last reloaded

 private:
  tls_context(role side, ssl_principal_mapper mapper, bool verify_host)
      : side_(side), mapper_(std::move(mapper)), verify_host_(verify_host) {}
  std::shared_ptr<ssl_ctx_st> current() const;

  const role side_;
  const ssl_principal_mapper mapper_;
  const bool verify_host_;  // client: ssl.endpoint.identification.algorithm=https
  mutable std::mutex mu_;
  std::shared_ptr<ssl_ctx_st> ctx_;  // mu_
  tls_settings settings_;            // mu_
};

// Why a handshake failed, from what OpenSSL recorded on the connection: the certificate check's
// verdict when there is one ("certificate has expired"), else `fallback`.
std::string tls_failure_detail(const ssl_st* ssl, std::string_view fallback);

// "TLSv1.3 TLS_AES_256_GCM_SHA384", for log lines.
std::string tls_session_summary(const ssl_st* ssl);

}  // namespace sluice::net
