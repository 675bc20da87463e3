// sasl_server: the server side of one SASL mechanism for one authentication exchange (Kafka's
// javax.security.sasl.SaslServer). The broker's SaslAuthenticate handling feeds it each client
// token and sends back what evaluate() returns; once complete() it names the authenticated user.
// Errors are errc::authentication_failed (message for the client), errc::sasl_failed (message
// for the log only) or errc::illegal_state (the connection closes); after an error the exchange
// is over. Owned by one connection's SASL state; used by one thread at a time. Cheap: no
// key derivation happens here (stored keys make a SCRAM login a handful of HMACs).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "security/bytes.h"
#include "security/errc.h"

namespace sluice::security {

class sasl_server {
 public:
  virtual ~sasl_server() = default;
  virtual std::string_view mechanism() const = 0;
  // The next server token (possibly empty) for a client token.
  virtual result<byte_string> evaluate(std::span<const uint8_t> token) = 0;
  virtual bool complete() const = 0;
  // The authenticated user (Kafka's authorization id); only once complete().
  virtual const std::string& authorization_id() const = 0;
  // When the credential used expires (ms since the epoch), for the session lifetime (KIP-368):
  // OAUTHBEARER tokens have one, passwords do not.
  virtual std::optional<int64_t> credential_expiry_ms() const { return std::nullopt; }
  // Authenticated with a delegation token (SCRAM with tokenauth=true): such a connection may not
  // ask for delegation tokens itself.
  virtual bool token_authenticated() const { return false; }
};

// The client side, for the broker's own inter-broker connections and for tests.
class sasl_client {
 public:
  virtual ~sasl_client() = default;
  virtual std::string_view mechanism() const = 0;
  // The first token (sent without a server token) and then each answer to a server token.
  virtual result<byte_string> evaluate(std::span<const uint8_t> server_token) = 0;
  virtual bool complete() const = 0;
};

}  // namespace sluice::security
