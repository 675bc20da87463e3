#include "cluster/zk_metadata_cache.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "cluster/topic_name.h"
#include "cluster/zk_layout.h"

namespace sluice::cluster {

namespace {

failure<errc> unavailable(const failure<zk_errc>& e) {
  return fail(errc::unavailable, e.message);
}

bool same_leadership(const partition_state& a, const partition_state& b) {
  return a.replicas == b.replicas && a.leader == b.leader && a.leader_epoch == b.leader_epoch &&
         a.isr == b.isr && a.partition_epoch == b.partition_epoch;
}

}  // namespace

// Holds the load mutex for one load; tells the watchers what changed once it is released.
class zk_metadata_cache::load_scope {
 public:
  explicit load_scope(zk_metadata_cache& cache) : cache_(cache), lock_(cache.load_mutex_) {}
  ~load_scope() {
    auto changes = std::exchange(cache_.pending_, {});
    lock_.unlock();
    if (changes.empty()) return;
    std::lock_guard notifying(cache_.notify_mutex_);
    std::vector<metadata_store::watcher> watchers;
    {
      std::lock_guard lock(cache_.mutex_);
      watchers = cache_.watchers_;
    }
    for (const auto& change : changes)
      for (const auto& w : watchers) w(change);
  }
  load_scope(const load_scope&) = delete;
  load_scope& operator=(const load_scope&) = delete;

 private:
  zk_metadata_cache& cache_;
  std::unique_lock<std::mutex> lock_;
};

zk_watcher zk_metadata_cache::make_watch(std::string key, on_fire fire) {
  std::weak_ptr<zk_metadata_cache> weak = weak_from_this();
  return [weak, key = std::move(key), fire = std::move(fire)](const zk_watch_event& event) {
    auto self = weak.lock();
    if (!self) return;
    load_scope scope(*self);
    self->armed_.erase(key);
    if (self->closed_) return;
    // After an expiry every watch reports session_lost; load_all() then re-reads everything.
    if (event.what == zk_watch_event::kind::session_lost) return;
    fire(*self);
  };
}

zk_result<std::optional<zk_node>> zk_metadata_cache::read(const std::string& path,
                                                          bool watch_absent, on_fire fire) {
  using out = std::optional<zk_node>;
  auto key = "d:" + path;
  bool arm = armed_.insert(key).second;
  zk_watcher watch = arm ? make_watch(key, std::move(fire)) : nullptr;
  auto node = zk_.get(path, watch);
  if (node) return out(std::move(node).value());
  if (node.code() != zk_errc::no_node || !arm || !watch_absent) {
    if (arm) armed_.erase(key);
    if (node.code() == zk_errc::no_node) return out();
    return std::move(node).error();
  }
  // Absent: an exists watch tells us when it is created.
  auto stat = zk_.exists(path, watch);
  if (!stat) {
    armed_.erase(key);
    return std::move(stat).error();
  }
  if (!stat->has_value()) return out();
  // Created in between; the exists watch now watches its data.
  auto again = zk_.get(path);
  if (again) return out(std::move(again).value());
  if (again.code() == zk_errc::no_node) return out();
  return std::move(again).error();
}

zk_result<std::vector<std::string>> zk_metadata_cache::read_children(const std::string& path,
                                                                     on_fire fire) {
  auto key = "c:" + path;
  bool arm = armed_.insert(key).second;
  auto names = zk_.children(path, arm ? make_watch(key, std::move(fire)) : nullptr);
  if (!names && arm) armed_.erase(key);
  return names;
}

void zk_metadata_cache::notify_later(metadata_change::kind what, const std::string& topic) {
  pending_.push_back({what, topic});
}

result<void> zk_metadata_cache::load_all() {
  load_scope scope(*this);
  if (closed_) return ok_v;
  if (auto r = load_brokers(); !r) return r;
  load_controller();
  load_broker_configs(std::nullopt);
  load_broker_configs(broker_id_);
  load_config_changes();
  load_users();
  load_delegation_tokens();
  load_features();
  return load_topics();
}

void zk_metadata_cache::reload_topic(const std::string& name) {
  load_scope scope(*this);
  if (closed_) return;
  load_topic(name);
}

void zk_metadata_cache::reload_topic_config(const std::string& name) {
  load_scope scope(*this);
  if (closed_) return;
  load_topic_config(name);
}

void zk_metadata_cache::reload_broker_configs(std::optional<int32_t> broker) {
  load_scope scope(*this);
  if (closed_) return;
  load_broker_configs(broker);
}

void zk_metadata_cache::reload_user_config(const std::string& user) {
  load_scope scope(*this);
  if (closed_) return;
  load_user_config(zk_layout::sanitize_entity_name(user));
}

void zk_metadata_cache::reload_brokers() {
  load_scope scope(*this);
  if (closed_) return;
  if (auto r = load_brokers(); !r) spdlog::warn("Cannot read the brokers: {}", r.message());
}

void zk_metadata_cache::load_config_changes() {
  auto names = read_children(std::string(zk_layout::config_changes),
                             [](zk_metadata_cache& c) { c.load_config_changes(); });
  if (!names) {
    spdlog::warn("Cannot watch {}: {}", zk_layout::config_changes, names.error().message);
    return;
  }
  notify_later(metadata_change::kind::client_configs_changed, {});
}

result<void> zk_metadata_cache::load_brokers() {
  auto names = read_children(std::string(zk_layout::broker_ids), [](zk_metadata_cache& c) {
    if (auto r = c.load_brokers(); !r) spdlog::warn("Cannot read the brokers: {}", r.message());
  });
  if (!names) return unavailable(names.error());
  std::set<int32_t> live;
  for (const auto& name : *names) {
    int32_t id = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec == std::errc{} && end == name.data() + name.size()) live.insert(id);
  }
  for (int32_t id : live) {
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = brokers_.contains(id);
    }
    if (!known || !armed_.contains("d:" + zk_layout::broker_path(id))) load_broker(id);
  }
  std::lock_guard lock(mutex_);
  std::erase_if(brokers_, [&](const auto& entry) { return !live.contains(entry.first); });
  return ok_v;
}

