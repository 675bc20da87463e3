// Synchronous wrappers over librdkafka's Admin API for the tools: each call builds the request,
// waits for its result within a deadline (failing early when the cluster is unreachable) and
// copies the answer into plain structs. Per-item broker errors are data (error + message), not
// failures; a failure means the whole request did not complete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"

namespace sluice::cli {

struct item_error {
  std::string name;  // topic or group
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;  // the broker's message, or librdkafka's text
};

struct new_topic {
  std::string name;
  int32_t partitions = -1;          // -1: the broker's default
  int32_t replication_factor = -1;  // -1: the broker's default (or from the assignment)
  std::vector<std::vector<int32_t>> assignment;  // replicas per partition, when given
  std::vector<std::pair<std::string, std::string>> configs;
};

result<std::vector<item_error>> create_topics(kafka_client& c, const std::vector<new_topic>& topics,
                                              deadline d);
result<std::vector<item_error>> delete_topics(kafka_client& c,
                                              const std::vector<std::string>& topics, deadline d);
// Grows `topic` to `total` partitions; `assignment` lists the new partitions' replicas.
result<std::vector<item_error>> create_partitions(
    kafka_client& c, const std::string& topic, int32_t total,
    const std::vector<std::vector<int32_t>>& assignment, deadline d);

enum class resource_type { topic, broker, broker_logger, group };

struct config_entry {
  std::string name;
  std::optional<std::string> value;  // null for sensitive values
  // Kafka's ConfigSource number (librdkafka's rd_kafka_ConfigSource_t shares them up to 5; Kafka's
  // 7, CLIENT_METRICS_CONFIG, and 8, GROUP_CONFIG, are outside that enum).
  int32_t source = RD_KAFKA_CONFIG_SOURCE_UNKNOWN_CONFIG;
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
  std::vector<config_entry> synonyms;
};
struct config_resource {
  resource_type type = resource_type::topic;
  std::string name;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
  std::vector<config_entry> entries;  // sorted by name
};

result<std::vector<config_resource>> describe_configs(
    kafka_client& c, const std::vector<std::pair<resource_type, std::string>>& resources,
    deadline d);
// Replaces the dynamic configs of one resource with `configs` (the non-incremental AlterConfigs:
// configs left out return to their defaults).
result<item_error> alter_configs(kafka_client& c, resource_type type, const std::string& name,
                                 const std::vector<std::pair<std::string, std::string>>& configs,
                                 deadline d);

struct partition_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::string metadata;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  friend bool operator<(const partition_offset& a, const partition_offset& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
};

// Deletes records before each given offset; returns the new low watermarks.
result<std::vector<partition_offset>> delete_records(kafka_client& c,
                                                     const std::vector<partition_offset>& before,
                                                     deadline d);

struct group_listing {
  std::string group_id;
  std::string state;  // Kafka's state name: Stable, Empty, Dead, ...
  bool simple = false;
  std::string type = "Unknown";  // Classic, Consumer (filled in by --list --type)
};
result<std::vector<group_listing>> list_groups(kafka_client& c, deadline d);

struct group_member {
  std::string consumer_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string host;
  std::vector<std::pair<std::string, int32_t>> assignment;
};
struct group_description {
  std::string group_id;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
  std::string state;
  std::string assignor;
  bool simple = false;
  int32_t coordinator_id = -1;
  std::string coordinator_host;
  int coordinator_port = 0;
  std::vector<group_member> members;
};
result<std::vector<group_description>> describe_groups(kafka_client& c,
                                                       const std::vector<std::string>& groups,
                                                       deadline d);

// The committed offsets of `group` (every partition it has offsets for).
result<std::vector<partition_offset>> list_group_offsets(kafka_client& c, const std::string& group,
                                                         deadline d);
// Commits `offsets` for `group` (which must have no active members); per-partition errors.
result<std::vector<partition_offset>> alter_group_offsets(
    kafka_client& c, const std::string& group, const std::vector<partition_offset>& offsets,
    deadline d);
result<std::vector<item_error>> delete_groups(kafka_client& c,
                                              const std::vector<std::string>& groups, deadline d);
// Deletes the committed offsets of `partitions` for `group`; per-partition errors.
result<std::vector<partition_offset>> delete_group_offsets(
    kafka_client& c, const std::string& group, const std::vector<partition_offset>& partitions,
    deadline d);

// Kafka's name for a group state ("Stable", "PreparingRebalance", ...).
std::string group_state_name(rd_kafka_consumer_group_state_t state);

}  // namespace sluice::cli
