// The entry points of every command the `sluice` program runs: the modern CLI and the
// Kafka-compatible tools (bin/kafka-*.sh call `sluice kafka-<tool> ...`). Each takes the arguments
// after its own name and returns the process exit code.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

using args_t = std::vector<std::string>;
using tool_main = int (*)(const args_t& args);

struct kafka_tool {
  std::string_view name;  // without ".sh", e.g. "kafka-topics"
  tool_main run;
};

// Every Kafka-compatible tool, by name.
std::span<const kafka_tool> kafka_tools();
const kafka_tool* find_kafka_tool(std::string_view name);

int kafka_topics_main(const args_t& args);
int kafka_console_producer_main(const args_t& args);
int kafka_console_consumer_main(const args_t& args);
int kafka_consumer_groups_main(const args_t& args);
int kafka_configs_main(const args_t& args);
int kafka_get_offsets_main(const args_t& args);
int kafka_delete_records_main(const args_t& args);
int kafka_leader_election_main(const args_t& args);
int kafka_broker_api_versions_main(const args_t& args);
int kafka_log_dirs_main(const args_t& args);
int kafka_dump_log_main(const args_t& args);
int kafka_producer_perf_test_main(const args_t& args);
int kafka_consumer_perf_test_main(const args_t& args);
int kafka_transactions_main(const args_t& args);
int kafka_acls_main(const args_t& args);
int kafka_delegation_tokens_main(const args_t& args);
int kafka_e2e_latency_main(const args_t& args);
int kafka_verifiable_producer_main(const args_t& args);
int kafka_verifiable_consumer_main(const args_t& args);
int kafka_streams_application_reset_main(const args_t& args);
int kafka_share_groups_main(const args_t& args);
int kafka_features_main(const args_t& args);
int kafka_client_metrics_main(const args_t& args);
int kafka_replica_verification_main(const args_t& args);
int kafka_console_share_consumer_main(const args_t& args);
int kafka_reassign_partitions_main(const args_t& args);

// The modern CLI: `sluice <command> ...`.
int sluice_main(const args_t& args);

}  // namespace sluice::cli
