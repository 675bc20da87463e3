#include "cluster/zk_metadata_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

#include "cluster/embedded_metadata_store.h"
#include "cluster/replica_assignment.h"
#include "cluster/topic_name.h"
#include "cluster/topic_validation.h"
#include "cluster/zk_entity_config.h"
#include "cluster/zk_layout.h"
#include "cluster/zk_metadata_cache.h"

namespace sluice::cluster {

namespace {

failure<errc> unavailable(const failure<zk_errc>& e) {
  return fail(errc::unavailable, e.message);
}

protocol::uuid random_uuid() {
  std::random_device rd;
  protocol::uuid id;
  do {
    for (auto& b : id.value) b = static_cast<uint8_t>(rd());
  } while (id.is_zero());
  return id;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

failure<errc> unknown_topic() {
  return fail(errc::unknown_topic, "This server does not host this topic-partition.");
}

bool same_endpoints(const std::vector<broker_endpoint>& a, const std::vector<broker_endpoint>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.listener_name == y.listener_name && x.host == y.host && x.port == y.port;
  });
}

std::vector<int32_t> ids_of(const std::vector<broker_info>& brokers) {
  std::vector<int32_t> ids;
  for (const auto& b : brokers) ids.push_back(b.id);
  return ids;
}

std::vector<assignable_broker> assignable(const std::vector<broker_info>& brokers) {
  std::vector<assignable_broker> out;
  for (const auto& b : brokers) out.push_back({b.id, b.rack});
  return out;
}

}  // namespace

struct zk_metadata_store::impl {
  impl(zk_metadata_options options, zk_session& zk)
      : options(std::move(options)),
        zk(zk),
        cache(std::make_shared<zk_metadata_cache>(zk, this->options.broker_id)) {}

  result<void> write_registration(const broker_info& self);
  void on_session(zk_session::state s);

  const zk_metadata_options options;
  zk_session& zk;
  const std::shared_ptr<zk_metadata_cache> cache;

  std::mutex registration_mutex;  // one registration at a time
  mutable std::mutex mutex;       // guards the members below
  std::string cluster_id;
  std::optional<broker_info> self;
  int64_t broker_epoch = -1;
  std::set<int64_t> own_sessions;  // every session this store has used
};

zk_metadata_store::zk_metadata_store(zk_metadata_options options, zk_session& zk)
    : impl_(std::make_shared<impl>(std::move(options), zk)) {}

zk_metadata_store::~zk_metadata_store() {
  // Watch callbacks may still hold the cache; make sure they no longer reach our watchers.
  impl_->cache->shutdown();
}

result<std::unique_ptr<zk_metadata_store>> zk_metadata_store::open(
    zk_metadata_options options, zk_session& zk, const std::string& expected_cluster_id,
    const std::string& proposed_cluster_id) {
  auto store = std::make_unique<zk_metadata_store>(std::move(options), zk);
  auto& s = *store->impl_;
  for (const auto& path : zk_layout::persistent_paths()) {
    auto r = zk.create_recursive(path, "");
    if (!r && r.code() != zk_errc::node_exists) return unavailable(r.error());
  }

  const std::string id_path(zk_layout::cluster_id);
  auto node = zk.get(id_path);
  if (!node && node.code() == zk_errc::no_node) {
    auto id = proposed_cluster_id.empty() ? embedded_metadata_store::new_cluster_id()
                                          : proposed_cluster_id;
    auto created = zk.create_recursive(id_path, zk_layout::encode_cluster_id(id));
    if (created) spdlog::info("Created cluster id {} in ZooKeeper", id);
    if (!created && created.code() != zk_errc::node_exists) return unavailable(created.error());
    node = zk.get(id_path);  // ours, or the one another broker wrote first
  }
  if (!node) return unavailable(node.error());
  auto cluster_id = zk_layout::decode_cluster_id(node->data);
  if (!cluster_id) return fail(errc::storage_failed, "/cluster/id: " + cluster_id.message());
  if (!expected_cluster_id.empty() && expected_cluster_id != *cluster_id)
    return fail(errc::storage_failed,
                fmt::format("The Cluster ID {} doesn't match stored clusterId {} in "
                            "meta.properties. The broker is trying to join the wrong cluster. "
                            "Configured zookeeper.connect may be wrong.",
                            *cluster_id, expected_cluster_id));
  {
    std::lock_guard lock(s.mutex);
    s.cluster_id = *cluster_id;
    s.own_sessions.insert(zk.session_id());
  }
  // A new cluster finalizes the features' defaults, as Kafka's controller creates /feature; one
  // that has it (another broker's, or a Kafka 3.9 controller's) keeps what it holds.
  if (auto created = zk.create_recursive(std::string(zk_layout::feature),
                                         encode_feature_znode(default_feature_levels()));
      !created && created.code() != zk_errc::node_exists)
    return unavailable(created.error());
  if (auto r = s.cache->load_all(); !r) return std::move(r).error();
  std::weak_ptr<impl> weak = store->impl_;
  zk.on_session_event([weak](zk_session::state state) {
    if (auto self = weak.lock()) self->on_session(state);
  });
  return store;
}

