// metadata_store: the cluster's view of brokers, topics, partitions (replicas, leader, ISR, epochs)
// and topic config overrides — the interface both metadata backends implement:
//   - embedded_metadata_store: a single broker without ZooKeeper; state in one JSON file in the
//     first log dir, written crash-safely (temp file, fsync, rename, fsync dir).
//   - the ZooKeeper backend (issue #7), with Kafka's znode layout.
// Thread-safe: any thread may call any method. Watchers are called after a change has been made
// durable, outside internal locks, on the thread that made the change (embedded) or a backend
// thread (ZooKeeper); they must only post work elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/errc.h"
#include "cluster/features.h"
#include "protocol/wire.h"

namespace sluice::cluster {

struct broker_endpoint {
  std::string listener_name;  // e.g. PLAINTEXT
  std::string security_protocol;
  std::string host;
  int32_t port = 0;
};

struct broker_info {
  int32_t id = 0;
  std::vector<broker_endpoint> endpoints;
  std::optional<std::string> rack;
};

struct partition_state {
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  int32_t leader = -1;  // -1: no leader
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t partition_epoch = 0;  // ZooKeeper's zkVersion of the state znode
};

using config_map = std::map<std::string, std::string>;

// A range of producer ids claimed by one broker, as Kafka's ProducerIdsBlock: ids first..last,
// both included. Brokers claim blocks of producer_id_block_size ids; no two blocks overlap, so
// every broker hands out ids no other broker hands out.
struct producer_id_block {
  int32_t broker = -1;
  int64_t first = 0;
  int64_t last = -1;
  int64_t size() const { return last - first + 1; }
  friend bool operator==(const producer_id_block&, const producer_id_block&) = default;
};
inline constexpr int64_t producer_id_block_size = 1000;

struct topic_metadata {
  std::string name;
  protocol::uuid id;
  std::vector<partition_state> partitions;  // index == partition number
  config_map configs;                       // overrides only; absent keys use broker defaults
  bool internal = false;
};

struct new_topic {
  std::string name;
  int32_t partitions = -1;                       // -1: broker default (num.partitions)
  int16_t replication_factor = -1;               // -1: broker default (default.replication.factor)
  std::vector<std::vector<int32_t>> assignment;  // explicit replicas per partition, or empty
  config_map configs;
};

// What changed, so the broker can reconcile its local logs.
struct metadata_change {
  enum class kind {
    topic_created,
    topic_deleted,
    partitions_added,
    configs_changed,
    leadership,
    broker_configs_changed,    // a dynamic broker config set (topic empty)
    client_configs_changed,    // a user or client-id entity's configs (quotas; topic empty)
    user_configs_changed,      // a user's config entity (topic: the user name)
    delegation_token_changed,  // a delegation token stored, changed or removed (topic: its id)
  };
  kind what;
  std::string topic;
};

class metadata_store {
 public:
  using watcher = std::function<void(const metadata_change&)>;

  virtual ~metadata_store() = default;

  // Announces this broker (its id, advertised endpoints, rack) once its listeners are bound:
  // the embedded store records it; the ZooKeeper backend writes /brokers/ids/<id>.
  virtual result<void> register_broker(const broker_info& self) = 0;

  virtual std::string cluster_id() const = 0;
  virtual int32_t controller_id() const = 0;
  virtual std::vector<broker_info> brokers() const = 0;

  virtual std::vector<topic_metadata> topics() const = 0;
  virtual std::optional<topic_metadata> topic(const std::string& name) const = 0;
  virtual std::optional<topic_metadata> topic_by_id(const protocol::uuid& id) const = 0;
  // Just the name of the topic with this id (no copy of its metadata): the produce path's lookup.
  virtual std::optional<std::string> topic_name(const protocol::uuid& id) const {
    auto t = topic_by_id(id);
    return t ? std::optional<std::string>(t->name) : std::nullopt;
  }

  // Validates (name rules, collisions, counts, assignment against live brokers) and creates.
  // With validate_only nothing is written. Returns the created topic.
  virtual result<topic_metadata> create_topic(const new_topic& spec, bool validate_only) = 0;
  virtual result<void> delete_topic(const std::string& name) = 0;
  // Grows the topic to `total` partitions; `assignment` holds replicas for the new ones, or empty.
  virtual result<void> create_partitions(const std::string& name, int32_t total,
                                         const std::vector<std::vector<int32_t>>& assignment,
                                         bool validate_only) = 0;
  // Config sets are changed by read-modify-write, atomic against every other writer (on any
  // broker): `edit` gets the stored set and returns the new one, or an error that is passed back
  // unchanged (nothing is written then). It may be called more than once when another writer got
  // in between, so it must not have side effects beyond its result.
  using config_edit = std::function<result<config_map>(const config_map& current)>;

