#include "telemetry/client_telemetry.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <set>

#include "base/crc32c.h"
#include "protocol/compression.h"
#include "telemetry/otlp_metrics.h"

namespace sluice::telemetry {

using protocol::error_code;

namespace {

constexpr int32_t min_interval_ms = 100;
constexpr int32_t max_interval_ms = 3600000;
constexpr int64_t min_expiry_ms = 60000;
constexpr std::string_view entity_prefix = "client-metrics/";
const std::set<std::string, std::less<>> selector_names = {
    "client_instance_id",    "client_id",         "client_software_name", "client_software_version",
    "client_source_address", "client_source_port"};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A list config's items; `empty_item` is set when one is empty ("a,,b").
std::vector<std::string> items_of(const std::string& text, bool* empty_item = nullptr) {
  std::vector<std::string> out;
  if (trim(text).empty()) return out;
  size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    auto item = trim(std::string_view(text).substr(start, comma - start));
    if (item.empty()) {
      if (empty_item) *empty_item = true;
    } else {
      out.push_back(item);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<config_refusal> check_list(const cluster::config_map& configs, const char* key) {
  auto it = configs.find(key);
  if (it == configs.end()) return std::nullopt;
  bool empty_item = false;
  auto items = items_of(it->second, &empty_item);
  if (empty_item)
    return config_refusal{error_code::invalid_config,
                          fmt::format("Configuration '{}' values must not be empty.", key)};
  std::set<std::string> seen(items.begin(), items.end());
  if (seen.size() != items.size())
    return config_refusal{error_code::invalid_config,
                          fmt::format("Configuration '{}' values must not be duplicated.", key)};
  return std::nullopt;
}

// "name=regex" selectors; nullopt if any is not one.
std::optional<std::vector<std::pair<std::string, std::string>>> selectors_of(
    const std::string& text, std::string* bad) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& item : items_of(text)) {
    auto eq = item.find('=');
    const bool one_eq = eq != std::string::npos && item.find('=', eq + 1) == std::string::npos;
    std::string name = one_eq ? trim(item.substr(0, eq)) : "";
    std::string pattern = one_eq ? trim(item.substr(eq + 1)) : "";
    if (!one_eq || pattern.empty() || !selector_names.contains(name) || !RE2(pattern).ok()) {
      if (bad) *bad = item;
      return std::nullopt;
    }
    out.emplace_back(std::move(name), std::move(pattern));
  }
  return out;
}

protocol::uuid random_id() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  protocol::uuid id;
  do {
    for (size_t i = 0; i < 16; i += 8) {
      const uint64_t v = engine();
      for (size_t j = 0; j < 8; ++j) id.value[i + j] = static_cast<uint8_t>(v >> (8 * j));
    }
  } while (id.is_zero() || (id.value[15] == 1 && std::all_of(id.value.begin(), id.value.end() - 1,
                                                             [](uint8_t b) { return b == 0; })));
  return id;
}

bool reserved(const protocol::uuid& id) {
  if (id.is_zero()) return true;
  for (size_t i = 0; i < 15; ++i)
    if (id.value[i] != 0) return false;
  return id.value[15] == 1;  // Kafka's ONE_UUID
}

}  // namespace

std::optional<config_refusal> validate_client_metrics_config(const cluster::config_map& configs) {
  for (const auto& [key, value] : configs) {
    if (key != metrics_key && key != interval_key && key != match_key)
      return config_refusal{error_code::invalid_request,
                            "Unknown client metrics configuration: " + key};
  }
  if (auto it = configs.find(interval_key); it != configs.end()) {
    int64_t v = 0;
    const auto& s = it->second;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v < INT32_MIN || v > INT32_MAX)
      return config_refusal{
          error_code::invalid_config,
          fmt::format("Invalid value {} for configuration interval.ms: Not a number of type INT",
                      s)};
    if (v < min_interval_ms || v > max_interval_ms)
      return config_refusal{error_code::invalid_request,
                            fmt::format("Invalid value {} for interval.ms, interval must be "
                                        "between 100 and 3600000 (1 hour)",
                                        v)};
  }
  if (auto e = check_list(configs, metrics_key)) return e;
  if (auto e = check_list(configs, match_key)) return e;
  if (auto it = configs.find(match_key); it != configs.end()) {
    std::string bad;
    if (!selectors_of(it->second, &bad))
      return config_refusal{error_code::invalid_config, "Illegal client matching pattern: " + bad};
  }
  return std::nullopt;
}

