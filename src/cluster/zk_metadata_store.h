// zk_metadata_store: cluster metadata kept in ZooKeeper with Apache Kafka's znode layout and JSON
// payloads (see ../shared/kafka-protocol/FACTS.md §3), so Kafka's own tools and zkCli.sh see what
// they expect:
//   /brokers/ids/<id>                          ephemeral registration (endpoints, rack)
//   /brokers/topics/<t>                        replica assignment {"version":3,"partitions":{..}}
//   /brokers/topics/<t>/partitions/<p>/state   leader, leader_epoch, isr, controller_epoch
//   /config/topics/<t> (+ /config/changes)     topic config overrides
//   /config/brokers/<id|<default>> (+ changes) dynamic broker configs
//   /admin/delete_topics/<t>                   deletion requests (the controller deletes)
//   /controller, /controller_epoch, /cluster/id
// Reads are served from an in-memory cache kept current by ZooKeeper watches; writes go to
// ZooKeeper (the controller turns new assignments into partition state). Watchers are told after
// the cache changed, outside locks, on the session's event thread (or on the thread whose write
// this store just read back, e.g. create_topic's caller).
#pragma once

#include <chrono>
#include <memory>

#include "cluster/metadata_store.h"
#include "cluster/zk_session.h"

namespace sluice::cluster {

struct zk_metadata_options {
  int32_t broker_id = 0;
  int32_t default_partitions = 1;
  int16_t default_replication_factor = 1;
  bool delete_topic_enable = true;
  // zookeeper.session.timeout.ms: how long register_broker waits for a registration left by an
  // earlier session of this process to vanish.
  std::chrono::milliseconds session_timeout{18000};
  // Validates a topic config override (key, value); returns a message when invalid.
  std::function<std::optional<std::string>(const std::string&, const std::string&)> validate_config;
};

class zk_metadata_store final : public metadata_store {
 public:
  // Creates Kafka's persistent top-level paths if missing, reads or creates /cluster/id (with
  // `proposed_cluster_id` when creating), and loads the cache. Fails when `expected_cluster_id`
  // (meta.properties) is set and differs from ZooKeeper's: the log dirs belong to another cluster.
  static result<std::unique_ptr<zk_metadata_store>> open(zk_metadata_options options,
                                                         zk_session& zk,
                                                         const std::string& expected_cluster_id,
                                                         const std::string& proposed_cluster_id);
  ~zk_metadata_store() override;

  // Writes the ephemeral /brokers/ids/<id> (fails if another live broker holds the id); written
  // again after session expiry. A registration left by an earlier session of this store, or with
  // exactly this broker's endpoints (its previous run, killed), is waited out for up to
  // options.session_timeout.
  result<void> register_broker(const broker_info& self) override;
  // The registration's creation zxid: Kafka's broker epoch. -1 before registration.
  int64_t broker_epoch() const;

  std::string cluster_id() const override;
  int32_t controller_id() const override;
  std::vector<broker_info> brokers() const override;  // live (registered) brokers
  std::vector<topic_metadata> topics() const override;
  std::optional<topic_metadata> topic(const std::string& name) const override;
  std::optional<topic_metadata> topic_by_id(const protocol::uuid& id) const override;
  std::optional<std::string> topic_name(const protocol::uuid& id) const override;
  result<topic_metadata> create_topic(const new_topic& spec, bool validate_only) override;
  result<void> delete_topic(const std::string& name) override;
  result<void> create_partitions(const std::string& name, int32_t total,
                                 const std::vector<std::vector<int32_t>>& assignment,
                                 bool validate_only) override;
  result<void> update_topic_configs(const std::string& name, const config_edit& edit) override;
  config_map broker_configs(std::optional<int32_t> broker) const override;
  std::map<std::string, config_map> user_configs() const override;
  result<void> update_user_configs(const std::string& user, const config_edit& edit) override;
  std::map<std::string, std::string> delegation_tokens() const override;
  result<void> put_delegation_token(const std::string& token_id,
                                    const std::optional<std::string>& json) override;
  result<void> update_broker_configs(std::optional<int32_t> broker,
                                     const config_edit& edit) override;
  result<std::map<std::string, config_map>> client_configs() const override;
  result<void> update_client_configs(const std::string& entity_path,
                                     const config_edit& edit) override;
  result<producer_id_block> allocate_producer_ids(int32_t broker) override;
  finalized_features features() const override;
  result<finalized_features> update_features(const features_edit& edit) override;
  void watch(watcher w) override;

  // Use open(); public only for make_unique.
  zk_metadata_store(zk_metadata_options options, zk_session& zk);

 private:
  struct impl;
  // Shared so that watch callbacks can hold it weakly and do nothing once the store is gone.
  std::shared_ptr<impl> impl_;
};

}  // namespace sluice::cluster
