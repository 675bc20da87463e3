// broker_config_provider: the handlers' view of configuration (DescribeConfigs, CreateTopics v5+,
// topic config validation), built over the server's config catalogue and storage's topic-level
// log keys. Every topic-level key Kafka 3.9 accepts is known here with its type and a line of
// documentation; log keys (segment.bytes, retention.ms, ...) are validated by storage, the others
// (min.insync.replicas, compression.type, ...) by type and range here.
// Reads the current snapshot of the dynamic configuration on every call; any thread.
#pragma once

#include "handlers/broker_services.h"
#include "server/dynamic_broker_config.h"
#include "storage/log_config.h"

namespace sluice::server {

class broker_config_provider final : public handlers::config_provider {
 public:
  explicit broker_config_provider(const dynamic_broker_config& config) : config_(config) {}

  std::vector<handlers::config_entry> broker_configs(bool cluster_default) const override;
  std::vector<handlers::config_entry> topic_configs(
      const cluster::config_map& overrides) const override;
  std::optional<std::string> validate_topic_config(const std::string& key,
                                                   const std::string& value) const override;
  std::optional<std::string> validate_broker_configs(
      std::optional<int32_t> broker, const cluster::config_map& configs,
      const cluster::metadata_store& store) const override;
  std::variant<cluster::config_map, std::string> broker_configs_to_store(
      std::optional<int32_t> broker, const cluster::config_map& before,
      const cluster::config_map& after) const override;
  bool is_sensitive(const std::string& key) const override;

 private:
  const dynamic_broker_config& config_;
};

}  // namespace sluice::server
