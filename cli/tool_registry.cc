// The table of Kafka-compatible tools the `sluice` program can run.
#include "cli/tools.h"

namespace sluice::cli {

std::span<const kafka_tool> kafka_tools() {
  static constexpr kafka_tool tools[] = {
      {"kafka-topics", kafka_topics_main},
      {"kafka-console-producer", kafka_console_producer_main},
      {"kafka-console-consumer", kafka_console_consumer_main},
      {"kafka-consumer-groups", kafka_consumer_groups_main},
      {"kafka-configs", kafka_configs_main},
      {"kafka-get-offsets", kafka_get_offsets_main},
      {"kafka-delete-records", kafka_delete_records_main},
      {"kafka-leader-election", kafka_leader_election_main},
      {"kafka-broker-api-versions", kafka_broker_api_versions_main},
      {"kafka-log-dirs", kafka_log_dirs_main},
      {"kafka-dump-log", kafka_dump_log_main},
      {"kafka-producer-perf-test", kafka_producer_perf_test_main},
      {"kafka-consumer-perf-test", kafka_consumer_perf_test_main},
      {"kafka-transactions", kafka_transactions_main},
      {"kafka-acls", kafka_acls_main},
      {"kafka-delegation-tokens", kafka_delegation_tokens_main},
      {"kafka-e2e-latency", kafka_e2e_latency_main},
      {"kafka-verifiable-producer", kafka_verifiable_producer_main},
      {"kafka-verifiable-consumer", kafka_verifiable_consumer_main},
      {"kafka-streams-application-reset", kafka_streams_application_reset_main},
      {"kafka-share-groups", kafka_share_groups_main},
      {"kafka-features", kafka_features_main},
      {"kafka-client-metrics", kafka_client_metrics_main},
      {"kafka-replica-verification", kafka_replica_verification_main},
      {"kafka-console-share-consumer", kafka_console_share_consumer_main},
      {"kafka-reassign-partitions", kafka_reassign_partitions_main},
  };
  return tools;
}

const kafka_tool* find_kafka_tool(std::string_view name) {
  if (name.ends_with(".sh")) name.remove_suffix(3);
  for (const kafka_tool& t : kafka_tools()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace sluice::cli