void zk_metadata_cache::load_broker(int32_t id) {
  auto node =
      read(zk_layout::broker_path(id), false, [id](zk_metadata_cache& c) { c.load_broker(id); });
  if (!node) {
    spdlog::warn("Cannot read broker {}: {}", id, node.message());
    return;
  }
  if (!*node) {
    std::lock_guard lock(mutex_);
    brokers_.erase(id);
    return;
  }
  auto broker = zk_layout::decode_broker(id, (*node)->data);
  if (!broker) {
    spdlog::warn("Ignoring broker {}: {}", id, broker.message());
    return;
  }
  std::lock_guard lock(mutex_);
  brokers_[id] = std::move(broker).value();
}

void zk_metadata_cache::load_controller() {
  auto node = read(std::string(zk_layout::controller), true,
                   [](zk_metadata_cache& c) { c.load_controller(); });
  if (!node) {
    spdlog::warn("Cannot read /controller: {}", node.message());
    return;
  }
  int32_t id = -1;
  if (*node) {
    auto decoded = zk_layout::decode_controller((*node)->data);
    if (decoded)
      id = *decoded;
    else
      spdlog::warn("Ignoring /controller: {}", decoded.message());
  }
  std::lock_guard lock(mutex_);
  controller_id_ = id;
}

result<void> zk_metadata_cache::load_topics() {
  auto names = read_children(std::string(zk_layout::broker_topics), [](zk_metadata_cache& c) {
    if (auto r = c.load_topics(); !r) spdlog::warn("Cannot read the topics: {}", r.message());
  });
  if (!names) return unavailable(names.error());
  std::set<std::string> listed(names->begin(), names->end());
  for (const auto& name : listed) {
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = topics_.contains(name);
    }
    if (!known || !armed_.contains("d:" + zk_layout::topic_path(name))) load_topic(name);
  }
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex_);
    for (auto it = topics_.begin(); it != topics_.end();) {
      if (listed.contains(it->first)) {
        ++it;
        continue;
      }
      gone.push_back(it->first);
      it = topics_.erase(it);
    }
  }
  for (const auto& name : gone) notify_later(metadata_change::kind::topic_deleted, name);
  return ok_v;
}

