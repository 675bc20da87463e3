// client_telemetry: KIP-714 client metrics at the broker, as Kafka's ClientMetricsManager keeps
// them — the subscriptions (client-metrics config resources: which metrics, how often, for which
// clients), the client instances that asked for theirs (GetTelemetrySubscriptions) and push them
// (PushTelemetry), and the pushed values, which the broker shows on /metrics (Kafka hands them to
// a metrics-reporter plugin and shows none).
//
// Deterministic given the time passed in (and the instance ids the generator makes); one mutex
// makes it safe to call from any network thread. Memory is bounded: at most max_instances client
// instances (each expires after max(60 s, 3 push intervals) without a request, the least recently
// seen goes first when full) and max_series values per instance.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "cluster/metadata_store.h"
#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace sluice::telemetry {

// The client-metrics config keys and their defaults.
inline constexpr const char* metrics_key = "metrics";
inline constexpr const char* interval_key = "interval.ms";
inline constexpr const char* match_key = "match";
inline constexpr int32_t default_interval_ms = 300000;

// Why a client-metrics config set cannot be stored: INVALID_REQUEST or INVALID_CONFIG with
// Kafka's messages (unknown keys, interval.ms outside 100..3600000, bad match patterns, duplicate
// or empty list items). nullopt when it is valid.
struct config_refusal {
  protocol::error_code code;
  std::string message;
};
std::optional<config_refusal> validate_client_metrics_config(const cluster::config_map& configs);

// The entity path under which a subscription's configs are stored with the client configs
// ("client-metrics/<name>", Kafka's config type name), and back.
std::string subscription_entity(const std::string& name);
std::optional<std::string> subscription_name(const std::string& entity);

// What identifies a client to the subscriptions' match selectors.
struct client_metadata {
  std::string client_id, software_name, software_version, source_address;
  int32_t source_port = 0;
};

struct telemetry_options {
  int32_t max_bytes = 1048576;  // telemetry.max.bytes
  size_t max_instances = 16384;
  size_t max_series = 1000;
};

struct subscription_answer {
  protocol::error_code error = protocol::error_code::none;
  std::string error_message;
  protocol::uuid client_instance_id;
  int32_t subscription_id = 0;
  std::vector<int8_t> accepted_compression;  // the broker's preference order
  int32_t push_interval_ms = 0;
  int32_t max_bytes = 0;
  bool delta_temporality = true;
  std::vector<std::string> requested_metrics;
};

class client_telemetry {
 public:
  explicit client_telemetry(telemetry_options options,
                            std::function<protocol::uuid()> new_id = nullptr);
  ~client_telemetry();

  // Replaces the subscriptions with the client-metrics entities among `client_configs` (entity
  // path → configs); invalid sets are skipped. Instances are rebuilt at their next request.
  void set_subscriptions(const std::map<std::string, cluster::config_map>& client_configs);
  std::vector<std::string> subscription_names() const;
  // The stored configs of subscription `name` (empty when there is none).
  cluster::config_map subscription_configs(const std::string& name) const;

  subscription_answer get_subscriptions(const protocol::uuid& requested,
                                        const client_metadata& client, int64_t now_ms);
  // PushTelemetry: the error and its message (NONE when the metrics were taken).
  std::pair<protocol::error_code, std::string> push(const protocol::uuid& id,
                                                    int32_t subscription_id, bool terminating,
                                                    int8_t compression,
                                                    std::span<const uint8_t> metrics,
                                                    const client_metadata& client, int64_t now_ms);

  // The pushed values: (client_instance_id, client_id, client_software_name,
  // client_software_version, name, attributes) → value.
  void collect(metrics::sample_sink& sink) const;
  static std::vector<std::string> label_names();
  size_t instance_count() const;

 private:
  struct instance;
  struct subscription;
  instance& find_or_create(const protocol::uuid& id, const client_metadata& client, int64_t now_ms);
  void rebuild(instance& in, const protocol::uuid& id) const;
  void expire(int64_t now_ms);

  const telemetry_options options_;
  std::function<protocol::uuid()> new_id_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<subscription>> subscriptions_;       // mutex_
  std::map<std::string, cluster::config_map> configs_;             // mutex_: by subscription name
  uint64_t subscriptions_version_ = 0;                             // mutex_
  std::map<protocol::uuid, std::unique_ptr<instance>> instances_;  // mutex_
  int64_t last_expiry_ms_ = 0;                                     // mutex_
};

}  // namespace sluice::telemetry
