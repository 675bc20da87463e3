// zk_metadata_cache: the ZooKeeper store's in-memory view (brokers, controller, topics with their
// partition state and config overrides, dynamic broker configs), loaded from Kafka's znodes and
// kept current by one-shot watches that re-arm themselves on every fire and after session expiry.
//
// Threads: loads run under one load mutex (watch callbacks on the session's event thread, open()
// and the writers' read-backs on the caller's thread); readers take only the cache mutex.
// metadata_change watchers are called after a load released both mutexes. Every watch callback
// holds the cache weakly, so watches outliving the cache do nothing.
// Internal to zk_metadata_store.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"
#include "cluster/topic_id_index.h"
#include "cluster/zk_session.h"

namespace sluice::cluster {

class zk_metadata_cache : public std::enable_shared_from_this<zk_metadata_cache> {
 public:
  // `broker_id`: this broker, whose dynamic configs are watched beside the cluster default's.
  zk_metadata_cache(zk_session& zk, int32_t broker_id) : zk_(zk), broker_id_(broker_id) {}

  // Reads everything, arming every watch (again: after expiry all of them are gone).
  result<void> load_all();
  // Re-reads one topic (after this process wrote it), so readers see their own writes at once.
  void reload_topic(const std::string& name);
  void reload_topic_config(const std::string& name);
  void reload_brokers();
  void reload_broker_configs(std::optional<int32_t> broker);
  void reload_user_config(const std::string& user);
  void reload_delegation_token(const std::string& token_id);
  void reload_features();

  void add_watcher(metadata_store::watcher w);
  // Stops loading and telling watchers; returns once no watcher call is in progress, after which
  // none is made. (Not from inside a watcher.)
  void shutdown();

  int32_t controller_id() const;
  std::vector<broker_info> brokers() const;
  std::vector<topic_metadata> topics() const;
  std::optional<topic_metadata> topic(const std::string& name) const;
  std::optional<topic_metadata> topic_by_id(const protocol::uuid& id) const;
  std::optional<std::string> topic_name(const protocol::uuid& id) const;
  std::vector<std::string> topic_names() const;
  // Dynamic broker configs of this broker or (nullopt) the cluster default; others: empty.
  config_map broker_configs(std::optional<int32_t> broker) const;
  // Every user's config entity (/config/users/<user>), by user name.
  std::map<std::string, config_map> user_configs() const;
  // Every delegation token (/delegation_token/tokens/<id>), id → its JSON.
  std::map<std::string, std::string> delegation_tokens() const;
  // The finalized features (/feature; epoch -1 while it is absent or unreadable).
  finalized_features features() const;

 private:
  class load_scope;
  using on_fire = std::function<void(zk_metadata_cache&)>;

  // Reads `path`'s data, setting a watch that calls `fire` unless one is already armed. With
  // `watch_absent`, an absent node gets an exists watch (fires on creation). nullopt: absent.
  zk_result<std::optional<zk_node>> read(const std::string& path, bool watch_absent, on_fire fire);
  zk_result<std::vector<std::string>> read_children(const std::string& path, on_fire fire);
  zk_watcher make_watch(std::string key, on_fire fire);

  result<void> load_brokers();
  // /config/changes: a new notice may name a user or client-id entity (quotas): watchers get
  // client_configs_changed and re-read them.
  void load_config_changes();
  void load_broker(int32_t id);
  void load_controller();
  result<void> load_topics();
  void load_topic(const std::string& name);
  void load_topic_config(const std::string& name);
  // A config znode's set (empty when absent), watched; nullopt (logged with `what`) when it
  // cannot be read or decoded.
  std::optional<config_map> read_entity_config(const std::string& path, const std::string& what,
                                               on_fire fire);
  void load_partition_state(const std::string& name, int32_t partition);
  void load_broker_configs(std::optional<int32_t> broker);
  void load_users();
  void load_user_config(const std::string& znode);  // the sanitized name
  void load_delegation_tokens();
  void load_features();
  void load_delegation_token(const std::string& token_id);

  void notify_later(metadata_change::kind what, const std::string& topic);

  zk_session& zk_;
  const int32_t broker_id_;

  std::mutex load_mutex_;  // serializes loads; guards armed_, pending_, closed_
  bool closed_ = false;
  std::set<std::string> armed_;  // "d:<path>" / "c:<path>": watches set and not yet fired
  std::vector<metadata_change> pending_;

  std::recursive_mutex notify_mutex_;  // held while watchers are called (they may write)
  mutable std::mutex mutex_;           // guards the cache below
  int32_t controller_id_ = -1;
  std::map<int32_t, broker_info> brokers_;
  std::map<std::string, topic_metadata> topics_;
  mutable topic_id_index ids_;                            // under mutex_
  std::map<std::string, config_map> broker_configs_;      // by entity: "<default>", "<id>"
  std::map<std::string, config_map> user_configs_;        // by znode (sanitized) name
  std::map<std::string, std::string> delegation_tokens_;  // token id → JSON
  finalized_features features_;
  std::vector<metadata_store::watcher> watchers_;
};

}  // namespace sluice::cluster