void zk_metadata_store::impl::on_session(zk_session::state state) {
  if (state != zk_session::state::expired_and_reconnected) return;
  std::optional<broker_info> registered;
  {
    std::lock_guard lock(mutex);
    own_sessions.insert(zk.session_id());
    registered = self;
  }
  // Every watch died with the old session: read everything again, which re-arms them.
  if (auto r = cache->load_all(); !r)
    spdlog::error("Cannot reload the metadata after the ZooKeeper session expired: {}",
                  r.message());
  if (registered) {
    if (auto r = write_registration(*registered); !r)
      spdlog::error("Cannot register broker {} again after the session expired: {}", registered->id,
                    r.message());
  }
}

result<void> zk_metadata_store::impl::write_registration(const broker_info& broker) {
  std::lock_guard registering(registration_mutex);
  const auto path = zk_layout::broker_path(broker.id);
  const auto data = zk_layout::encode_broker(broker, now_ms());
  const auto deadline = std::chrono::steady_clock::now() + options.session_timeout;
  bool waited = false;
  for (;;) {
    auto created = zk.create(path, data, zk_create_mode::ephemeral);
    if (created) break;
    if (created.code() != zk_errc::node_exists) return unavailable(created.error());
    auto existing = zk.get(path);
    if (!existing && existing.code() == zk_errc::no_node) continue;  // just went away
    if (!existing) return unavailable(existing.error());
    const auto owner = existing->stat.ephemeral_owner;
    if (owner == zk.session_id()) break;  // a create retried after connection loss: ours
    bool stale_own;
    {
      std::lock_guard lock(mutex);
      stale_own = own_sessions.contains(owner);
    }
    // A registration with exactly our endpoints is this broker's previous run (killed before its
    // session ended): our listeners are bound, so no live broker can be serving them.
    if (!stale_own) {
      auto previous = zk_layout::decode_broker(broker.id, existing->data);
      stale_own = previous && same_endpoints(previous->endpoints, broker.endpoints);
    }
    if (!stale_own)
      return fail(errc::invalid_request,
                  fmt::format("broker.id {} is already registered in ZooKeeper by another broker "
                              "(session 0x{:x})",
                              broker.id, owner));
    if (std::chrono::steady_clock::now() >= deadline)
      return fail(errc::unavailable,
                  fmt::format("The registration of broker {} by an earlier session (0x{:x}) did "
                              "not expire within {} ms",
                              broker.id, owner, options.session_timeout.count()));
    if (!waited)
      spdlog::info(
          "Waiting for the registration of broker {} by the earlier session 0x{:x} "
          "to expire",
          broker.id, owner);
    waited = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto node = zk.get(path);
  if (!node) return unavailable(node.error());
  {
    std::lock_guard lock(mutex);
    broker_epoch = node->stat.czxid;
    self = broker;
  }
  spdlog::info("Registered broker {} at {} (broker epoch {})", broker.id, path, node->stat.czxid);
  cache->reload_brokers();
  return ok_v;
}

result<void> zk_metadata_store::register_broker(const broker_info& self) {
  if (self.id != impl_->options.broker_id)
    return fail(errc::invalid_request,
                fmt::format("Registering broker {} from a store opened for broker {}", self.id,
                            impl_->options.broker_id));
  {
    std::lock_guard lock(impl_->mutex);
    impl_->own_sessions.insert(impl_->zk.session_id());
  }
  return impl_->write_registration(self);
}

int64_t zk_metadata_store::broker_epoch() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->broker_epoch;
}

