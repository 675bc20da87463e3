// The catalogue's quota section: Kafka's connection limits (KIP-308, KIP-402, KIP-612) and the
// sampling of client quotas, with Kafka's types and defaults. docs/security.md shows how
// they act.
#include "server/config_catalogue_sections.h"

namespace sluice::server {

void add_quota_keys(std::vector<config_key>& keys) {
  using t = config_type;
  auto add = [&](config_key k) {
    k.section = "Quotas and connection limits";
    keys.push_back(std::move(k));
  };
  add({.name = "max.connections",
       .type = t::int_,
       .default_value = "2147483647",
       .doc = "Connections the broker keeps open at most. At the limit the acceptor waits for a "
              "connection to close before serving the next one. The inter-broker listener is "
              "exempt when the broker has other listeners. Per listener as "
              "listener.name.<listener>.max.connections.",
       .valid = at_least(0),
       .mode = update_mode::cluster_wide});
  add({.name = "max.connections.per.ip",
       .type = t::int_,
       .default_value = "2147483647",
       .doc = "Connections one client address may have open. A connection beyond it is closed as "
              "soon as it is accepted. 0 only with max.connections.per.ip.overrides.",
       .valid = at_least(0),
       .mode = update_mode::cluster_wide});
  add({.name = "max.connections.per.ip.overrides",
       .type = t::string,
       .default_value = "",
       .doc = "Per-address exceptions to max.connections.per.ip as host:count pairs separated by "
              "commas, e.g. 127.0.0.1:200,broker-host:100. Host names are resolved when the "
              "value is loaded.",
       .mode = update_mode::cluster_wide});
  add({.name = "max.connection.creation.rate",
       .type = t::int_,
       .default_value = "2147483647",
       .doc = "New connections per second the broker accepts, measured over the quota windows; "
              "above it the acceptor delays the next connection (at most one quota window). "
              "The inter-broker listener is exempt when the broker has other listeners. Per "
              "listener as listener.name.<listener>.max.connection.creation.rate.",
       .valid = at_least(0),
       .mode = update_mode::cluster_wide});
  // Replication throttles (KIP-73), set by kafka-reassign-partitions.sh --throttle and cleared by
  // its --verify (replication/replication_throttle.h).
  for (const char* name :
       {"leader.replication.throttled.rate", "follower.replication.throttled.rate",
        "replica.alter.log.dirs.io.max.bytes.per.second"}) {
    const std::string key = name;
    const bool leader = key.starts_with("leader");
    add({.name = key,
         .type = t::long_,
         .default_value = "9223372036854775807",
         .doc = key.starts_with("replica.")
                    ? "Bytes per second at which replicas are to move between this broker's "
                      "log directories (AlterReplicaLogDirs). Stored, not enforced yet."
                    : std::string("Bytes per second this broker ") +
                          (leader ? "sends to followers of" : "fetches as a follower of") +
                          " the replicas listed in its topics' " +
                          (leader ? "leader" : "follower") +
                          ".replication.throttled.replicas, unless they are in sync; set by "
                          "kafka-reassign-partitions.sh --throttle.",
         .valid = at_least(0),
         .mode = update_mode::cluster_wide});
  }
  add({.name = "quota.window.num",
       .type = t::int_,
       .default_value = "11",
       .doc = "Samples kept for client quotas and connection creation rates.",
       .valid = at_least(1)});
  add({.name = "quota.window.size.seconds",
       .type = t::int_,
       .default_value = "1",
       .doc = "Length of each quota sample.",
       .valid = at_least(1)});
}

}  // namespace sluice::server