void zk_metadata_cache::load_topic(const std::string& name) {
  auto node = read(zk_layout::topic_path(name), false,
                   [name](zk_metadata_cache& c) { c.load_topic(name); });
  if (!node) {
    spdlog::warn("Cannot read topic {}: {}", name, node.message());
    return;
  }
  if (!*node) {
    bool erased;
    {
      std::lock_guard lock(mutex_);
      erased = topics_.erase(name) > 0;
    }
    if (erased) notify_later(metadata_change::kind::topic_deleted, name);
    return;
  }
  auto assignment = zk_layout::decode_topic_assignment((*node)->data);
  if (!assignment) {
    spdlog::warn("Ignoring topic {}: {}", name, assignment.message());
    return;
  }
  topic_metadata t;
  t.name = name;
  t.id = assignment->topic_id;
  t.internal = is_internal_topic(name);
  auto config = read(zk_layout::topic_config_path(name), true,
                     [name](zk_metadata_cache& c) { c.load_topic_config(name); });
  if (!config) {
    spdlog::warn("Cannot read the configs of topic {}: {}", name, config.message());
    return;
  }
  if (*config) {
    auto configs = zk_layout::decode_entity_config((*config)->data);
    if (configs)
      t.configs = std::move(configs).value();
    else
      spdlog::warn("Ignoring the configs of topic {}: {}", name, configs.message());
  }
  for (auto& [p, replicas] : assignment->partitions) {
    partition_state ps;
    ps.partition = p;
    ps.replicas = std::move(replicas);
    auto state = read(zk_layout::partition_state_path(name, p), true,
                      [name, p](zk_metadata_cache& c) { c.load_partition_state(name, p); });
    if (!state) {
      spdlog::warn("Cannot read the state of {}-{}: {}", name, p, state.message());
      return;
    }
    if (*state) {
      // Not written yet (the controller does that): no leader, empty ISR, epoch 0.
      auto decoded = zk_layout::decode_partition_state((*state)->data);
      if (decoded) {
        ps.leader = decoded->leader;
        ps.leader_epoch = decoded->leader_epoch;
        ps.isr = std::move(decoded->isr);
        ps.partition_epoch = (*state)->stat.version;
      } else {
        spdlog::warn("Ignoring the state of {}-{}: {}", name, p, decoded.message());
      }
    }
    t.partitions.push_back(std::move(ps));
  }

  std::vector<metadata_change::kind> changes;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end()) {
      changes.push_back(metadata_change::kind::topic_created);
      topics_.emplace(name, std::move(t));
    } else {
      auto& old = it->second;
      if (old.id != t.id) {
        // Deleted and created again between two looks.
        changes.push_back(metadata_change::kind::topic_deleted);
        changes.push_back(metadata_change::kind::topic_created);
      } else {
        if (t.partitions.size() > old.partitions.size())
          changes.push_back(metadata_change::kind::partitions_added);
        if (t.configs != old.configs) changes.push_back(metadata_change::kind::configs_changed);
        for (size_t i = 0; i < std::min(t.partitions.size(), old.partitions.size()); ++i) {
          if (!same_leadership(t.partitions[i], old.partitions[i])) {
            changes.push_back(metadata_change::kind::leadership);
            break;
          }
        }
      }
      old = std::move(t);
    }
  }
  for (auto what : changes) notify_later(what, name);
}

std::optional<config_map> zk_metadata_cache::read_entity_config(const std::string& path,
                                                                const std::string& what,
                                                                on_fire fire) {
  auto node = read(path, true, std::move(fire));
  if (!node) {
    spdlog::warn("Cannot read the configs of {}: {}", what, node.message());
    return std::nullopt;
  }
  if (!*node) return config_map{};
  auto decoded = zk_layout::decode_entity_config((*node)->data);
  if (!decoded) {
    spdlog::warn("Ignoring the configs of {}: {}", what, decoded.message());
    return std::nullopt;
  }
  return std::move(decoded).value();
}

void zk_metadata_cache::load_topic_config(const std::string& name) {
  {
    std::lock_guard lock(mutex_);
    if (!topics_.contains(name)) return;  // gone: stop watching
  }
  auto configs = read_entity_config(zk_layout::topic_config_path(name), "topic " + name,
                                    [name](zk_metadata_cache& c) { c.load_topic_config(name); });
  if (!configs) return;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end() || it->second.configs == *configs) return;
    it->second.configs = std::move(*configs);
  }
  notify_later(metadata_change::kind::configs_changed, name);
}

void zk_metadata_cache::load_broker_configs(std::optional<int32_t> broker) {
  if (broker && *broker != broker_id_) return;  // another broker's: not ours to apply
  const auto entity = zk_layout::broker_config_entity(broker);
  auto configs =
      read_entity_config(zk_layout::broker_config_path(broker), "broker " + entity,
                         [broker](zk_metadata_cache& c) { c.load_broker_configs(broker); });
  if (!configs) return;
  {
    std::lock_guard lock(mutex_);
    auto& current = broker_configs_[entity];
    if (current == *configs) return;
    current = std::move(*configs);
  }
  notify_later(metadata_change::kind::broker_configs_changed, {});
}