std::string zk_metadata_store::cluster_id() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->cluster_id;
}

int32_t zk_metadata_store::controller_id() const {
  return impl_->cache->controller_id();
}

std::vector<broker_info> zk_metadata_store::brokers() const {
  return impl_->cache->brokers();
}

std::vector<topic_metadata> zk_metadata_store::topics() const {
  return impl_->cache->topics();
}

std::optional<topic_metadata> zk_metadata_store::topic(const std::string& name) const {
  return impl_->cache->topic(name);
}

std::optional<topic_metadata> zk_metadata_store::topic_by_id(const protocol::uuid& id) const {
  return impl_->cache->topic_by_id(id);
}

std::optional<std::string> zk_metadata_store::topic_name(const protocol::uuid& id) const {
  return impl_->cache->topic_name(id);
}

result<topic_metadata> zk_metadata_store::create_topic(const new_topic& spec, bool validate_only) {
  auto& s = *impl_;
  if (auto r = validate_topic_name(spec.name); !r) return std::move(r).error();
  // As Kafka: an existing topic is reported as such before anything else is checked.
  if (s.cache->topic(spec.name))
    return fail(errc::topic_exists, fmt::format("Topic '{}' already exists.", spec.name));
  auto counts = resolve_topic_counts(spec, s.options.default_partitions,
                                     s.options.default_replication_factor);
  if (!counts) return std::move(counts).error();
  auto live = s.cache->brokers();
  std::vector<std::vector<int32_t>> assignment;
  if (counts->explicit_assignment) {
    if (auto r = check_replica_assignment(spec.assignment, spec.assignment.size(), ids_of(live));
        !r)
      return std::move(r).error();
    assignment = spec.assignment;
  } else {
    auto assigned = assign_replicas(
        assignable(live), {.partitions = counts->partitions,
                           .replication_factor = static_cast<int16_t>(counts->replication_factor)});
    if (!assigned) return std::move(assigned).error();
    assignment = std::move(assigned).value();
  }
  if (auto r = check_topic_configs(spec.configs, s.options.validate_config); !r)
    return std::move(r).error();
  if (auto r = check_topic_collision(spec.name, s.cache->topic_names()); !r)
    return std::move(r).error();

  topic_metadata t;
  t.name = spec.name;
  t.internal = is_internal_topic(spec.name);
  t.configs = spec.configs;
  for (size_t p = 0; p < assignment.size(); ++p)
    t.partitions.push_back({.partition = static_cast<int32_t>(p), .replicas = assignment[p]});
  if (validate_only) return t;

  auto marked = s.zk.exists(zk_layout::delete_topic_path(spec.name));
  if (!marked) return unavailable(marked.error());
  if (marked->has_value())
    return fail(errc::topic_exists, fmt::format("Topic '{}' is marked for deletion.", spec.name));

  t.id = random_uuid();
  zk_layout::topic_assignment znode{.topic_id = t.id};
  for (const auto& ps : t.partitions) znode.partitions[ps.partition] = ps.replicas;
  // Configs first, as Kafka: whoever sees the topic can read its configs.
  const auto config_path = zk_layout::topic_config_path(spec.name);
  const auto config_data = zk_layout::encode_entity_config(spec.configs);
  auto config = s.zk.create(config_path, config_data);
  if (!config && config.code() == zk_errc::node_exists) {
    auto replaced = s.zk.set(config_path, config_data);  // left over from an older topic
    if (!replaced) return unavailable(replaced.error());
  } else if (!config) {
    return unavailable(config.error());
  }
  auto created =
      s.zk.create(zk_layout::topic_path(spec.name), zk_layout::encode_topic_assignment(znode));
  if (!created && created.code() == zk_errc::node_exists)
    return fail(errc::topic_exists, fmt::format("Topic '{}' already exists.", spec.name));
  if (!created) return unavailable(created.error());
  spdlog::info("Created topic {} (id {}) with {} partition(s) in ZooKeeper", t.name,
               t.id.to_base64(), t.partitions.size());
  s.cache->reload_topic(spec.name);
  return t;
}

