// Kafka's per-listener keys: listener.name.<listener>.<key>, one listener's own value of a key
// that is otherwise broker-wide — today the ssl.* keys, so that each TLS listener (and the
// inter-broker client, which uses its listener's) can have its own certificate, trust store and
// client authentication. <listener> is the listener's name in lower case, as Kafka writes it.
//
// Pure functions over the checked configuration; any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "net/tls_settings.h"
#include "server/config.h"

namespace sluice::server {

struct listener_key {
  std::string listener;             // as written in the key (lower case)
  const config_key* key = nullptr;  // the broker-wide key it stands in for
};

// Whether `name` is listener.name.<listener>.<key> for a key that may be set per listener.
std::optional<listener_key> parse_listener_key(std::string_view name);
// The catalogue key `name` sets: itself, or the key of its listener.name.<l>. form; null if none.
const config_key* find_broker_config_key(std::string_view name);
// The keys that may be set per listener: the ssl.* keys Sluice acts on, max.connections and
// max.connection.creation.rate.
bool per_listener(const config_key& k);
// "listener.name.<listener lower-cased>.<key>".
std::string listener_key_name(std::string_view listener, std::string_view key);

// The TLS settings of listener `l` (SSL or SASL_SSL): every ssl.* key from its listener-prefixed
// form when given, else the broker-wide one. As in Kafka, a SASL_SSL listener asks for client
// certificates only when its own listener-prefixed ssl.client.auth says so. Errors name the key
// (principal mapping rules that do not parse).
result<net::tls_settings> listener_tls_settings(
    const listener_config& l,
    const std::function<const config_value&(std::string_view)>& broker_wide,
    const listener_overrides& overrides);

}  // namespace sluice::server
