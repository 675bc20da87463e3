// sasl_setup: the broker's SASL pieces built from its configuration at start-up (issue #13) —
// each SASL listener's mechanisms and JAAS entries (security::listener_sasl_config, with Kafka's
// listener overrides), the credential cache SCRAM logins read, and the credentials the broker's
// own inter-broker clients authenticate with. Fails with a message naming the key when a SASL
// listener's configuration cannot work. Runs once on the starting thread.
#pragma once

#include <memory>
#include <optional>

#include "handlers/sasl_exchange.h"
#include "net/client_security.h"
#include "security/sasl_config.h"
#include "server/config.h"
#include "server/errc.h"

namespace sluice::cluster {
class metadata_store;
}

namespace sluice::server {

struct sasl_setup {
  std::unique_ptr<handlers::sasl_services> services;  // null: no SASL listener
  // Set when the inter-broker listener is a SASL one.
  std::optional<security::sasl_client_credentials> inter_broker;
  security::token_settings token_settings;  // when services->tokens is set
};

result<sasl_setup> make_sasl_setup(const server_config& config);

// What net::broker_client authenticates inter-broker connections with: the security module's
// client for the mechanism and the broker's credentials.
std::shared_ptr<const net::client_sasl> inter_broker_client_sasl(
    const security::sasl_client_credentials& credentials);

// Loads the delegation tokens into services.tokens (when tokens are on), keeps them current (a
// store watcher) and makes services.token_manager, which writes through the store.
void follow_delegation_tokens(cluster::metadata_store& store, handlers::sasl_services& services,
                              const security::token_settings& settings);

// Fills the cache from the store's user configs and keeps it current (a store watcher).
void follow_user_credentials(cluster::metadata_store& store,
                             std::shared_ptr<security::credential_cache> cache);

}  // namespace sluice::server