result<void> zk_metadata_store::delete_topic(const std::string& name) {
  auto& s = *impl_;
  if (!s.cache->topic(name)) return unknown_topic();
  if (!s.options.delete_topic_enable)
    return fail(errc::deletion_disabled, "Topic deletion is disabled.");
  if (is_internal_topic(name))
    return fail(errc::internal_topic, fmt::format("Topic '{}' is an internal topic.", name));
  auto marked = s.zk.create(zk_layout::delete_topic_path(name), "");
  if (!marked && marked.code() != zk_errc::node_exists) return unavailable(marked.error());
  spdlog::info("Marked topic {} for deletion", name);
  return ok_v;
}

result<void> zk_metadata_store::create_partitions(
    const std::string& name, int32_t total, const std::vector<std::vector<int32_t>>& assignment,
    bool validate_only) {
  auto& s = *impl_;
  const auto path = zk_layout::topic_path(name);
  // Checked against the cache, then again against the znode each attempt, which a concurrent
  // change may have grown meanwhile (the conditional set notices).
  auto cached = s.cache->topic(name);
  if (!cached) return unknown_topic();
  for (int attempt = 0;; ++attempt) {
    zk_layout::topic_assignment znode;
    int32_t version = -1;
    if (validate_only) {
      znode.topic_id = cached->id;
      for (const auto& ps : cached->partitions) znode.partitions[ps.partition] = ps.replicas;
    } else {
      auto node = s.zk.get(path);
      if (!node && node.code() == zk_errc::no_node) return unknown_topic();
      if (!node) return unavailable(node.error());
      auto decoded = zk_layout::decode_topic_assignment(node->data);
      if (!decoded) return std::move(decoded).error();
      znode = std::move(decoded).value();
      version = node->stat.version;
    }
    auto current = static_cast<int32_t>(znode.partitions.size());
    if (auto r = check_partition_increase(current, total); !r) return r;
    std::vector<std::vector<int32_t>> added;
    auto live = s.cache->brokers();
    if (!assignment.empty()) {
      if (auto r = check_replica_assignment(assignment, static_cast<size_t>(total - current),
                                            ids_of(live));
          !r)
        return r;
      added = assignment;
    } else {
      auto rf = znode.partitions.empty() ? 1 : znode.partitions.begin()->second.size();
      auto assigned =
          assign_replicas(assignable(live), {.partitions = total - current,
                                             .replication_factor = static_cast<int16_t>(rf),
                                             .first_partition = current});
      if (!assigned) return std::move(assigned).error();
      added = std::move(assigned).value();
    }
    if (validate_only) return ok_v;
    for (int32_t i = 0; i < total - current; ++i)
      znode.partitions[current + i] = added[static_cast<size_t>(i)];
    auto written = s.zk.set(path, zk_layout::encode_topic_assignment(znode), version);
    if (written) break;
    if (written.code() != zk_errc::bad_version || attempt >= 5) return unavailable(written.error());
  }
  spdlog::info("Topic {} now has {} partitions in ZooKeeper", name, total);
  s.cache->reload_topic(name);
  return ok_v;
}