  // A topic's overrides; the new set is checked as create_topic checks configs.
  virtual result<void> update_topic_configs(const std::string& name, const config_edit& edit) = 0;
  result<void> set_topic_configs(const std::string& name, const config_map& configs) {
    return update_topic_configs(name, [&](const config_map&) { return configs; });
  }

  // Dynamic broker configs (Kafka's /config/brokers/<id> and /config/brokers/<default>): the set
  // stored for `broker`, or for the cluster-wide default when nullopt. The caller validates; after
  // a change watchers get broker_configs_changed. A broker sees the default and its own set;
  // another broker's set reads as empty.
  virtual config_map broker_configs(std::optional<int32_t> broker) const = 0;
  virtual result<void> update_broker_configs(std::optional<int32_t> broker,
                                             const config_edit& edit) = 0;
  result<void> set_broker_configs(std::optional<int32_t> broker, const config_map& configs) {
    return update_broker_configs(broker, [&](const config_map&) { return configs; });
  }

  // User and client-id entities' configs (client_quota_entity.h), by entity path
  // ("users/alice/clients/<default>"): every stored key, quota or not (SCRAM credentials share
  // the users' znodes). Blocking in ZooKeeper mode (it lists the znodes): call it from a request
  // worker or the broker's own threads. After a change watchers get client_configs_changed.
  virtual result<std::map<std::string, config_map>> client_configs() const {
    return std::map<std::string, config_map>{};
  }
  // Read-modify-write of one entity's whole config map (an empty result removes it), with a
  // /config/changes notice in ZooKeeper mode.
  virtual result<void> update_client_configs(const std::string& entity_path,
                                             const config_edit& edit) {
    (void)entity_path;
    (void)edit;
    return fail(errc::invalid_request, "client configs are not supported by this store");
  }

  // Claims the next block of producer_id_block_size producer ids for `broker` (InitProducerId):
  // ZooKeeper's /latest_producer_id_block, updated conditionally on the version read, as Kafka's
  // brokers do; the embedded store keeps the last block in its state file. Blocking (ZooKeeper
  // round trips, an fsync): call it from a request worker. errc::unavailable when the store
  // cannot be reached, errc::invalid_request when the ids are exhausted.
  virtual result<producer_id_block> allocate_producer_ids(int32_t broker) = 0;

  // User config entities, Kafka's /config/users/<user> (SCRAM credentials under the mechanism
  // names, "SCRAM-SHA-256" → "salt=...,stored_key=...,server_key=...,iterations=4096"; quotas):
  // every user's stored set, and a read-modify-write of one user's set (an empty set removes the
  // user). Watchers get user_configs_changed with the user's name. Blocking like the other
  // writers. A store without users (test doubles) has none and refuses changes.
  virtual std::map<std::string, config_map> user_configs() const { return {}; }
  virtual result<void> update_user_configs(const std::string& /*user*/,
                                           const config_edit& /*edit*/) {
    return fail(errc::invalid_request, "this metadata store keeps no user configs");
  }

  // Delegation tokens, Kafka's /delegation_token/tokens/<id> (the token's JSON, see
  // security/delegation_token.h): every stored token by id, and one token's write (nullopt
  // deletes it) with Kafka's /delegation_token/token_changes notice. Watchers get
  // delegation_token_changed with the token id. Blocking like the other writers.
  virtual std::map<std::string, std::string> delegation_tokens() const { return {}; }
  virtual result<void> put_delegation_token(const std::string& /*token_id*/,
                                            const std::optional<std::string>& /*json*/) {
    return fail(errc::invalid_request, "this metadata store keeps no delegation tokens");
  }

  // Kafka's finalized features (cluster/features.h): ZooKeeper's /feature (its version is the
  // epoch), or the embedded store's state file. Cheap (a cached copy): fine on a network thread.
  virtual finalized_features features() const { return {}; }
  // Read-modify-write of the finalized levels, atomic against other writers; `edit` may run more
  // than once (as config_edit). Returns the features after the write. Blocking.
  using features_edit = std::function<result<feature_levels>(const feature_levels& current)>;
  virtual result<finalized_features> update_features(const features_edit& /*edit*/) {
    return fail(errc::invalid_request, "this metadata store keeps no features");
  }

  virtual void watch(watcher w) = 0;
};

}  // namespace sluice::cluster
