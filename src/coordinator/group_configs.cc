#include "coordinator/group_configs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace sluice::coordinator {

using protocol::error_code;

namespace {

constexpr std::string_view entity_prefix = "groups/";
using kind = group_config_key::kind;

std::optional<int64_t> parse_int(const std::string& s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// ISO-8601 "PnDTnHnMnS" (Java's Duration.parse, as ShareGroupAutoOffsetResetStrategy reads it):
// milliseconds, or nullopt. Fractions of seconds are allowed.
std::optional<int64_t> parse_iso_duration(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() < 2 || (s.front() != 'P' && s.front() != 'p')) return std::nullopt;
  s.remove_prefix(1);
  double total_ms = 0;
  bool time_part = false, any = false;
  while (!s.empty()) {
    if (s.front() == 'T' || s.front() == 't') {
      if (time_part) return std::nullopt;
      time_part = true;
      s.remove_prefix(1);
      if (s.empty()) return std::nullopt;
      continue;
    }
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0 || n == s.size()) return std::nullopt;
    double value = 0;
    try {
      value = std::stod(std::string(s.substr(0, n)));
    } catch (...) {
      return std::nullopt;
    }
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(s[n])));
    if (!time_part && unit == 'D') {
      total_ms += value * 86400000.0;
    } else if (time_part && unit == 'H') {
      total_ms += value * 3600000.0;
    } else if (time_part && unit == 'M') {
      total_ms += value * 60000.0;
    } else if (time_part && unit == 'S') {
      total_ms += value * 1000.0;
    } else {
      return std::nullopt;
    }
    any = true;
    s.remove_prefix(n + 1);
  }
  if (!any) return std::nullopt;
  return static_cast<int64_t>(negative ? -total_ms : total_ms);
}

bool valid_reset(const std::string& value) {
  if (value == "latest" || value == "earliest") return true;
  if (!value.starts_with("by_duration:")) return false;
  auto ms = parse_iso_duration(std::string_view(value).substr(12));
  return ms && *ms >= 0;
}

}  // namespace

const std::vector<group_config_key>& group_config_keys() {
  static const std::vector<group_config_key> keys = {
      {"consumer.heartbeat.interval.ms", "group.consumer.heartbeat.interval.ms", "5000", kind::int_,
       1, "The heartbeat interval given to the members of a consumer group."},
      {"consumer.session.timeout.ms", "group.consumer.session.timeout.ms", "45000", kind::int_, 1,
       "The timeout to detect client failures when using the consumer group protocol."},
      {"share.auto.offset.reset", nullptr, "latest", kind::string, 0,
       "Where a share partition starts when it has no kept state: latest, earliest, or "
       "by_duration:<ISO-8601 duration> (the first record at or after now minus the duration)."},
      {"share.delivery.count.limit", "group.share.delivery.count.limit", "5", kind::int_, 2,
       "The number of deliveries of a record before it is archived."},
      {"share.heartbeat.interval.ms", "group.share.heartbeat.interval.ms", "5000", kind::int_, 1,
       "The heartbeat interval given to the members of a share group."},
      {"share.isolation.level", nullptr, "read_uncommitted", kind::string, 0,
       "How transactional records are read: read_committed or read_uncommitted."},
      {"share.partition.max.record.locks", "group.share.partition.max.record.locks", "2000",
       kind::int_, 100,
       "The most records in flight (acquired, not yet acknowledged) per share "
       "partition."},
      {"share.record.lock.duration.ms", "group.share.record.lock.duration.ms", "30000", kind::int_,
       1000, "How long a record acquired by a member is locked for it."},
      {"share.renew.acknowledge.enable", nullptr, "true", kind::boolean, 0,
       "Whether the renew acknowledge type is enabled for the share group."},
      {"share.session.timeout.ms", "group.share.session.timeout.ms", "45000", kind::int_, 1,
       "The timeout to detect client failures when using the share group protocol."},
  };
  return keys;
}

