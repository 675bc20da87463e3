#include "server/config_provider.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>

#include "server/config_catalogue.h"
#include "server/listener_configs.h"
#include "server/log_defaults.h"

namespace sluice::server {

namespace {

using wire_entry = handlers::config_entry;

// A topic-level key: its type, a line for DescribeConfigs' documentation, and — for keys storage
// does not know — the default when no broker key provides one and a check of the parsed value.
struct topic_key {
  std::string_view name;
  config_type type;
  std::string_view doc;
  std::string_view fallback_default = {};  // non-log keys only
  std::function<std::optional<std::string>(const config_value&)> check = nullptr;
};

std::optional<std::string> not_below(const config_value& v, int64_t min) {
  int64_t n = 0;
  if (auto* i = std::get_if<int32_t>(&v)) n = *i;
  if (auto* l = std::get_if<int64_t>(&v)) n = *l;
  if (n < min) return fmt::format("Value must be at least {}", min);
  return std::nullopt;
}

std::optional<std::string> within(const config_value& v, int64_t min, int64_t max) {
  int32_t n = std::get_if<int32_t>(&v) ? *std::get_if<int32_t>(&v) : 0;
  if (n != -1 && (n < min || n > max))
    return fmt::format("Value must be -1 or in [{},...,{}]", min, max);
  return std::nullopt;
}

// "*", or a list of partition:broker pairs.
std::optional<std::string> throttled_replicas(const config_value& v) {
  const auto* items = std::get_if<config_list>(&v);
  if (items == nullptr || (items->size() == 1 && items->front() == "*")) return std::nullopt;
  for (const auto& item : *items) {
    auto colon = item.find(':');
    int64_t a = 0, b = 0;
    auto digits = [](std::string_view s, int64_t& out) {
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      return !s.empty() && ec == std::errc() && end == s.data() + s.size();
    };
    if (colon == std::string::npos || !digits(std::string_view(item).substr(0, colon), a) ||
        !digits(std::string_view(item).substr(colon + 1), b))
      return "Value must be '*' or a list of partition:broker pairs, e.g. 0:1,1:2";
  }
  return std::nullopt;
}

const std::vector<topic_key>& topic_keys() {
  using t = config_type;
  static const std::vector<topic_key> keys{
      {"cleanup.policy", t::list,
       "What happens to old segments: delete (retention) and/or compact (keep the latest record "
       "per key)."},
      {"compression.type", t::string,
       "Compression of stored batches; producer keeps whatever the producer used.", "producer",
       [](const config_value& v) -> std::optional<std::string> {
         static const std::vector<std::string> allowed{"uncompressed", "zstd", "lz4",
                                                       "snappy",       "gzip", "producer"};
         const auto* s = std::get_if<std::string>(&v);
         if (s && std::find(allowed.begin(), allowed.end(), *s) != allowed.end())
           return std::nullopt;
         return "String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer";
       }},
      {"compression.gzip.level", t::int_, "Level used when the broker compresses with gzip.", "-1",
       [](const config_value& v) { return within(v, 1, 9); }},
      {"compression.lz4.level", t::int_, "Level used when the broker compresses with lz4.", "9",
       [](const config_value& v) { return within(v, 1, 17); }},
      {"compression.zstd.level", t::int_, "Level used when the broker compresses with zstd.", "3",
       [](const config_value& v) -> std::optional<std::string> {
         int32_t n = std::get<int32_t>(v);
         if (n < -131072 || n > 22) return "Value must be in [-131072,...,22]";
         return std::nullopt;
       }},
      {"delete.retention.ms", t::long_, "How long tombstones stay readable in a compacted topic."},
      {"file.delete.delay.ms", t::long_, "Wait before deleting a segment file from disk."},
      {"flush.messages", t::long_, "Force an fsync after this many messages."},
      {"flush.ms", t::long_, "Force an fsync after this much time."},
      {"follower.replication.throttled.replicas", t::list,
       "Replicas whose follower fetching is throttled: '*' or partition:broker pairs.", "",
       throttled_replicas},
      {"index.interval.bytes", t::int_, "Bytes between two offset index entries."},
      {"leader.replication.throttled.replicas", t::list,
       "Replicas whose leader-side replication is throttled: '*' or partition:broker pairs.", "",
       throttled_replicas},
      {"local.retention.bytes", t::long_, "Tiered storage: local size limit (-2: retention.bytes).",
       "-2", [](const config_value& v) { return not_below(v, -2); }},
      {"local.retention.ms", t::long_, "Tiered storage: local time limit (-2: retention.ms).", "-2",
       [](const config_value& v) { return not_below(v, -2); }},
      {"max.compaction.lag.ms", t::long_, "A record is compacted at the latest after this long."},
      {"max.message.bytes", t::int_, "Largest record batch the topic accepts."},
      {"message.downconversion.enable", t::boolean,
       "Down-convert record batches for old consumers (Fetch v0-3).", "true"},
      {"message.timestamp.after.max.ms", t::long_,
       "How far in the future a CreateTime timestamp may be."},
      {"message.timestamp.before.max.ms", t::long_,
       "How far in the past a CreateTime timestamp may be."},
      {"message.timestamp.difference.max.ms", t::long_,
       "Deprecated bound on |timestamp - now| for CreateTime."},
      {"message.timestamp.type", t::string, "CreateTime (from the producer) or LogAppendTime."},
      {"min.cleanable.dirty.ratio", t::double_, "Compact once this fraction of the log is dirty."},
      {"min.compaction.lag.ms", t::long_, "A record stays uncompacted at least this long."},
      {"min.insync.replicas", t::int_, "With acks=all, the fewest in-sync replicas a write needs.",
       "1", [](const config_value& v) { return not_below(v, 1); }},
      {"preallocate", t::boolean, "Preallocate segment files on disk."},
      {"remote.storage.enable", t::boolean, "Tiered storage (not supported; must stay false).",
       "false",
       [](const config_value& v) -> std::optional<std::string> {
         if (std::get<bool>(v)) return "Tiered storage is not supported by this broker";
         return std::nullopt;
       }},
      {"retention.bytes", t::long_, "Size limit of a partition before old segments are deleted."},
      {"retention.ms", t::long_, "Age limit of a segment before it is deleted; -1: no limit."},
      {"segment.bytes", t::int_, "Size at which a segment is rolled."},
      {"segment.index.bytes", t::int_, "Size of a segment's offset index."},
      {"segment.jitter.ms", t::long_, "Random jitter subtracted from segment.ms."},
      {"segment.ms", t::long_, "Age at which a segment is rolled even if not full."},
      {"unclean.leader.election.enable", t::boolean,
       "Allow an out-of-sync replica to become leader.", "false"},
  };
  return keys;
}

const topic_key* find_topic_key(std::string_view name) {
  for (const auto& k : topic_keys())
    if (k.name == name) return &k;
  return nullptr;
}

bool is_log_key(std::string_view name) {
  const auto& names = storage::log_config::names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

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

// A default in the catalogue's input form, as DescribeConfigs shows it.
std::optional<std::string> default_text(const config_key& key) {
  if (!key.default_value) return std::nullopt;
  auto parsed = parse_config_value(key.type, *key.default_value);
  return parsed ? format_config_value(*parsed) : key.default_value;
}

// Kafka's synonym list for a key of a family (log.retention.ms, .minutes, .hours): every family
// member's value in each layer, layer by layer from the highest precedence (this broker's dynamic
// configs, unless describing the cluster default; the cluster-wide dynamic default;
// server.properties and --override; the built-in default), with everything before the first
// entry named `primary` dropped — which is why a key that is set only through a
// lower-precedence synonym reports no synonyms, exactly as Kafka does.
std::vector<wire_entry::synonym> synonym_chain(const server_config& config,
                                               const std::vector<const config_key*>& family,
                                               std::string_view primary, bool cluster_default) {
  using source = wire_entry::source;
  using text_of = std::optional<std::string> (*)(const config_entry&, const config_key&);
  static const std::pair<source, text_of> layers[] = {
      {source::dynamic_broker,
       [](const config_entry& e, const config_key&) { return e.dynamic_broker_text; }},
      {source::dynamic_default_broker,
       [](const config_entry& e, const config_key&) { return e.dynamic_default_text; }},
      {source::static_broker,
       [](const config_entry& e, const config_key&) { return e.static_text; }},
      {source::default_config,
       [](const config_entry&, const config_key& k) { return default_text(k); }},
  };
  std::vector<wire_entry::synonym> chain;
  for (const auto& [from, text] : layers) {
    if (cluster_default && from == source::dynamic_broker) continue;
    for (const auto* key : family) {
      const auto* entry = config.find(key->name);
      if (entry == nullptr) continue;
      if (auto value = text(*entry, *key))
        chain.push_back({key->name, key->sensitive ? std::nullopt : value, from});
    }
  }
  auto first = std::find_if(chain.begin(), chain.end(),
                            [&](const wire_entry::synonym& s) { return s.name == primary; });
  chain.erase(chain.begin(), first);
  return chain;
}

// The value a topic without an override gets for a key that is not a log key.
std::string non_log_default(const server_config& config, std::string_view key) {
  for (const auto* broker_key : broker_synonyms(key))
    if (const auto* entry = config.find(broker_key->name); entry && entry->text())
      return *entry->text();
  const auto* k = find_topic_key(key);
  return k ? std::string(k->fallback_default) : std::string();
}

}  // namespace

std::vector<handlers::config_entry> broker_config_provider::broker_configs(
    bool cluster_default) const {
  auto config = config_.current();
  std::vector<wire_entry> out;
  for (const auto& e : config->entries()) {
    if (e.key == nullptr) continue;
    if (cluster_default && !e.dynamic_default_text) continue;
    wire_entry c;
    c.name = e.key->name;
    c.sensitive = e.key->sensitive;
    auto shown = cluster_default ? e.dynamic_default_text : e.text();
    c.value = c.sensitive ? std::nullopt : shown;
    std::vector<const config_key*> family{e.key};
    if (!e.key->topic_config.empty()) family = broker_synonyms(e.key->topic_config);
    c.synonyms = synonym_chain(*config, family, c.name, cluster_default);
    c.from = c.synonyms.empty() ? wire_entry::source::default_config : c.synonyms.front().from;
    c.read_only = e.key->mode == update_mode::read_only;
    c.value_type = wire_type(e.key->type);
    c.documentation = e.key->doc;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<handlers::config_entry> broker_config_provider::topic_configs(
    const cluster::config_map& overrides) const {
  auto config = config_.current();
  const storage::log_config defaults = log_defaults(config->typed());
  std::vector<wire_entry> out;
  auto effective = storage::log_config::from_properties(overrides, defaults);
  const storage::log_config& values = effective ? *effective : defaults;
  for (const auto& key : topic_keys()) {
    wire_entry c;
    c.name = std::string(key.name);
    c.read_only = false;
    c.value_type = wire_type(key.type);
    c.documentation = std::string(key.doc);
    auto family = broker_synonyms(key.name);
    if (!family.empty()) c.synonyms = synonym_chain(*config, family, family.front()->name, false);
    if (auto it = overrides.find(c.name); it != overrides.end()) {
      c.value = it->second;
      c.synonyms.insert(c.synonyms.begin(),
                        {c.name, it->second, wire_entry::source::dynamic_topic});
    } else {
      c.value = is_log_key(key.name) ? values.get(key.name) : non_log_default(*config, key.name);
    }
    c.from = c.synonyms.empty() ? wire_entry::source::default_config : c.synonyms.front().from;
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<std::string> broker_config_provider::validate_topic_config(
    const std::string& key, const std::string& value) const {
  const auto* known = find_topic_key(key);
  if (known == nullptr) return fmt::format("Unknown topic config name: {}", key);
  auto invalid = [&](std::string_view why) {
    return fmt::format("Invalid value {} for configuration {}: {}", value, key, why);
  };
  if (is_log_key(key)) {
    storage::log_config probe = log_defaults(config_.current()->typed());
    auto r = probe.set(key, value);
    if (r) return std::nullopt;
    // Storage prefixes its reasons with the key; Kafka's wording names the value and key first.
    std::string why = r.message();
    if (why.starts_with(key + ": ")) why.erase(0, key.size() + 2);
    return invalid(why.empty() ? "not a valid value" : why);
  }
  auto parsed = parse_config_value(known->type, value);
  if (!parsed) return invalid(parsed.message());
  if (known->check) {
    if (auto why = known->check(*parsed)) return invalid(*why);
  }
  return std::nullopt;
}

std::optional<std::string> broker_config_provider::validate_broker_configs(
    std::optional<int32_t> broker, const cluster::config_map& configs,
    const cluster::metadata_store& store) const {
  return config_.check(broker, configs, store);
}

std::variant<cluster::config_map, std::string> broker_config_provider::broker_configs_to_store(
    std::optional<int32_t> broker, const cluster::config_map& before,
    const cluster::config_map& after) const {
  return config_.to_stored(broker, before, after);
}

bool broker_config_provider::is_sensitive(const std::string& key) const {
  const config_key* k = find_broker_config_key(key);
  return k != nullptr && k->sensitive;
}

}  // namespace sluice::server