// Users: a children watch on /config/users finds new and removed users, a data watch on each
// user's znode its changes (Kafka's tools write the znode, then a /config/changes notice).
void zk_metadata_cache::load_users() {
  auto names = read_children(std::string(zk_layout::config_users),
                             [](zk_metadata_cache& c) { c.load_users(); });
  if (!names) {
    if (names.code() != zk_errc::no_node)
      spdlog::warn("Cannot read {}: {}", zk_layout::config_users, names.message());
    return;
  }
  std::set<std::string> live(names->begin(), names->end());
  std::vector<std::string> removed;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [znode, configs] : user_configs_)
      if (!live.contains(znode)) removed.push_back(znode);
    for (const auto& znode : removed) user_configs_.erase(znode);
  }
  for (const auto& znode : removed)
    notify_later(metadata_change::kind::user_configs_changed,
                 zk_layout::desanitize_entity_name(znode).value_or(znode));
  for (const auto& znode : live) {
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = user_configs_.contains(znode);
    }
    if (!known || !armed_.contains("d:" + std::string(zk_layout::config_users) + "/" + znode))
      load_user_config(znode);
  }
}

void zk_metadata_cache::load_user_config(const std::string& znode) {
  const auto path = std::string(zk_layout::config_users) + "/" + znode;
  auto user = zk_layout::desanitize_entity_name(znode).value_or(znode);
  auto configs = read_entity_config(path, "user " + user,
                                    [znode](zk_metadata_cache& c) { c.load_user_config(znode); });
  if (!configs) return;
  {
    std::lock_guard lock(mutex_);
    auto it = user_configs_.find(znode);
    if (it != user_configs_.end() && it->second == *configs) return;
    user_configs_[znode] = std::move(*configs);
  }
  notify_later(metadata_change::kind::user_configs_changed, user);
}

void zk_metadata_cache::reload_delegation_token(const std::string& token_id) {
  load_scope scope(*this);
  if (closed_) return;
  load_delegation_token(token_id);
}

void zk_metadata_cache::reload_features() {
  load_scope scope(*this);
  if (closed_) return;
  load_features();
}

// /feature: a data watch (or an exists watch while it is absent); its version is the epoch.
void zk_metadata_cache::load_features() {
  const std::string path(zk_layout::feature);
  auto node = read(path, /*watch_absent=*/true, [](zk_metadata_cache& c) { c.load_features(); });
  finalized_features now;
  if (!node) {
    spdlog::warn("Cannot read {}: {}", path, node.message());
    return;
  }
  if (node->has_value()) {
    auto levels = decode_feature_znode((*node)->data);
    if (levels) {
      now.epoch = (*node)->stat.version;
      now.levels = std::move(*levels);
    } else {
      spdlog::warn("Ignoring {}: {}", path, levels.message());
    }
  }
  std::lock_guard lock(mutex_);
  features_ = std::move(now);
}

finalized_features zk_metadata_cache::features() const {
  std::lock_guard lock(mutex_);
  return features_;
}

// Tokens: a children watch on /delegation_token/tokens finds new and removed tokens, a data watch
// on each its renewals (Kafka's brokers follow /delegation_token/token_changes instead; both are
// written).
void zk_metadata_cache::load_delegation_tokens() {
  const std::string root(zk_layout::delegation_tokens);
  auto ids = read_children(root, [](zk_metadata_cache& c) { c.load_delegation_tokens(); });
  if (!ids) {
    if (ids.code() != zk_errc::no_node) spdlog::warn("Cannot read {}: {}", root, ids.message());
    return;
  }
  std::set<std::string> live(ids->begin(), ids->end());
  std::vector<std::string> removed;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, json] : delegation_tokens_)
      if (!live.contains(id)) removed.push_back(id);
    for (const auto& id : removed) delegation_tokens_.erase(id);
  }
  for (const auto& id : removed) notify_later(metadata_change::kind::delegation_token_changed, id);
  for (const auto& id : live) {
    bool known;
    {
      std::lock_guard lock(mutex_);
      known = delegation_tokens_.contains(id);
    }
    if (!known || !armed_.contains("d:" + zk_layout::delegation_token_path(id)))
      load_delegation_token(id);
  }
}