std::string subscription_entity(const std::string& name) {
  return std::string(entity_prefix) + name;
}

std::optional<std::string> subscription_name(const std::string& entity) {
  if (!entity.starts_with(entity_prefix) || entity.size() == entity_prefix.size())
    return std::nullopt;
  return entity.substr(entity_prefix.size());
}

struct client_telemetry::subscription {
  std::string name;
  std::vector<std::string> metrics;
  int32_t interval_ms = default_interval_ms;
  std::vector<std::pair<std::string, std::unique_ptr<RE2>>> selectors;

  bool matches(const protocol::uuid& id, const client_metadata& c) const {
    for (const auto& [name, re] : selectors) {
      std::string value = name == "client_instance_id"        ? id.to_base64()
                          : name == "client_id"               ? c.client_id
                          : name == "client_software_name"    ? c.software_name
                          : name == "client_software_version" ? c.software_version
                          : name == "client_source_address"   ? c.source_address
                                                              : std::to_string(c.source_port);
      if (!RE2::FullMatch(value, *re)) return false;
    }
    return true;
  }
};

struct client_telemetry::instance {
  client_metadata client;
  uint64_t version = 0;  // of the subscriptions it was built from
  std::vector<std::string> metrics;
  int32_t interval_ms = default_interval_ms;
  int32_t subscription_id = 0;
  int64_t last_get_ms = 0, last_push_ms = 0, last_seen_ms = 0;
  error_code last_error = error_code::none;
  bool terminating = false;
  std::map<std::pair<std::string, std::string>, double> series;  // (name, attributes) → value
};

client_telemetry::client_telemetry(telemetry_options options,
                                   std::function<protocol::uuid()> new_id)
    : options_(options), new_id_(new_id ? std::move(new_id) : random_id) {}

client_telemetry::~client_telemetry() = default;

void client_telemetry::set_subscriptions(
    const std::map<std::string, cluster::config_map>& client_configs) {
  std::vector<std::unique_ptr<subscription>> next;
  std::map<std::string, cluster::config_map> raw;
  for (const auto& [entity, configs] : client_configs) {
    auto name = subscription_name(entity);
    if (!name || configs.empty()) continue;
    raw[*name] = configs;
    if (validate_client_metrics_config(configs)) continue;
    auto s = std::make_unique<subscription>();
    s->name = *name;
    if (auto it = configs.find(metrics_key); it != configs.end()) s->metrics = items_of(it->second);
    if (auto it = configs.find(interval_key); it != configs.end())
      s->interval_ms = std::stoi(it->second);
    if (auto it = configs.find(match_key); it != configs.end()) {
      auto selectors = selectors_of(it->second, nullptr);  // valid: checked above
      for (auto& [selector, pattern] : *selectors)
        s->selectors.emplace_back(selector, std::make_unique<RE2>(pattern));
    }
    next.push_back(std::move(s));
  }
  std::lock_guard lock(mutex_);
  subscriptions_ = std::move(next);
  configs_ = std::move(raw);
  ++subscriptions_version_;
}

std::vector<std::string> client_telemetry::subscription_names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, configs] : configs_) out.push_back(name);
  return out;
}

cluster::config_map client_telemetry::subscription_configs(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = configs_.find(name);
  return it == configs_.end() ? cluster::config_map{} : it->second;
}

