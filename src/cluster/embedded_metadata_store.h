// embedded_metadata_store: metadata for one broker with no ZooKeeper (Sluice's default mode).
// The whole state is one small JSON document, `sluice-metadata.json` in the first log dir, replaced
// atomically on every change (write temp, fsync, rename, fsync dir), so a crash leaves either the
// old or the new state. This broker is the only broker, the controller, and every partition's
// leader with ISR {self}. Thread-safe (one mutex); watchers run after the file is replaced.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "cluster/metadata_store.h"
#include "cluster/topic_id_index.h"

namespace sluice::cluster {

struct embedded_options {
  std::filesystem::path dir;  // where sluice-metadata.json lives (the first log dir)
  broker_info self;
  int32_t default_partitions = 1;
  int16_t default_replication_factor = 1;
  bool delete_topic_enable = true;
  // Validates a topic config override set (key, value); returns a message when invalid.
  std::function<std::optional<std::string>(const std::string&, const std::string&)> validate_config;
};

class embedded_metadata_store final : public metadata_store {
 public:
  // Loads the state file (or starts empty with a new cluster id, or `cluster_id` if given, e.g.
  // from meta.properties). Fails when the file exists but cannot be read or parsed.
  static result<std::unique_ptr<embedded_metadata_store>> open(embedded_options options,
                                                               std::string cluster_id = {});

  result<void> register_broker(const broker_info& self) override;
  std::string cluster_id() const override;
  int32_t controller_id() const override;
  std::vector<broker_info> brokers() const override;
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

  // ACLs (issue #13; security::embedded_acl_store reads and writes them): each resource
  // pattern's ACL set as the JSON of Kafka's znode, keyed by that znode's path
  // ("/kafka-acl/Topic/t"), kept in the state file with everything else.
  std::map<std::string, std::string> acl_documents() const;
  // Read-modify-write of one document, atomic against every other update of this store: `edit`
  // gets the stored document (nullopt: none) and returns the new one (nullopt: remove it), or an
  // error passed back unchanged (nothing is written then). Called once.
  using document_edit =
      std::function<result<std::optional<std::string>>(const std::optional<std::string>& current)>;
  result<void> update_acl_document(const std::string& path, const document_edit& edit);

  // A fresh random cluster id: 16 random bytes as URL-safe base64 (22 characters), as Kafka's.
  static std::string new_cluster_id();

  // Use open(); public only for make_unique.
  explicit embedded_metadata_store(embedded_options options);

 private:
  result<void> persist_locked();
  void notify(const metadata_change& change);

  embedded_options options_;
  std::mutex update_mutex_;  // one config read-modify-write at a time (edits may read the store)
  mutable std::mutex mutex_;
  std::string cluster_id_;
  std::map<std::string, topic_metadata> topics_;
  mutable topic_id_index ids_;  // under mutex_
  // Dynamic broker configs by entity: "<default>" and this broker's id, as in ZooKeeper.
  std::map<std::string, config_map> broker_configs_;
  // User and client-id entities' quota configs by entity path, as under /config in ZooKeeper.
  std::map<std::string, config_map> client_configs_;
  std::map<std::string, config_map> user_configs_;        // SCRAM credentials, by user
  std::map<std::string, std::string> delegation_tokens_;  // token id → Kafka's token JSON
  std::optional<producer_id_block> producer_ids_;         // the last block claimed
  // A new store finalizes the defaults (epoch 0), as a new ZooKeeper cluster's /feature.
  finalized_features features_{0, default_feature_levels()};
  std::map<std::string, std::string> acl_documents_;  // by znode path
  std::vector<watcher> watchers_;
};

}  // namespace sluice::cluster
