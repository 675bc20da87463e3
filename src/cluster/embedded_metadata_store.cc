#include "cluster/embedded_metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "cluster/topic_name.h"
#include "cluster/topic_validation.h"
#include "cluster/zk_layout.h"

namespace sluice::cluster {

namespace {

constexpr const char* kStateFile = "sluice-metadata.json";

protocol::uuid random_uuid() {
  std::random_device rd;
  protocol::uuid id;
  do {
    for (auto& b : id.value) b = static_cast<uint8_t>(rd());
  } while (id.is_zero());
  return id;
}

nlohmann::json to_json(const topic_metadata& t) {
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : t.partitions) parts.push_back(p.replicas);
  return {{"name", t.name},
          {"id", t.id.to_base64()},
          {"replicas", parts},
          {"configs", t.configs},
          {"internal", t.internal}};
}

bool fsync_path(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string embedded_metadata_store::new_cluster_id() {
  return random_uuid().to_base64();
}

embedded_metadata_store::embedded_metadata_store(embedded_options options)
    : options_(std::move(options)) {}

result<std::unique_ptr<embedded_metadata_store>> embedded_metadata_store::open(
    embedded_options options, std::string cluster_id) {
  auto store = std::make_unique<embedded_metadata_store>(std::move(options));
  auto path = store->options_.dir / kStateFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    store->cluster_id_ = cluster_id.empty() ? new_cluster_id() : cluster_id;
    std::lock_guard lock(store->mutex_);
    if (auto r = store->persist_locked(); !r) return std::move(r).error();
    return store;
  }
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    return fail(errc::storage_failed, fmt::format("{}: not valid JSON", path.string()));
  // nlohmann::json reports type mismatches by throwing; keep that inside this function.
  try {
    store->cluster_id_ = doc.value("cluster_id", "");
    const auto self = store->options_.self.id;
    const nlohmann::json topics = doc.value("topics", nlohmann::json::array());
    for (const auto& jt : topics) {
      topic_metadata t;
      t.name = jt.value("name", "");
      auto id = protocol::uuid::from_base64(jt.value("id", ""));
      if (t.name.empty() || !id)
        return fail(errc::storage_failed,
                    fmt::format("{}: a topic lacks a name or id", path.string()));
      t.id = *id;
      t.internal = jt.value("internal", false);
      const nlohmann::json configs = jt.value("configs", nlohmann::json::object());
      for (const auto& [k, v] : configs.items())
        t.configs[k] = v.is_string() ? v.get<std::string>() : v.dump();
      int32_t index = 0;
      const nlohmann::json replicas = jt.value("replicas", nlohmann::json::array());
      for (const auto& jr : replicas) {
        partition_state p;
        p.partition = index++;
        p.replicas = jr.get<std::vector<int32_t>>();
        p.leader = self;
        p.isr = {self};
        t.partitions.push_back(std::move(p));
      }
      store->topics_.emplace(t.name, std::move(t));
    }
    const nlohmann::json brokers = doc.value("broker_configs", nlohmann::json::object());
    for (const auto& [entity, configs] : brokers.items()) {
      config_map& m = store->broker_configs_[entity];
      for (const auto& [k, v] : configs.items())
        m[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    const nlohmann::json tokens = doc.value("delegation_tokens", nlohmann::json::object());
    for (const auto& [id, json] : tokens.items())
      store->delegation_tokens_[id] = json.is_string() ? json.get<std::string>() : json.dump();
    const nlohmann::json users = doc.value("user_configs", nlohmann::json::object());
    for (const auto& [user, configs] : users.items()) {
      config_map& m = store->user_configs_[user];
      for (const auto& [k, v] : configs.items())
        m[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    if (auto acls = doc.find("acls"); acls != doc.end() && acls->is_object()) {
      for (const auto& [path, document] : acls->items())
        store->acl_documents_[path] = document.dump();
    }
    const nlohmann::json clients = doc.value("client_configs", nlohmann::json::object());
    for (const auto& [entity, configs] : clients.items()) {
      config_map& m = store->client_configs_[entity];
      for (const auto& [k, v] : configs.items())
        m[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    if (auto f = doc.find("feature"); f != doc.end()) {
      auto levels = decode_feature_znode(f->dump());
      if (!levels)
        return fail(errc::storage_failed, fmt::format("{}: {}", path.string(), levels.message()));
      store->features_.levels = std::move(*levels);
      store->features_.epoch = doc.value("feature_epoch", int64_t{0});
    }
    if (auto block = doc.find("producer_id_block"); block != doc.end()) {
      auto decoded = zk_layout::decode_producer_id_block(block->dump());
      if (!decoded)
        return fail(errc::storage_failed, fmt::format("{}: {}", path.string(), decoded.message()));
      store->producer_ids_ = *decoded;
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(errc::storage_failed, fmt::format("{}: {}", path.string(), e.what()));
  }
  if (!cluster_id.empty() && cluster_id != store->cluster_id_)
    return fail(errc::storage_failed,
                fmt::format("{}: cluster id {} does not match meta.properties cluster.id {}",
                            path.string(), store->cluster_id_, cluster_id));
  return store;
}

result<void> embedded_metadata_store::persist_locked() {
  nlohmann::json topics = nlohmann::json::array();
  for (const auto& [name, t] : topics_) topics.push_back(to_json(t));
  nlohmann::json doc = {{"version", 1}, {"cluster_id", cluster_id_}, {"topics", topics}};
  if (!broker_configs_.empty()) doc["broker_configs"] = broker_configs_;
  if (!client_configs_.empty()) doc["client_configs"] = client_configs_;
  if (!user_configs_.empty()) doc["user_configs"] = user_configs_;
  if (!delegation_tokens_.empty()) doc["delegation_tokens"] = delegation_tokens_;
  // The same JSON as Kafka's /feature znode, and its version.
  doc["feature"] = nlohmann::json::parse(encode_feature_znode(features_.levels));
  doc["feature_epoch"] = features_.epoch;
  // The same JSON as Kafka's /latest_producer_id_block znode.
  if (producer_ids_)
    doc["producer_id_block"] =
        nlohmann::json::parse(zk_layout::encode_producer_id_block(*producer_ids_));
  if (!acl_documents_.empty()) {
    nlohmann::json acls = nlohmann::json::object();
    for (const auto& [path, document] : acl_documents_)
      acls[path] = nlohmann::json::parse(document);
    doc["acls"] = std::move(acls);
  }
  std::string text = doc.dump(2) + "\n";

  auto path = options_.dir / kStateFile;
  auto tmp = options_.dir / (std::string(kStateFile) + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errc::storage_failed, fmt::format("cannot write {}", tmp.string()));
  size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return fail(errc::storage_failed, fmt::format("cannot write {}", tmp.string()));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail(errc::storage_failed, fmt::format("cannot replace {}", path.string()));
  if (!fsync_path(options_.dir, O_RDONLY | O_DIRECTORY))
    return fail(errc::storage_failed, fmt::format("cannot fsync {}", options_.dir.string()));
  return ok_v;
}

void embedded_metadata_store::notify(const metadata_change& change) {
  std::vector<watcher> watchers;
  {
    std::lock_guard lock(mutex_);
    watchers = watchers_;
  }
  for (auto& w : watchers) w(change);
}

std::string embedded_metadata_store::cluster_id() const {
  std::lock_guard lock(mutex_);
  return cluster_id_;
}

int32_t embedded_metadata_store::controller_id() const {
  return options_.self.id;
}

std::vector<broker_info> embedded_metadata_store::brokers() const {
  std::lock_guard lock(mutex_);
  return {options_.self};
}

result<void> embedded_metadata_store::register_broker(const broker_info& self) {
  std::lock_guard lock(mutex_);
  if (self.id != options_.self.id)
    return fail(errc::invalid_request, "the embedded store serves one broker id");
  options_.self = self;
  return ok_v;
}

std::vector<topic_metadata> embedded_metadata_store::topics() const {
  std::lock_guard lock(mutex_);
  std::vector<topic_metadata> out;
  out.reserve(topics_.size());
  for (const auto& [name, t] : topics_) out.push_back(t);
  return out;
}

std::optional<topic_metadata> embedded_metadata_store::topic(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second;
}

std::optional<topic_metadata> embedded_metadata_store::topic_by_id(const protocol::uuid& id) const {
  std::lock_guard lock(mutex_);
  const topic_metadata* t = ids_.find(id, topics_);
  return t ? std::optional<topic_metadata>(*t) : std::nullopt;
}

std::optional<std::string> embedded_metadata_store::topic_name(const protocol::uuid& id) const {
  std::lock_guard lock(mutex_);
  const topic_metadata* t = ids_.find(id, topics_);
  return t ? std::optional<std::string>(t->name) : std::nullopt;
}

result<topic_metadata> embedded_metadata_store::create_topic(const new_topic& spec,
                                                             bool validate_only) {
  if (auto r = validate_topic_name(spec.name); !r) return std::move(r).error();
  {
    // As Kafka: an existing topic is reported as such before anything else is checked.
    std::lock_guard lock(mutex_);
    if (topics_.contains(spec.name))
      return fail(errc::topic_exists, fmt::format("Topic '{}' already exists.", spec.name));
  }
  auto counts =
      resolve_topic_counts(spec, options_.default_partitions, options_.default_replication_factor);
  if (!counts) return std::move(counts).error();
  int32_t partitions = counts->partitions;
  int32_t rf = counts->replication_factor;
  if (counts->explicit_assignment) {
    if (auto r =
            check_replica_assignment(spec.assignment, spec.assignment.size(), {options_.self.id});
        !r)
      return std::move(r).error();
  } else if (rf > 1) {
    return fail(errc::invalid_replication_factor,
                fmt::format("Unable to replicate the partition {} time(s): The target "
                            "replication factor of {} cannot be reached because only 1 "
                            "broker(s) are registered.",
                            rf, rf));
  }
  if (auto r = check_topic_configs(spec.configs, options_.validate_config); !r)
    return std::move(r).error();

  topic_metadata t;
  t.name = spec.name;
  t.internal = is_internal_topic(spec.name);
  t.configs = spec.configs;
  for (int32_t i = 0; i < partitions; ++i) {
    partition_state p;
    p.partition = i;
    p.replicas = {options_.self.id};
    p.leader = options_.self.id;
    p.isr = {options_.self.id};
    t.partitions.push_back(std::move(p));
  }
  {
    std::lock_guard lock(mutex_);
    if (topics_.contains(spec.name))
      return fail(errc::topic_exists, fmt::format("Topic '{}' already exists.", spec.name));
    std::vector<std::string> existing;
    existing.reserve(topics_.size());
    for (const auto& [name, topic] : topics_) existing.push_back(name);
    if (auto r = check_topic_collision(spec.name, existing); !r) return std::move(r).error();
    if (validate_only) return t;
    t.id = random_uuid();
    topics_.emplace(t.name, t);
    if (auto r = persist_locked(); !r) {
      topics_.erase(t.name);
      return std::move(r).error();
    }
  }
  spdlog::info("Created topic {} (id {}) with {} partition(s)", t.name, t.id.to_base64(),
               partitions);
  notify({metadata_change::kind::topic_created, t.name});
  return t;
}

result<void> embedded_metadata_store::delete_topic(const std::string& name) {
  if (!options_.delete_topic_enable)
    return fail(errc::deletion_disabled, "Topic deletion is disabled.");
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end())
      return fail(errc::unknown_topic, "This server does not host this topic-partition.");
    auto saved = it->second;
    topics_.erase(it);
    if (auto r = persist_locked(); !r) {
      topics_.emplace(name, std::move(saved));
      return std::move(r).error();
    }
  }
  spdlog::info("Deleted topic {}", name);
  notify({metadata_change::kind::topic_deleted, name});
  return ok_v;
}

result<void> embedded_metadata_store::create_partitions(
    const std::string& name, int32_t total, const std::vector<std::vector<int32_t>>& assignment,
    bool validate_only) {
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end())
      return fail(errc::unknown_topic, "This server does not host this topic-partition.");
    auto& t = it->second;
    auto current = static_cast<int32_t>(t.partitions.size());
    if (auto r = check_partition_increase(current, total); !r) return std::move(r).error();
    if (!assignment.empty()) {
      if (auto r = check_replica_assignment(assignment, static_cast<size_t>(total - current),
                                            {options_.self.id});
          !r)
        return std::move(r).error();
    }
    if (validate_only) return ok_v;
    auto saved = t.partitions;
    for (int32_t i = current; i < total; ++i) {
      partition_state p;
      p.partition = i;
      p.replicas = {options_.self.id};
      p.leader = options_.self.id;
      p.isr = {options_.self.id};
      t.partitions.push_back(std::move(p));
    }
    if (auto r = persist_locked(); !r) {
      t.partitions = std::move(saved);
      return std::move(r).error();
    }
  }
  spdlog::info("Topic {} now has {} partitions", name, total);
  notify({metadata_change::kind::partitions_added, name});
  return ok_v;
}

result<void> embedded_metadata_store::update_topic_configs(const std::string& name,
                                                           const config_edit& edit) {
  std::unique_lock serial(update_mutex_);
  config_map current;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end())
      return fail(errc::unknown_topic, "This server does not host this topic-partition.");
    current = it->second.configs;
  }
  auto configs = edit(current);  // without mutex_: the edit may read this store
  if (!configs) return std::move(configs).error();
  if (auto r = check_topic_configs(*configs, options_.validate_config); !r) return r;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(name);
    if (it == topics_.end())
      return fail(errc::unknown_topic, "This server does not host this topic-partition.");
    auto saved = std::exchange(it->second.configs, std::move(*configs));
    if (auto r = persist_locked(); !r) {
      it->second.configs = std::move(saved);
      return std::move(r).error();
    }
  }
  serial.unlock();  // watchers may start their own changes
  notify({metadata_change::kind::configs_changed, name});
  return ok_v;
}

namespace {
std::string broker_entity(std::optional<int32_t> broker) {
  return broker ? std::to_string(*broker) : std::string("<default>");
}
}  // namespace

std::map<std::string, config_map> embedded_metadata_store::user_configs() const {
  std::lock_guard lock(mutex_);
  return user_configs_;
}

result<void> embedded_metadata_store::update_user_configs(const std::string& user,
                                                          const config_edit& edit) {
  std::unique_lock serial(update_mutex_);
  config_map current;
  {
    std::lock_guard lock(mutex_);
    if (auto it = user_configs_.find(user); it != user_configs_.end()) current = it->second;
  }
  auto configs = edit(current);
  if (!configs) return std::move(configs).error();
  {
    std::lock_guard lock(mutex_);
    auto saved = user_configs_;
    if (configs->empty())
      user_configs_.erase(user);
    else
      user_configs_[user] = std::move(*configs);
    if (auto r = persist_locked(); !r) {
      user_configs_ = std::move(saved);
      return std::move(r).error();
    }
  }
  serial.unlock();
  notify({metadata_change::kind::user_configs_changed, user});
  return ok_v;
}

std::map<std::string, std::string> embedded_metadata_store::delegation_tokens() const {
  std::lock_guard lock(mutex_);
  return delegation_tokens_;
}

result<void> embedded_metadata_store::put_delegation_token(const std::string& token_id,
                                                           const std::optional<std::string>& json) {
  {
    std::unique_lock serial(update_mutex_);
    std::lock_guard lock(mutex_);
    auto saved = delegation_tokens_;
    if (json)
      delegation_tokens_[token_id] = *json;
    else
      delegation_tokens_.erase(token_id);
    if (auto r = persist_locked(); !r) {
      delegation_tokens_ = std::move(saved);
      return std::move(r).error();
    }
  }
  notify({metadata_change::kind::delegation_token_changed, token_id});
  return ok_v;
}

finalized_features embedded_metadata_store::features() const {
  std::lock_guard lock(mutex_);
  return features_;
}

result<finalized_features> embedded_metadata_store::update_features(const features_edit& edit) {
  std::unique_lock serial(update_mutex_);
  auto next = edit(features().levels);  // without mutex_: the edit may read this store
  if (!next) return std::move(next).error();
  std::lock_guard lock(mutex_);
  auto saved = features_;
  features_.levels = std::move(*next);
  ++features_.epoch;
  if (auto r = persist_locked(); !r) {
    features_ = std::move(saved);
    return std::move(r).error();
  }
  return features_;
}

config_map embedded_metadata_store::broker_configs(std::optional<int32_t> broker) const {
  std::lock_guard lock(mutex_);
  auto it = broker_configs_.find(broker_entity(broker));
  return it == broker_configs_.end() ? config_map{} : it->second;
}

result<void> embedded_metadata_store::update_broker_configs(std::optional<int32_t> broker,
                                                            const config_edit& edit) {
  std::unique_lock serial(update_mutex_);
  auto configs = edit(broker_configs(broker));  // without mutex_: the edit may read this store
  if (!configs) return std::move(configs).error();
  {
    std::lock_guard lock(mutex_);
    auto entity = broker_entity(broker);
    auto saved = broker_configs_;
    if (configs->empty())
      broker_configs_.erase(entity);
    else
      broker_configs_[entity] = std::move(*configs);
    if (auto r = persist_locked(); !r) {
      broker_configs_ = std::move(saved);
      return std::move(r).error();
    }
  }
  serial.unlock();  // watchers may start their own changes
  notify({metadata_change::kind::broker_configs_changed, {}});
  return ok_v;
}

std::map<std::string, std::string> embedded_metadata_store::acl_documents() const {
  std::lock_guard lock(mutex_);
  return acl_documents_;
}

result<void> embedded_metadata_store::update_acl_document(const std::string& path,
                                                          const document_edit& edit) {
  std::unique_lock serial(update_mutex_);
  std::optional<std::string> current;
  {
    std::lock_guard lock(mutex_);
    if (auto it = acl_documents_.find(path); it != acl_documents_.end()) current = it->second;
  }
  auto next = edit(current);
  if (!next) return std::move(next).error();
  if (*next && nlohmann::json::parse(**next, nullptr, /*allow_exceptions=*/false).is_discarded())
    return fail(errc::invalid_request, path + ": not JSON");
  std::lock_guard lock(mutex_);
  auto saved = acl_documents_;
  if (*next)
    acl_documents_[path] = std::move(**next);
  else
    acl_documents_.erase(path);
  if (auto r = persist_locked(); !r) {
    acl_documents_ = std::move(saved);
    return std::move(r).error();
  }
  return ok_v;
}

result<std::map<std::string, config_map>> embedded_metadata_store::client_configs() const {
  std::lock_guard lock(mutex_);
  return client_configs_;
}

result<void> embedded_metadata_store::update_client_configs(const std::string& entity_path,
                                                            const config_edit& edit) {
  std::unique_lock serial(update_mutex_);
  config_map current;
  {
    std::lock_guard lock(mutex_);
    if (auto it = client_configs_.find(entity_path); it != client_configs_.end())
      current = it->second;
  }
  auto configs = edit(current);  // without mutex_: the edit may read this store
  if (!configs) return std::move(configs).error();
  {
    std::lock_guard lock(mutex_);
    auto saved = client_configs_;
    if (configs->empty())
      client_configs_.erase(entity_path);
    else
      client_configs_[entity_path] = std::move(*configs);
    if (auto r = persist_locked(); !r) {
      client_configs_ = std::move(saved);
      return std::move(r).error();
    }
  }
  serial.unlock();  // watchers may start their own changes
  notify({metadata_change::kind::client_configs_changed, {}});
  return ok_v;
}

result<producer_id_block> embedded_metadata_store::allocate_producer_ids(int32_t broker) {
  std::lock_guard lock(mutex_);
  auto next = zk_layout::next_producer_id_block(producer_ids_, broker);
  if (!next) return std::move(next).error();
  auto saved = producer_ids_;
  producer_ids_ = *next;
  // Durable before any id of the block is handed out: a restart never reuses an id.
  if (auto r = persist_locked(); !r) {
    producer_ids_ = saved;
    return std::move(r).error();
  }
  return *next;
}

void embedded_metadata_store::watch(watcher w) {
  std::lock_guard lock(mutex_);
  watchers_.push_back(std::move(w));
}

}  // namespace sluice::cluster
