// The broker side of SASL authentication on one connection (Kafka's SaslServerAuthenticator),
// split between the dispatcher and the SaslHandshake/SaslAuthenticate handlers:
//   - sasl_admit(): the dispatcher's gate, run before any request is decoded. A connection that
//     is not authenticated (or is re-authenticating) may send ApiVersions once, then
//     SaslHandshake, then SaslAuthenticate; anything else closes it, as Kafka's
//     "Unexpected Kafka request of type X during SASL handshake". An authenticated connection
//     whose session expired (KIP-368) is closed at its next request other than SaslHandshake,
//     which starts a re-authentication (at most once a second, as Kafka allows).
//   - sasl_exchange: the state kept in the connection's session between those requests.
//   - handle_raw_sasl_token(): a frame after a v0 SaslHandshake is a raw token, not a request.
// Everything here runs on the connection's network thread (requests of a restricted connection
// never overlap) and is cheap: a SCRAM login is a few HMACs against stored keys.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "handlers/request_context.h"
#include "security/credential_cache.h"
#include "security/sasl_config.h"

namespace sluice::handlers {

// What the broker built at start-up for its SASL listeners. Immutable; the cache inside is
// thread-safe and kept current by the broker.
struct sasl_services {
  std::map<std::string, security::listener_sasl_config> listeners;  // by listener name
  std::shared_ptr<security::credential_cache> credentials;
  // Delegation tokens: set when delegation.token.secret.key is.
  std::shared_ptr<security::token_cache> tokens;
  std::unique_ptr<security::token_manager> token_manager;
  const security::listener_sasl_config* find(const std::string& listener) const {
    auto it = listeners.find(listener);
    return it == listeners.end() ? nullptr : &it->second;
  }
};

class sasl_exchange final : public net::connection_session::exchange {
 public:
  enum class state { handshake_or_versions, handshake, authenticate, bad_mechanism };
  state st = state::handshake_or_versions;
  bool kafka_headers = false;  // SaslHandshake v1+: tokens come in SaslAuthenticate requests
  std::string mechanism;
  std::unique_ptr<security::sasl_server> server;
  // Re-authentication (KIP-368): the principal and mechanism the connection already has.
  bool reauthenticating = false;
  std::string previous_principal;
  std::string previous_mechanism;
  std::string bad_mechanism_message;
};

enum class sasl_verdict { serve, close };
// The gate (see above); logs why when it closes.
sasl_verdict sasl_admit(const net::connection_ref& connection, int16_t api_key);

void handle_raw_sasl_token(const net::connection_ref& connection,
                           std::shared_ptr<const protocol::bytes> token,
                           const broker_services& services, net::response_callback done);

}  // namespace sluice::handlers
