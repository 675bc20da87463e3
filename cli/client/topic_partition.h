// topic_partition: a partition named by topic and index — Kafka's TopicPartition, ordered by topic
// then index, printed as Kafka prints it ("orders-3"). topic_partition_replica: one broker's
// replica of a partition — Kafka's TopicPartitionReplica, ordered as Kafka's tools sort them
// (broker, then topic, then index), printed "orders-3-1". Plain value types.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace sluice::cli {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  // Kafka's TopicPartition text: "topic-3".
  std::string to_string() const { return topic + "-" + std::to_string(partition); }
  auto operator<=>(const topic_partition&) const = default;
};

struct topic_partition_replica {
  int32_t broker = 0;  // first: the order is by broker, then topic, then partition
  std::string topic;
  int32_t partition = 0;
  topic_partition partition_of() const { return {topic, partition}; }
  // Kafka's TopicPartitionReplica text: "topic-3-1" (the broker last).
  std::string to_string() const {
    return topic + "-" + std::to_string(partition) + "-" + std::to_string(broker);
  }
  auto operator<=>(const topic_partition_replica&) const = default;
};

}  // namespace sluice::cli
