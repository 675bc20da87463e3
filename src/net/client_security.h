// client_security: how this broker's connections to other brokers are secured — the
// inter-broker listener's security protocol and, for SSL and SASL_SSL, its TLS configuration as a
// client (the broker's key store, presented when the peer asks for a certificate, and its trust
// store); for SASL_PLAINTEXT and SASL_SSL, the SASL mechanism and a way to start the client side
// of an exchange with the broker's own credentials (sasl.mechanism.inter.broker.protocol with the
// inter-broker listener's JAAS entry; the server wires in the security module's clients, so net
// does not depend on it). One value for every inter-broker client of the broker (replica fetchers,
// the controller channel and link, the transaction marker channel and verifier), copied into each
// broker_client_options; PLAINTEXT by default. A small header of its own so the modules that carry
// it need not include broker_client.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace sluice::net {

class tls_context;

// The client side of one SASL exchange. Owned by the broker_client thread that runs it.
class sasl_client_exchange {
 public:
  virtual ~sasl_client_exchange() = default;
  // The next client token for a server token (empty at the start), or why the exchange failed.
  virtual std::variant<std::vector<uint8_t>, std::string> evaluate(
      std::span<const uint8_t> server_token) = 0;
  virtual bool complete() const = 0;
};

struct client_sasl {
  std::string mechanism;
  // A fresh exchange for each (re-)authentication; callable from any thread.
  std::function<std::unique_ptr<sasl_client_exchange>()> start;
};

struct client_security {
  std::string protocol = "PLAINTEXT";
  std::shared_ptr<const tls_context> tls;   // set for SSL and SASL_SSL
  std::shared_ptr<const client_sasl> sasl;  // set for SASL_PLAINTEXT and SASL_SSL
};

}  // namespace sluice::net
