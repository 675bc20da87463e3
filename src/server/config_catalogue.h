// The catalogue of broker configuration keys: Kafka's names, types, defaults and valid values,
// plus how each may change at runtime and which topic-level key it provides the default for.
//
// One static table, built on first use and immutable afterwards (safe from any thread). Loading
// (config.h), DescribeConfigs and docs/configuration.md are all generated from it, so a key added
// here is parsed, validated, described and documented at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/config_value.h"

namespace sluice::server {

// How a key may change while the broker runs (Kafka's "update mode").
enum class update_mode {
  read_only,     // needs a restart
  per_broker,    // IncrementalAlterConfigs on this broker's resource
  cluster_wide,  // IncrementalAlterConfigs on the default broker resource (topic defaults)
};
std::string_view to_string(update_mode m);  // "read-only", "per-broker", "cluster-wide"

// A check on a parsed, non-null value: the reason it is invalid, or nullopt.
struct constraint {
  std::function<std::optional<std::string>(const config_value&)> check;
  std::string text;  // for the docs: "[1,...]", "[compact, delete]"; empty when anything goes
};
constraint at_least(int64_t min);
constraint in_range(int64_t min, int64_t max);
constraint between(double min, double max);
constraint one_of(std::vector<std::string> choices);           // a STRING among these
constraint one_of_any_case(std::vector<std::string> choices);  // ... in upper or lower case
constraint each_one_of(std::vector<std::string> choices);      // a non-empty LIST of these

struct config_key {
  std::string name;
  config_type type;
  std::optional<std::string> default_value;  // in the form parse_config_value reads; nullopt: null
  std::string section;                       // docs heading
  std::string doc;
  constraint valid;
  update_mode mode = update_mode::read_only;
  bool sensitive = false;
  std::string topic_config;  // the topic-level key this is the broker default of, if any
  bool ignored = false;      // accepted for compatibility with Kafka files; has no effect
};

// Every key, grouped by section; within a key family in precedence order (log.retention.ms
// before .minutes before .hours), which is also DescribeConfigs' synonym order.
const std::vector<config_key>& config_catalogue();
const config_key* find_config_key(std::string_view name);
// The broker keys that provide the default of a topic-level key, in precedence order
// ("retention.ms" -> log.retention.ms, log.retention.minutes, log.retention.hours).
std::vector<const config_key*> broker_synonyms(std::string_view topic_config);

}  // namespace sluice::server
