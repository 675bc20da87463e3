// broker_services: the domain entry points handlers call. Handlers are thin — decode, check, call
// one of these, map its errors to Kafka codes — and never reach storage directly. The broker
// (src/server/broker.cc) owns every service and fills this struct once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::replication {
class replica_manager;
}
namespace sluice::coordinator {
class group_coordinator;
}
namespace sluice::transaction {
class txn_coordinator;
}
namespace sluice::coordinator {
class group_configs;
}  // namespace sluice::coordinator

namespace sluice::telemetry {
class client_telemetry;
}  // namespace sluice::telemetry

namespace sluice::share {
class share_partition_manager;
class share_state_store;
class state_persister;
}  // namespace sluice::share
namespace sluice::cluster {
class controller;
class producer_id_manager;
}  // namespace sluice::cluster
namespace sluice::security {
class acl_manager;
}

namespace sluice::quota {
class client_quotas;
}

namespace sluice::handlers {

struct sasl_services;  // handlers/sasl_exchange.h

// One configuration value as DescribeConfigs reports it.
struct config_entry {
  enum class source : int8_t {
    // Kafka's DescribeConfigs ConfigSource numbers.
    unknown = 0,
    dynamic_topic = 1,
    dynamic_broker = 2,
    dynamic_default_broker = 3,
    static_broker = 4,
    default_config = 5,
    client_metrics = 7,  // CLIENT_METRICS_CONFIG (KIP-714)
    group = 8,           // GROUP_CONFIG (KIP-848 / KIP-932 group configs)
  };
  enum class type : int8_t {
    unknown = 0,
    boolean = 1,
    string = 2,
    int_ = 3,
    short_ = 4,
    long_ = 5,
    double_ = 6,
    list = 7,
    class_ = 8,
    password = 9,
  };
  struct synonym {
    std::string name;
    std::optional<std::string> value;
    source from;
  };
  std::string name;
  std::optional<std::string> value;
  source from = source::default_config;
  bool read_only = true;
  bool sensitive = false;
  type value_type = type::string;
  std::string documentation;
  std::vector<synonym> synonyms;
};

// Broker and topic configuration as handlers see it (implemented over the server's catalogue).
class config_provider {
 public:
  virtual ~config_provider() = default;
  // This broker's configs with their sources; with `cluster_default`, only those set as the
  // cluster-wide dynamic default (what Kafka describes for the BROKER resource "").
  virtual std::vector<config_entry> broker_configs(bool cluster_default = false) const = 0;
  // Why `configs` cannot be the complete dynamic config set of BROKER resource `broker`
  // (nullopt: the cluster-wide default): unknown or read-only keys, bad values. nullopt if it can.
  virtual std::optional<std::string> validate_broker_configs(
      std::optional<int32_t> broker, const cluster::config_map& configs,
      const cluster::metadata_store& store) const = 0;
  // `after`, a new dynamic set for `broker` made from the stored `before`, as it is to be stored
  // (the password values it sets encrypted with password.encoder.secret), or why it cannot be.
  virtual std::variant<cluster::config_map, std::string> broker_configs_to_store(
      std::optional<int32_t> broker, const cluster::config_map& before,
      const cluster::config_map& after) const = 0;
  // True for keys whose values are never shown (passwords, keys).
  virtual bool is_sensitive(const std::string& key) const = 0;
  // Every topic-level config: the override if set, else the broker default it falls back to.
  virtual std::vector<config_entry> topic_configs(const cluster::config_map& overrides) const = 0;
  // A message when `key=value` is not a valid topic config (unknown key, bad value), else nullopt.
  virtual std::optional<std::string> validate_topic_config(const std::string& key,
                                                           const std::string& value) const = 0;
};

struct broker_settings {
  int32_t broker_id = 0;
  bool auto_create_topics = true;
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  int32_t offsets_topic_partitions = 50;
  int16_t offsets_topic_replication_factor = 3;
  int32_t transaction_state_partitions = 50;
  int16_t transaction_state_replication_factor = 3;
  int32_t transaction_state_min_isr = 2;
  int32_t transaction_state_segment_bytes = 104857600;
  std::string rack;
  std::vector<std::string> log_dirs;
};

struct broker_services {
  broker_settings settings;
  cluster::metadata_store& metadata;
  replication::replica_manager& replicas;
  const config_provider& configs;
  coordinator::group_coordinator* groups = nullptr;  // issue #5
  // Cluster mode (zookeeper.connect set): this broker's controller candidate. Null in embedded
  // mode, where the inter-broker APIs are refused.
  cluster::controller* controller = nullptr;
  // Producer ids for InitProducerId (idempotent producers and the transaction coordinator).
  cluster::producer_id_manager* producer_ids = nullptr;
  transaction::txn_coordinator* transactions = nullptr;
  // SASL listeners' mechanisms and the SCRAM credentials (issue #13); null: no SASL listener.
  const sasl_services* sasl = nullptr;
  // Authorization (issue #13): the ACLs and their authorizer, or null when authorizer.class.name
  // is empty (everything allowed; the ACL APIs answer SECURITY_DISABLED). See authorization.h.
  security::acl_manager* acls = nullptr;
  // Client quotas (Produce and Fetch record into them); null: none enforced.
  quota::client_quotas* quotas = nullptr;
  // Share partitions (KIP-932) led here and their members' share sessions; null: not served.
  share::share_partition_manager* shares = nullptr;
  // The share coordinator's state of the __share_group_state partitions led here (the state RPCs).
  share::share_state_store* share_states = nullptr;
  // Where share partitions' state is read and written (DescribeShareGroupOffsets reads it).
  share::state_persister* share_persister = nullptr;
  // KIP-714 client metrics: subscriptions, client instances and their pushed values; null: the
  // telemetry APIs are not served.
  telemetry::client_telemetry* telemetry = nullptr;
  // Every group's own configs (ConfigResource GROUP); null: group configs are refused.
  coordinator::group_configs* group_configs = nullptr;
};

}  // namespace sluice::handlers
