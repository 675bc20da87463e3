// broker_config_provider: the handlers' view of configuration (DescribeConfigs, topic config
// validation), built over the server's config catalogue and storage's topic-level log keys.
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

  // Topic-level keys Kafka accepts that are not log settings (min.insync.replicas, ...), with
  // their defaults: accepted, stored and described; enforced once the feature exists.
  static const std::vector<std::pair<std::string_view, std::string_view>>& other_topic_keys();

 private:
  const server_config& config_;
  storage::log_config log_defaults_;
};

}  // namespace sluice::server