// Kafka's createClientInstance: every matching subscription's metrics, the shortest interval,
// "*" alone if any asks for everything; the id hashes the set and the interval.
void client_telemetry::rebuild(instance& in, const protocol::uuid& id) const {
  std::set<std::string> metrics;
  int32_t interval = default_interval_ms;
  bool all = false;
  for (const auto& s : subscriptions_) {
    if (!s->matches(id, in.client)) continue;
    interval = std::min(interval, s->interval_ms);
    for (const auto& m : s->metrics) {
      if (m == "*") all = true;
      metrics.insert(m);
    }
  }
  if (all) metrics = {"*"};
  in.metrics.assign(metrics.begin(), metrics.end());
  in.interval_ms = interval;
  std::string text = "[";
  for (size_t i = 0; i < in.metrics.size(); ++i) text += (i ? ", " : "") + in.metrics[i];
  text += "]" + std::to_string(interval);
  uint32_t id_hash = 0;
  for (size_t i = 0; i < 16; i += 4)
    id_hash ^= uint32_t{id.value[i]} << 24 | uint32_t{id.value[i + 1]} << 16 |
               uint32_t{id.value[i + 2]} << 8 | id.value[i + 3];
  in.subscription_id = static_cast<int32_t>(
      crc32c(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size())) ^ id_hash);
  in.version = subscriptions_version_;
  in.last_get_ms = in.last_push_ms = 0;
  in.last_error = error_code::none;
  in.terminating = false;
}

void client_telemetry::expire(int64_t now_ms) {
  if (now_ms - last_expiry_ms_ < 1000 && instances_.size() < options_.max_instances) return;
  last_expiry_ms_ = now_ms;
  std::erase_if(instances_, [&](const auto& e) {
    const auto& in = *e.second;
    return now_ms - in.last_seen_ms > std::max<int64_t>(min_expiry_ms, 3 * int64_t{in.interval_ms});
  });
  while (instances_.size() >= options_.max_instances) {
    auto oldest = std::min_element(instances_.begin(), instances_.end(), [](auto& a, auto& b) {
      return a.second->last_seen_ms < b.second->last_seen_ms;
    });
    instances_.erase(oldest);
  }
}

client_telemetry::instance& client_telemetry::find_or_create(const protocol::uuid& id,
                                                             const client_metadata& client,
                                                             int64_t now_ms) {
  auto it = instances_.find(id);
  if (it == instances_.end()) {
    expire(now_ms);
    auto fresh = std::make_unique<instance>();
    fresh->client = client;
    rebuild(*fresh, id);
    it = instances_.emplace(id, std::move(fresh)).first;
  } else if (it->second->version != subscriptions_version_) {
    rebuild(*it->second, id);
  }
  it->second->last_seen_ms = now_ms;
  return *it->second;
}

subscription_answer client_telemetry::get_subscriptions(const protocol::uuid& requested,
                                                        const client_metadata& client,
                                                        int64_t now_ms) {
  std::lock_guard lock(mutex_);
  protocol::uuid id = requested;
  if (id.is_zero()) do
      id = new_id_();
    while (instances_.contains(id) || reserved(id));
  instance& in = find_or_create(id, client, now_ms);
  subscription_answer out;
  const bool retrying = in.last_error == error_code::unknown_subscription_id ||
                        in.last_error == error_code::unsupported_compression_type;
  if (!retrying && now_ms - std::max(in.last_get_ms, in.last_push_ms) < in.interval_ms &&
      (in.last_get_ms != 0 || in.last_push_ms != 0)) {
    out.error = error_code::throttling_quota_exceeded;
    out.error_message = fmt::format(
        "Request from the client [{}] arrived before the next push interval time", id.to_base64());
    return out;
  }
  in.last_get_ms = now_ms;
  in.last_error = error_code::none;
  out.client_instance_id = id;
  out.subscription_id = in.subscription_id;
  out.accepted_compression = {4, 3, 1, 2};  // zstd, lz4, gzip, snappy: Kafka's preference
  out.push_interval_ms = in.interval_ms;
  out.max_bytes = options_.max_bytes;
  out.requested_metrics = in.metrics;
  return out;
}

