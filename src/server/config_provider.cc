#include "server/config_provider.h"

#include <fmt/format.h>

#include <algorithm>

#include "server/config_catalogue.h"

namespace sluice::server {

namespace {

using wire_entry = handlers::config_entry;

wire_entry::type wire_type(config_type t) {
  switch (t) {
    case config_type::boolean:
      return wire_entry::type::boolean;
    case config_type::string:
      return wire_entry::type::string;
    case config_type::int_:
      return wire_entry::type::int_;
    case config_type::short_:
      return wire_entry::type::short_;
    case config_type::long_:
      return wire_entry::type::long_;
    case config_type::double_:
      return wire_entry::type::double_;
    case config_type::list:
      return wire_entry::type::list;
    case config_type::password:
      return wire_entry::type::password;
  }
  return wire_entry::type::unknown;
}

wire_entry::source wire_source(config_source s) {
  return s == config_source::static_broker_config ? wire_entry::source::static_broker
                                                  : wire_entry::source::default_config;
}

}  // namespace

const std::vector<std::pair<std::string_view, std::string_view>>&
broker_config_provider::other_topic_keys() {
  static const std::vector<std::pair<std::string_view, std::string_view>> keys{
      {"compression.type", "producer"},
      {"min.insync.replicas", "1"},
      {"unclean.leader.election.enable", "false"},
      {"message.downconversion.enable", "true"},
      {"leader.replication.throttled.replicas", ""},
      {"follower.replication.throttled.replicas", ""},
      {"remote.storage.enable", "false"},
      {"local.retention.ms", "-2"},
      {"local.retention.bytes", "-2"},
  };
  return keys;
}

std::vector<handlers::config_entry> broker_config_provider::broker_configs() const {
  std::vector<wire_entry> out;
  for (const auto& e : config_.entries()) {
    if (e.key == nullptr) continue;
    wire_entry c;
    c.name = e.key->name;
    c.sensitive = e.key->sensitive;
    c.value = c.sensitive ? std::nullopt : e.text();
    c.from = wire_source(e.source);
    c.read_only = e.key->mode == update_mode::read_only;
    c.value_type = wire_type(e.key->type);
    c.documentation = e.key->doc;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<handlers::config_entry> broker_config_provider::topic_configs(
    const cluster::config_map& overrides) const {
  std::vector<wire_entry> out;
  auto effective = storage::log_config::from_properties(overrides, log_defaults_);
  const storage::log_config& values = effective ? *effective : log_defaults_;
  auto describe = [&](std::string_view name, std::string default_text) {
    wire_entry c;
    c.name = std::string(name);
    c.read_only = false;
    auto it = overrides.find(c.name);
    // Synonyms: the broker keys this topic key falls back to, most specific first.
    for (const auto* key : broker_synonyms(name)) {
      const auto* entry = config_.find(key->name);
      if (entry == nullptr || entry->source != config_source::static_broker_config) continue;
      c.synonyms.push_back({key->name, entry->text(), wire_entry::source::static_broker});
    }
    if (it != overrides.end()) {
      c.value = it->second;
      c.from = wire_entry::source::dynamic_topic;
      c.synonyms.insert(c.synonyms.begin(), {c.name, it->second, c.from});
    } else {
      c.value = std::move(default_text);
      c.from = c.synonyms.empty() ? wire_entry::source::default_config
                                  : wire_entry::source::static_broker;
    }
    out.push_back(std::move(c));
  };
  for (auto name : storage::log_config::names()) describe(name, values.get(name));
  for (const auto& [name, default_value] : other_topic_keys()) {
    std::string text(default_value);
    for (const auto* key : broker_synonyms(name))
      if (const auto* entry = config_.find(key->name); entry && entry->text()) {
        text = *entry->text();
        break;
      }
    describe(name, text);
  }
  std::sort(out.begin(), out.end(),
            [](const wire_entry& a, const wire_entry& b) { return a.name < b.name; });
  return out;
}

std::optional<std::string> broker_config_provider::validate_topic_config(
    const std::string& key, const std::string& value) const {
  for (const auto& [name, default_value] : other_topic_keys())
    if (name == key) return std::nullopt;
  storage::log_config probe = log_defaults_;
  auto r = probe.set(key, value);
  if (r) return std::nullopt;
  if (r.code() == storage::errc::not_found)
    return fmt::format("Unknown topic config name: {}", key);
  return r.message().empty() ? fmt::format("Invalid value {} for configuration {}", value, key)
                             : r.message();
}

}  // namespace sluice::server
