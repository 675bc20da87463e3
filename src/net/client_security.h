// client_security: how this broker's connections to other brokers are secured — the
// inter-broker listener's security protocol and, for SSL and SASL_SSL, its TLS configuration as a
// client (the broker's key store, presented when the peer asks for a certificate, and its trust
// store); for SASL_PLAINTEXT and SASL_SSL, the SASL mechanism and the broker's own credentials
// (sasl.mechanism.inter.broker.protocol with the inter-broker listener's JAAS entry). One value for
// every inter-broker client of the broker (replica fetchers, the controller channel and link, the
// transaction marker channel and verifier), copied into each broker_client_options; PLAINTEXT by
// default. A small header of its own so the modules that carry it need not include broker_client.h.
#pragma once

#include <memory>
#include <string>

namespace sluice::security {
struct sasl_client_credentials;
}

namespace sluice::net {

class tls_context;

struct client_security {
  std::string protocol = "PLAINTEXT";
  std::shared_ptr<const tls_context> tls;                         // set for SSL and SASL_SSL
  std::shared_ptr<const security::sasl_client_credentials> sasl;  // set for SASL_*
};

}  // namespace sluice::net
