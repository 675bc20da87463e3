#include "cli/zk_configs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>

#include "cli/topic_service.h"
#include "cluster/zk_entity_config.h"
#include "cluster/zk_layout.h"
#include "server/config.h"
#include "server/dynamic_broker_config.h"

namespace sluice::cli {

namespace {

namespace layout = cluster::zk_layout;

// Kafka's ConfigCommand names an entity "topic 't'", "brokers '1'" or "default brokers".
std::string entity_text(const std::string& type, const std::string& name) {
  if (type == "brokers" && name.empty()) return "default brokers";
  return fmt::format("{} '{}'", type == "topics" ? "topic" : "brokers", name);
}

std::string config_path(const std::string& type, const std::string& name) {
  if (type == "topics") return layout::topic_config_path(name);
  return std::string(layout::config_brokers) + "/" + (name.empty() ? "<default>" : name);
}

std::string entity_path(const std::string& type, const std::string& name) {
  return type + "/" + (type == "brokers" && name.empty() ? "<default>" : name);
}

failure<errc> from_cluster(const failure<cluster::errc>& e) {
  return fail(e.code == cluster::errc::invalid_config ? errc::invalid_input : errc::unreachable,
              e.message);
}

// A dynamic broker config set checked as a broker with default settings checks it.
std::optional<std::string> check_broker_configs(const std::string& name,
                                                const cluster::config_map& configs) {
  std::vector<server::property> props{{"broker.id", "0", 0}, {"log.dirs", "/nonexistent", 0}};
  auto base = server::load_config(props, {}, [] { return std::string("localhost"); });
  if (!base) return "broker defaults: " + base.message();
  std::optional<int32_t> broker;
  if (!name.empty()) {
    int32_t id = 0;
    std::from_chars(name.data(), name.data() + name.size(), id);
    broker = id;
  }
  return server::dynamic_broker_config::check_alone(*base, broker, configs);
}

std::string format_configs(const cluster::config_map& configs) {
  std::vector<std::string> items;
  for (const auto& [k, v] : configs) items.push_back(k + "=" + v);
  return fmt::format("{}", fmt::join(items, ","));
}

}  // namespace

result<std::string> describe_zookeeper_configs(const std::string& connect,
                                               const zookeeper_config_change& what) {
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  std::vector<std::string> names;
  if (what.name) {
    names.push_back(*what.name);
  } else {
    // Every entity with a config znode, as Kafka's tool listed them.
    auto parent = what.type == "topics" ? std::string(layout::config_topics)
                                        : std::string(layout::config_brokers);
    auto children = (*zk)->children(parent);
    if (!children && children.code() != cluster::zk_errc::no_node)
      return fail(errc::unreachable, "read " + parent + ": " + children.message());
    if (children) {
      for (auto& c : *children) names.push_back(c == "<default>" ? "" : c);
    }
    std::sort(names.begin(), names.end());
  }
  std::string out;
  for (const auto& name : names) {
    auto configs = cluster::read_entity_config(**zk, config_path(what.type, name));
    if (!configs) return from_cluster(configs.error());
    out += fmt::format("Configs for {} are {}\n", entity_text(what.type, name),
                       format_configs(*configs));
  }
  return out;
}

result<std::string> alter_zookeeper_configs(const std::string& connect,
                                            const zookeeper_config_change& what) {
  const std::string name = what.name.value_or("");
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  if (what.type == "topics") {
    auto exists = (*zk)->exists(layout::topic_path(name));
    if (!exists) return fail(errc::unreachable, "read " + layout::topic_path(name));
    if (!exists->has_value())
      return fail(errc::invalid_input, fmt::format("Topic '{}' does not exist.", name));
  }
  auto check_topic = topic_config_checker();
  std::optional<std::string> refusal;
  auto edit = [&](const cluster::config_map& current) -> cluster::result<cluster::config_map> {
    refusal.reset();
    std::vector<std::string> missing;
    for (const auto& k : what.remove)
      if (!current.contains(k)) missing.push_back(k);
    if (!missing.empty()) refusal = fmt::format("Invalid config(s): {}", fmt::join(missing, ","));
    cluster::config_map next = current;
    for (const auto& [k, v] : what.add) next[k] = v;
    for (const auto& k : what.remove) next.erase(k);
    if (!refusal && what.type == "topics") {
      for (const auto& [k, v] : next) {
        if (auto why = check_topic(k, v)) {
          refusal = *why;
          break;
        }
      }
    }
    if (!refusal && what.type == "brokers") refusal = check_broker_configs(name, next);
    if (refusal) return fail(cluster::errc::invalid_config, *refusal);
    return next;
  };
  auto updated = cluster::update_entity_config(**zk, config_path(what.type, name),
                                               entity_path(what.type, name), edit);
  if (!updated) return from_cluster(updated.error());
  return fmt::format("Completed updating config for entity: {}.\n", entity_text(what.type, name));
}

}  // namespace sluice::cli