result<void> zk_metadata_store::update_topic_configs(const std::string& name,
                                                     const config_edit& edit) {
  auto& s = *impl_;
  if (!s.cache->topic(name)) return unknown_topic();
  if (auto r = update_entity_config(s.zk, zk_layout::topic_config_path(name), "topics/" + name,
                                    edit, s.options.validate_config);
      !r)
    return r;
  s.cache->reload_topic_config(name);
  return ok_v;
}

config_map zk_metadata_store::broker_configs(std::optional<int32_t> broker) const {
  return impl_->cache->broker_configs(broker);
}

result<void> zk_metadata_store::update_broker_configs(std::optional<int32_t> broker,
                                                      const config_edit& edit) {
  auto& s = *impl_;
  if (auto r = update_entity_config(s.zk, zk_layout::broker_config_path(broker),
                                    "brokers/" + zk_layout::broker_config_entity(broker), edit);
      !r)
    return r;
  s.cache->reload_broker_configs(broker);
  return ok_v;
}

result<std::map<std::string, config_map>> zk_metadata_store::client_configs() const {
  auto& zk = impl_->zk;
  std::map<std::string, config_map> out;
  // Every entity znode under `parent` ("users", "clients", "users/<u>/clients", "ips"), and for
  // users their clients.
  std::function<result<void>(const std::string&)> read_under = [&](const std::string& parent) {
    auto names = zk.children("/config/" + parent);
    if (!names) {
      if (names.code() == zk_errc::no_node) return result<void>(ok_v);
      return result<void>(fail(errc::unavailable, names.error().message));
    }
    for (const auto& name : *names) {
      const std::string entity = parent + "/" + name;
      auto configs = read_entity_config(zk, "/config/" + entity);
      if (!configs) return result<void>(std::move(configs).error());
      if (!configs->empty()) out[entity] = std::move(*configs);
      if (parent == "users") {
        if (auto r = read_under(entity + "/clients"); !r) return r;
      }
    }
    return result<void>(ok_v);
  };
  if (auto r = read_under("users"); !r) return std::move(r).error();
  if (auto r = read_under("clients"); !r) return std::move(r).error();
  if (auto r = read_under("ips"); !r) return std::move(r).error();
  if (auto r = read_under("client-metrics"); !r) return std::move(r).error();  // KIP-714
  if (auto r = read_under("groups"); !r) return std::move(r).error();          // group configs
  return out;
}

result<void> zk_metadata_store::update_client_configs(const std::string& entity_path,
                                                      const config_edit& edit) {
  return update_entity_config(impl_->zk, "/config/" + entity_path, entity_path, edit);
}

std::map<std::string, config_map> zk_metadata_store::user_configs() const {
  return impl_->cache->user_configs();
}

result<void> zk_metadata_store::update_user_configs(const std::string& user,
                                                    const config_edit& edit) {
  auto& s = *impl_;
  if (auto r = update_entity_config(s.zk, zk_layout::user_config_path(user),
                                    "users/" + zk_layout::sanitize_entity_name(user), edit);
      !r)
    return r;
  s.cache->reload_user_config(user);
  return ok_v;
}

std::map<std::string, std::string> zk_metadata_store::delegation_tokens() const {
  return impl_->cache->delegation_tokens();
}