void zk_metadata_cache::load_delegation_token(const std::string& token_id) {
  const auto path = zk_layout::delegation_token_path(token_id);
  auto node = read(path, /*watch_absent=*/false,
                   [token_id](zk_metadata_cache& c) { c.load_delegation_token(token_id); });
  if (!node) {
    spdlog::warn("Cannot read {}: {}", path, node.message());
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (!node->has_value()) {
      if (delegation_tokens_.erase(token_id) == 0) return;
    } else {
      auto& slot = delegation_tokens_[token_id];
      if (slot == (*node)->data) return;
      slot = (*node)->data;
    }
  }
  notify_later(metadata_change::kind::delegation_token_changed, token_id);
}

std::map<std::string, std::string> zk_metadata_cache::delegation_tokens() const {
  std::lock_guard lock(mutex_);
  return delegation_tokens_;
}

std::map<std::string, config_map> zk_metadata_cache::user_configs() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, config_map> out;
  for (const auto& [znode, configs] : user_configs_) {
    if (configs.empty()) continue;
    out[zk_layout::desanitize_entity_name(znode).value_or(znode)] = configs;
  }
  return out;
}

config_map zk_metadata_cache::broker_configs(std::optional<int32_t> broker) const {
  std::lock_guard lock(mutex_);
  auto it = broker_configs_.find(zk_layout::broker_config_entity(broker));
  return it == broker_configs_.end() ? config_map{} : it->second;
}

void zk_metadata_cache::load_partition_state(const std::string& name, int32_t partition) {
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end() || partition >= static_cast<int32_t>(it->second.partitions.size()))
      return;  // gone: stop watching
  }
  auto node =
      read(zk_layout::partition_state_path(name, partition), true,
           [name, partition](zk_metadata_cache& c) { c.load_partition_state(name, partition); });
  if (!node) {
    spdlog::warn("Cannot read the state of {}-{}: {}", name, partition, node.message());
    return;
  }
  zk_layout::leader_and_isr state;
  int32_t partition_epoch = 0;
  if (*node) {
    auto decoded = zk_layout::decode_partition_state((*node)->data);
    if (!decoded) {
      spdlog::warn("Ignoring the state of {}-{}: {}", name, partition, decoded.message());
      return;
    }
    state = std::move(decoded).value();
    partition_epoch = (*node)->stat.version;
  }
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end() || partition >= static_cast<int32_t>(it->second.partitions.size()))
      return;
    auto& ps = it->second.partitions[static_cast<size_t>(partition)];
    if (ps.leader == state.leader && ps.leader_epoch == state.leader_epoch && ps.isr == state.isr &&
        ps.partition_epoch == partition_epoch)
      return;
    ps.leader = state.leader;
    ps.leader_epoch = state.leader_epoch;
    ps.isr = std::move(state.isr);
    ps.partition_epoch = partition_epoch;
  }
  notify_later(metadata_change::kind::leadership, name);
}

void zk_metadata_cache::shutdown() {
  {
    std::lock_guard lock(load_mutex_);
    closed_ = true;
    pending_.clear();
  }
  std::lock_guard notifying(notify_mutex_);
  std::lock_guard lock(mutex_);
  watchers_.clear();
}

void zk_metadata_cache::add_watcher(metadata_store::watcher w) {
  std::lock_guard lock(mutex_);
  watchers_.push_back(std::move(w));
}

int32_t zk_metadata_cache::controller_id() const {
  std::lock_guard lock(mutex_);
  return controller_id_;
}

std::vector<broker_info> zk_metadata_cache::brokers() const {
  std::lock_guard lock(mutex_);
  std::vector<broker_info> out;
  out.reserve(brokers_.size());
  for (const auto& [id, b] : brokers_) out.push_back(b);
  return out;
}

std::vector<topic_metadata> zk_metadata_cache::topics() const {
  std::lock_guard lock(mutex_);
  std::vector<topic_metadata> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) out.push_back(t);
  return out;
}

std::optional<topic_metadata> zk_metadata_cache::topic(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::optional<topic_metadata> zk_metadata_cache::topic_by_id(const protocol::uuid& id) const {
  std::lock_guard lock(mutex_);
  const topic_metadata* t = ids_.find(id, topics_);
  return t ? std::optional<topic_metadata>(*t) : std::nullopt;
}

std::optional<std::string> zk_metadata_cache::topic_name(const protocol::uuid& id) const {
  std::lock_guard lock(mutex_);
  const topic_metadata* t = ids_.find(id, topics_);
  return t ? std::optional<std::string>(t->name) : std::nullopt;
}

std::vector<std::string> zk_metadata_cache::topic_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, t] : topics_) out.push_back(name);
  return out;
}

}  // namespace sluice::cluster
