// The acceptor's connection limits (net::connection_limits) from the broker's configuration:
// max.connections, max.connections.per.ip and its overrides (host names resolved here, as Kafka
// resolves them when the config is loaded), max.connection.creation.rate, their per-listener
// forms and the quota windows.
//
// Called by the broker at start-up and after each dynamic config change, never on a network
// thread (resolving a host name blocks).
#pragma once

#include "net/connection_quotas.h"
#include "server/config.h"

namespace sluice::server {

net::connection_limits connection_limits_of(const broker_config& c);

}  // namespace sluice::server
