#include "cli/zk_client_quotas.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>

#include "cli/topic_service.h"
#include "cluster/client_quota_entity.h"
#include "cluster/zk_entity_config.h"

namespace sluice::cli {

namespace {

using cluster::client_quota_entity;
using cluster::quota_entity_name;

// Kafka's ConfigEntity text: "user-principal 'u'", "default client-id", joined by ", ".
std::string entity_text(const client_quota_entity& e) {
  auto part = [](const char* word, const quota_entity_name& n) {
    return n.name ? fmt::format("{} '{}'", word, *n.name) : fmt::format("default {}", word);
  };
  std::vector<std::string> parts;
  if (e.user) parts.push_back(part("user-principal", *e.user));
  if (e.client_id) parts.push_back(part("client-id", *e.client_id));
  if (e.ip) parts.push_back(part("ip", *e.ip));
  return fmt::format("{}", fmt::join(parts, ", "));
}

result<client_quota_entity> entity_of(const std::vector<quota_entity_arg>& args) {
  client_quota_entity e;
  for (const auto& a : args) {
    if (!a.name) return fail(errc::invalid_input, "an entity name or default must be given");
    quota_entity_name n{a.name->empty() ? std::nullopt : std::optional(*a.name)};
    (a.type == "users" ? e.user : a.type == "ips" ? e.ip : e.client_id) = n;
  }
  if (!e.user && !e.client_id && !e.ip) return fail(errc::invalid_input, "no quota entity");
  return e;
}

failure<errc> from_cluster(const failure<cluster::errc>& e) {
  return fail(e.code == cluster::errc::invalid_config ? errc::invalid_input : errc::unreachable,
              e.message);
}

std::string quota_text(const client_quota_entity& e, const cluster::config_map& configs) {
  std::vector<std::string> items;
  for (const auto& [k, v] : configs)
    if (e.has_quota_key(k)) items.push_back(k + "=" + v);
  return fmt::format("{}", fmt::join(items, ","));
}

// Kafka's DynamicConfig.Client/User/Ip: the entity's quota keys, numbers (whole numbers for byte
// and connection rates).
std::optional<std::string> check_quota(const client_quota_entity& e, const std::string& key,
                                       const std::string& value) {
  if (!e.has_quota_key(key)) return fmt::format("Unknown Dynamic Config key: {}", key);
  char* end = nullptr;
  const bool integer = key == cluster::ip_connection_rate_key;
  const bool whole = key == "producer_byte_rate" || key == "consumer_byte_rate" || integer;
  if (whole) {
    (void)std::strtoll(value.c_str(), &end, 10);
  } else {
    (void)std::strtod(value.c_str(), &end);
  }
  if (value.empty() || end != value.c_str() + value.size())
    return fmt::format("Invalid value {} for configuration {}: Not a number of type {}", value, key,
                       integer ? "INT"
                       : whole ? "LONG"
                               : "DOUBLE");
  return std::nullopt;
}

}  // namespace

result<std::string> describe_zookeeper_client_quotas(const std::string& connect,
                                                     const std::vector<quota_entity_arg>& entity) {
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  std::vector<client_quota_entity> entities;
  if (entity.size() == 1 && !entity[0].name) {
    // Every entity of the type with a znode, as Kafka's tool listed them.
    const std::string parent = "/config/" + entity[0].type;
    auto children = (*zk)->children(parent);
    if (!children && children.code() != cluster::zk_errc::no_node)
      return fail(errc::unreachable, "read " + parent + ": " + children.message());
    if (children) {
      std::sort(children->begin(), children->end());
      for (const auto& c : *children) {
        if (auto e = client_quota_entity::from_path(entity[0].type + "/" + c))
          entities.push_back(*e);
      }
    }
  } else {
    auto e = entity_of(entity);
    if (!e) return std::move(e).error();
    entities.push_back(*e);
  }
  std::string out;
  for (const auto& e : entities) {
    const std::string path = "/config/" + e.path();
    // A parent created for a user's clients has no data: no configs, as Kafka reads it.
    if (auto node = (*zk)->get(path); node && node->data.empty()) {
      out += fmt::format("Configs for {} are \n", entity_text(e));
      continue;
    }
    auto configs = cluster::read_entity_config(**zk, path);
    if (!configs) return from_cluster(configs.error());
    out += fmt::format("Configs for {} are {}\n", entity_text(e), quota_text(e, *configs));
  }
  return out;
}

result<std::string> alter_zookeeper_client_quotas(
    const std::string& connect, const std::vector<quota_entity_arg>& entity,
    const std::vector<std::pair<std::string, std::string>>& add,
    const std::vector<std::string>& remove) {
  auto e = entity_of(entity);
  if (!e) return std::move(e).error();
  for (const auto& [k, v] : add) {
    if (auto why = check_quota(*e, k, v)) return fail(errc::invalid_input, *why);
  }
  for (const auto& k : remove) {
    if (!e->has_quota_key(k))
      return fail(errc::invalid_input, fmt::format("Unknown Dynamic Config key: {}", k));
  }
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  auto edit = [&](const cluster::config_map& current) -> cluster::result<cluster::config_map> {
    cluster::config_map next = current;
    for (const auto& [k, v] : add) next[k] = v;
    for (const auto& k : remove) next.erase(k);
    return next;
  };
  auto updated = cluster::update_entity_config(**zk, "/config/" + e->path(), e->path(), edit);
  if (!updated) return from_cluster(updated.error());
  return fmt::format("Completed updating config for entity: {}.\n", entity_text(*e));
}

}  // namespace sluice::cli