std::optional<group_config_refusal> validate_group_config(const cluster::config_map& configs) {
  auto refuse = [](std::string message) {
    return group_config_refusal{error_code::invalid_config, std::move(message)};
  };
  const auto& keys = group_config_keys();
  for (const auto& [name, value] : configs) {
    auto key =
        std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return name == k.name; });
    if (key == keys.end()) return refuse("Unknown group config name: " + name);
    switch (key->type) {
      case kind::int_: {
        auto v = parse_int(value);
        if (!v || *v < INT32_MIN || *v > INT32_MAX)
          return refuse(fmt::format(
              "Invalid value {} for configuration {}: Not a number of type INT", value, name));
        if (*v < key->at_least)
          return refuse(
              fmt::format("Invalid value {} for configuration {}: Value must be at least {}", value,
                          name, key->at_least));
        break;
      }
      case kind::boolean:
        if (value != "true" && value != "false")
          return refuse(fmt::format(
              "Invalid value {} for configuration {}: Expected value to be either true or false",
              value, name));
        break;
      case kind::string:
        if (name == "share.auto.offset.reset" && !valid_reset(value))
          return refuse(fmt::format(
              "Invalid value {} for configuration share.auto.offset.reset: Invalid value `{}` "
              "for configuration share.auto.offset.reset. The value must be either 'earliest', "
              "'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.",
              value, value));
        if (name == "share.isolation.level" && value != "read_committed" &&
            value != "read_uncommitted")
          return refuse(fmt::format(
              "Invalid value {} for configuration share.isolation.level: String must be one of: "
              "read_committed, read_uncommitted",
              value));
        break;
    }
  }
  for (const char* protocol : {"consumer", "share"}) {
    auto session = configs.find(std::string(protocol) + ".session.timeout.ms");
    auto heartbeat = configs.find(std::string(protocol) + ".heartbeat.interval.ms");
    if (session != configs.end() && heartbeat != configs.end() &&
        *parse_int(session->second) <= *parse_int(heartbeat->second))
      return refuse(fmt::format("{} must be greater than {}", session->first, heartbeat->first));
  }
  return std::nullopt;
}

std::string group_entity(const std::string& group) {
  return std::string(entity_prefix) + group;
}

std::optional<std::string> group_of_entity(const std::string& entity) {
  if (!entity.starts_with(entity_prefix) || entity.size() == entity_prefix.size())
    return std::nullopt;
  return entity.substr(entity_prefix.size());
}

int64_t share_reset_timestamp(const std::string& value, int64_t now_ms) {
  if (value == "earliest") return -2;
  if (value.starts_with("by_duration:"))
    if (auto ms = parse_iso_duration(std::string_view(value).substr(12)))
      return std::max<int64_t>(now_ms - *ms, 0);
  return -1;
}

void group_configs::set_all(const std::map<std::string, cluster::config_map>& client_configs) {
  std::map<std::string, cluster::config_map> next;
  for (const auto& [entity, configs] : client_configs)
    if (auto group = group_of_entity(entity); group && !configs.empty()) next[*group] = configs;
  std::lock_guard lock(mutex_);
  groups_ = std::move(next);
}

cluster::config_map group_configs::of(const std::string& group) const {
  std::lock_guard lock(mutex_);
  auto it = groups_.find(group);
  return it == groups_.end() ? cluster::config_map{} : it->second;
}

std::vector<std::string> group_configs::groups() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [group, configs] : groups_) out.push_back(group);
  return out;
}

std::optional<std::string> group_configs::value(const std::string& group,
                                                const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  auto v = it->second.find(key);
  if (v == it->second.end()) return std::nullopt;
  return v->second;
}

std::optional<int32_t> group_configs::int_value(const std::string& group,
                                                const std::string& key) const {
  auto v = value(group, key);
  if (!v) return std::nullopt;
  auto parsed = parse_int(*v);
  if (!parsed) return std::nullopt;
  return static_cast<int32_t>(*parsed);
}

}  // namespace sluice::coordinator