// As Kafka's KafkaZkClient.setOrCreateDelegationToken / deleteDelegationToken, then the
// createTokenChangeNotification its other brokers follow.
result<void> zk_metadata_store::put_delegation_token(const std::string& token_id,
                                                     const std::optional<std::string>& json) {
  auto& s = *impl_;
  const auto path = zk_layout::delegation_token_path(token_id);
  if (json) {
    auto set = s.zk.set(path, *json, -1);
    std::string problem = set ? std::string() : set.message();
    if (!set && set.code() == zk_errc::no_node) {
      auto created = s.zk.create_recursive(path, *json);
      problem = created ? std::string() : created.message();
    }
    if (!problem.empty()) return fail(errc::unavailable, path + ": " + problem);
  } else if (auto removed = s.zk.remove(path, -1); !removed && removed.code() != zk_errc::no_node) {
    return fail(errc::unavailable, path + ": " + removed.message());
  }
  auto notice =
      s.zk.create_recursive(std::string(zk_layout::delegation_token_changes) + "/token_change_",
                            token_id, zk_create_mode::persistent_sequential);
  if (!notice)
    spdlog::warn("Cannot write the token change notice of {}: {}", token_id, notice.message());
  s.cache->reload_delegation_token(token_id);
  return ok_v;
}

result<producer_id_block> zk_metadata_store::allocate_producer_ids(int32_t broker) {
  auto& zk = impl_->zk;
  const std::string path(zk_layout::latest_producer_id_block);
  // Another broker may claim a block between our read and write: the conditional write then
  // fails and we read again, as Kafka's brokers do.
  constexpr int attempts = 20;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto node = zk.get(path);
    if (!node && node.code() != zk_errc::no_node)
      return fail(errc::unavailable, path + ": " + node.message());
    std::optional<producer_id_block> previous;
    if (node && !node->data.empty()) {
      auto decoded = zk_layout::decode_producer_id_block(node->data);
      if (!decoded) return fail(errc::unavailable, path + ": " + decoded.message());
      previous = *decoded;
    }
    auto next = zk_layout::next_producer_id_block(previous, broker);
    if (!next) return std::move(next).error();
    const auto data = zk_layout::encode_producer_id_block(*next);
    if (node) {
      auto written = zk.set(path, data, node->stat.version);
      if (!written && written.code() == zk_errc::bad_version) continue;
      if (!written) return fail(errc::unavailable, path + ": " + written.message());
    } else {
      auto created = zk.create_recursive(path, data);
      if (!created && created.code() == zk_errc::node_exists) continue;
      if (!created) return fail(errc::unavailable, path + ": " + created.message());
    }
    spdlog::info("claimed producer ids {}..{} ({})", next->first, next->last, path);
    return *next;
  }
  return fail(errc::unavailable,
              fmt::format("{} kept changing under {} attempts to claim a block", path, attempts));
}

finalized_features zk_metadata_store::features() const {
  return impl_->cache->features();
}

// Conditional on the version read, as Kafka's controller writes /feature; another writer in
// between means reading again.
result<finalized_features> zk_metadata_store::update_features(const features_edit& edit) {
  auto& s = *impl_;
  const std::string path(zk_layout::feature);
  constexpr int attempts = 20;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    auto node = s.zk.get(path);
    if (!node && node.code() != zk_errc::no_node)
      return fail(errc::unavailable, path + ": " + node.message());
    feature_levels current;
    if (node) {
      auto decoded = decode_feature_znode(node->data);
      if (!decoded) return fail(errc::unavailable, path + ": " + decoded.message());
      current = std::move(*decoded);
    }
    auto next = edit(current);
    if (!next) return std::move(next).error();
    const auto data = encode_feature_znode(*next);
    if (node) {
      auto written = s.zk.set(path, data, node->stat.version);
      if (!written && written.code() == zk_errc::bad_version) continue;
      if (!written) return fail(errc::unavailable, path + ": " + written.message());
    } else {
      auto created = s.zk.create_recursive(path, data);
      if (!created && created.code() == zk_errc::node_exists) continue;
      if (!created) return fail(errc::unavailable, path + ": " + created.message());
    }
    s.cache->reload_features();
    return s.cache->features();
  }
  return fail(errc::unavailable,
              fmt::format("{} kept changing under {} attempts to update it", path, attempts));
}

void zk_metadata_store::watch(watcher w) {
  impl_->cache->add_watcher(std::move(w));
}

}  // namespace sluice::cluster
