// broker_config_provider: the handlers' view of configuration (DescribeConfigs, CreateTopics v5+,
// topic config validation), built over the server's config catalogue and storage's topic-level
// log keys. Every topic-level key Kafka 3.9 accepts is known here with its type and a line of
// documentation; log keys (segment.bytes, retention.ms, ...) are validated by storage, the others
// (min.insync.replicas, compression.type, ...) by type and range here.
// Immutable after construction; any thread.
#pragma once

#include "handlers/broker_services.h"
#include "server/config.h"
#include "storage/log_config.h"

namespace sluice::server {

class broker_config_provider final : public handlers::config_provider {
 public:
  broker_config_provider(const server_config& config, storage::log_config log_defaults)
      : config_(config), log_defaults_(std::move(log_defaults)) {}

  std::vector<handlers::config_entry> broker_configs() const override;
  std::vector<handlers::config_entry> topic_configs(
      const cluster::config_map& overrides) const override;
  std::optional<std::string> validate_topic_config(const std::string& key,
                                                   const std::string& value) const override;

 private:
  // The value a topic without an override gets for a key that is not a log key.
  std::string non_log_default(std::string_view key) const;

  const server_config& config_;
  storage::log_config log_defaults_;
};

}  // namespace sluice::server