std::pair<error_code, std::string> client_telemetry::push(
    const protocol::uuid& id, int32_t subscription_id, bool terminating, int8_t compression,
    std::span<const uint8_t> metrics, const client_metadata& client, int64_t now_ms) {
  const std::string who = id.to_base64();
  if (reserved(id))
    return {error_code::invalid_request,
            fmt::format("Invalid request from the client [{}], invalid client instance id", who)};
  std::unique_lock lock(mutex_);
  instance& in = find_or_create(id, client, now_ms);
  auto refuse = [&](error_code e, std::string message) {
    in.last_error = e;
    in.terminating = terminating;
    return std::make_pair(e, std::move(message));
  };
  if (in.terminating)
    return refuse(error_code::invalid_request,
                  fmt::format("Client [{}] sent the previous request with state terminating to "
                              "TRUE, can not accept any requests after that",
                              who));
  const bool on_time = in.last_get_ms > in.last_push_ms ||
                       now_ms - in.last_push_ms >= in.interval_ms || in.last_push_ms == 0;
  if (!on_time && !terminating)
    return refuse(
        error_code::throttling_quota_exceeded,
        fmt::format("Request from the client [{}] arrived before the throttle time", who));
  in.last_push_ms = now_ms;
  if (subscription_id != in.subscription_id)
    return refuse(error_code::unknown_subscription_id,
                  fmt::format("Unknown client subscription id for the client [{}]", who));
  if (compression < 0 || compression > 4)
    return refuse(error_code::unsupported_compression_type,
                  fmt::format("Unknown compression type [{}] is received in telemetry request "
                              "from [{}]",
                              compression, who));
  if (metrics.size() > static_cast<size_t>(options_.max_bytes))
    return refuse(error_code::telemetry_too_large,
                  fmt::format("Telemetry request from [{}] is larger than the maximum allowed "
                              "size [{}]",
                              who, options_.max_bytes));
  in.terminating = terminating;
  if (metrics.empty()) {
    in.last_error = error_code::none;
    return {error_code::none, {}};
  }
  // Decompressing and decoding need no lock: the instance's values are updated after.
  lock.unlock();
  std::vector<uint8_t> buffer;
  auto data = protocol::decompress(static_cast<protocol::compression_type>(compression), metrics,
                                   static_cast<size_t>(options_.max_bytes), buffer);
  std::optional<std::vector<metric_point>> points;
  if (data)
    if (auto decoded = decode_metrics_data(data.value(), options_.max_series); decoded)
      points = std::move(decoded).value();
  lock.lock();
  auto it = instances_.find(id);
  if (it == instances_.end()) return {error_code::none, {}};  // expired meanwhile
  instance& again = *it->second;
  if (!points) {
    again.last_error = error_code::invalid_record;
    return {error_code::invalid_record,
            fmt::format("Failed to read the telemetry pushed by the client [{}]", who)};
  }
  for (const auto& p : *points) {
    std::string attributes;
    for (const auto& [k, v] : p.attributes)
      attributes += (attributes.empty() ? "" : ",") + k + "=" + v;
    auto key = std::make_pair(p.name, std::move(attributes));
    auto s = again.series.find(key);
    if (s == again.series.end()) {
      if (again.series.size() >= options_.max_series) continue;
      s = again.series.emplace(std::move(key), 0.0).first;
    }
    s->second = p.delta ? s->second + p.value : p.value;
  }
  again.last_error = error_code::none;
  return {error_code::none, {}};
}

std::vector<std::string> client_telemetry::label_names() {
  return {"client_instance_id",      "client_id", "client_software_name",
          "client_software_version", "name",      "attributes"};
}

void client_telemetry::collect(metrics::sample_sink& sink) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, in] : instances_) {
    const std::string instance_id = id.to_base64();
    for (const auto& [key, value] : in->series)
      sink.add({instance_id, in->client.client_id, in->client.software_name,
                in->client.software_version, key.first, key.second},
               value);
  }
}

size_t client_telemetry::instance_count() const {
  std::lock_guard lock(mutex_);
  return instances_.size();
}

}  // namespace sluice::telemetry
