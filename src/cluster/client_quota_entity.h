// Client quota entities as Kafka names and stores them (KIP-55, KIP-546, KIP-612): a user, a
// client id, or a user and a client id, or an IP address, each either named or the default, kept
// in ZooKeeper under
//   /config/users/<user>, /config/users/<user>/clients/<client-id>, /config/clients/<client-id>,
//   /config/ips/<ip>
// with "<default>" for the defaults and names sanitized as Kafka's Sanitizer does (URL encoding,
// so a name never contains a '/'). The same entity path ("users/alice/clients/<default>") keys
// the embedded store and /config/changes notices.
//
// Plain values and pure functions; any thread.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::cluster {

// Kafka's quota keys (QuotaConfigs): the ones an AlterClientQuotas may set on user and client-id
// entities. Other keys stored in the same znode (SCRAM credentials) are never touched by quota
// changes.
inline constexpr std::array<std::string_view, 4> client_quota_keys = {
    "producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate"};
bool is_client_quota_key(std::string_view key);
// The one quota of IP entities: new connections per second from the address (KIP-612).
inline constexpr std::string_view ip_connection_rate_key = "connection_creation_rate";

inline constexpr std::string_view default_entity_name = "<default>";

struct quota_entity_name {
  std::optional<std::string> name;  // nullopt: the default entity
  bool operator==(const quota_entity_name&) const = default;
  bool operator<(const quota_entity_name& o) const { return name < o.name; }
};

struct client_quota_entity {
  std::optional<quota_entity_name> user;       // nullopt: not part of the entity
  std::optional<quota_entity_name> client_id;  // nullopt: not part of the entity
  std::optional<quota_entity_name> ip;  // nullopt: not part of the entity; never with the others
  bool operator==(const client_quota_entity&) const = default;

  // "users/<u>", "users/<u>/clients/<c>", "clients/<c>" or "ips/<ip>", names sanitized. Needs a
  // user, a client id or an IP.
  std::string path() const;
  // The inverse; nullopt for anything else (brokers/..., malformed).
  static std::optional<client_quota_entity> from_path(std::string_view path);
  // Whether `key` is a quota of this kind of entity (connection_creation_rate for IPs, the client
  // quota keys for the others).
  bool has_quota_key(std::string_view key) const;
};

// Whether `text` is an IPv4 or IPv6 address, what an IP entity names (Kafka also takes a host name
// it can resolve; connections are known by address).
bool is_ip_address(std::string_view text);

// Kafka's Sanitizer: UTF-8 URL encoding where '*' and ' ' become %2A and %20.
std::string sanitize(std::string_view name);
std::string desanitize(std::string_view sanitized);

}  // namespace sluice::cluster
