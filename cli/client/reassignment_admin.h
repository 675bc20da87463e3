// reassignment_admin: the Admin calls kafka-reassign-partitions makes, over raw connections (the
// requests librdkafka 2.0.2 cannot send): the cluster's brokers and racks and the topics'
// replicas (Metadata), the ongoing reassignments and new ones or cancellations
// (List/AlterPartitionReassignments, to the controller Metadata names, retried on NOT_CONTROLLER
// as Kafka's Admin does), throttle configs (IncrementalAlterConfigs: a broker's own configs to
// that broker, topic configs to any), and replica log directories (DescribeLogDirs and
// AlterReplicaLogDirs to each broker concerned).
//
// Errors: broker error codes come back as values (api_error) where Kafka's Admin fails one
// partition's future; a failed whole call is an errc::broker failure whose message is Kafka's
// exception text ("org.apache.kafka.common.errors.<Class>: <message>"), as ExecutionException
// prints it. Owned by one tool run and used by its thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/client/broker_pool.h"
#include "cli/client/topic_partition.h"

namespace sluice::cli {

// A broker as Admin.describeCluster lists it.
struct cluster_node {
  int32_t id = 0;
  std::optional<std::string> rack;
};

// A broker error code with its message (Kafka's ApiError).
struct api_error {
  int16_t code = 0;
  std::optional<std::string> message;
};

// One topic as Admin.describeTopics reads it: an error, or its partitions' replicas by index.
struct topic_replicas {
  std::optional<api_error> error;
  std::map<int32_t, std::vector<int32_t>> partitions;
};

// An ongoing reassignment (Kafka's PartitionReassignment).
struct partition_reassignment {
  std::vector<int32_t> replicas, adding, removing;
  bool operator==(const partition_reassignment&) const = default;
};

// Where a replica's log is (Kafka's ReplicaLogDirInfo): no current dir when no live log
// directory holds it; a future dir while it is being moved.
struct replica_log_dir_info {
  std::optional<std::string> current, future;
};

// One config change of a broker (its id) or a topic: SET (a value) or DELETE (nullopt).
struct config_change {
  bool broker = false;
  std::string name;
  std::vector<std::pair<std::string, std::optional<std::string>>> ops;
};

class reassignment_admin {
 public:
  // Reads the cluster's brokers and controller from a broker of `settings.brokers`.
  static result<reassignment_admin> connect(const client_settings& settings, deadline d);

  const std::vector<cluster_node>& nodes() const { return nodes_; }

  result<std::map<std::string, topic_replicas>> describe_topics(const std::set<std::string>& names,
                                                                deadline d);
  // Every ongoing reassignment, or those of `partitions`.
  result<std::map<topic_partition, partition_reassignment>> list_reassignments(
      const std::optional<std::set<topic_partition>>& partitions, deadline d);
  // Starts (replicas) or cancels (nullopt) reassignments; the partitions that failed.
  result<std::map<topic_partition, api_error>> alter_reassignments(
      const std::map<topic_partition, std::optional<std::vector<int32_t>>>& changes, deadline d);
  // Fails with the first resource's error, as KafkaFuture.allOf(...).get() does.
  result<void> alter_configs(const std::vector<config_change>& changes, deadline d);
  result<std::map<topic_partition_replica, replica_log_dir_info>> describe_replica_log_dirs(
      const std::set<topic_partition_replica>& replicas, deadline d);
  // Asks each replica's broker to move it to a log directory; the replicas that failed.
  result<std::map<topic_partition_replica, api_error>> alter_replica_log_dirs(
      const std::map<topic_partition_replica, std::string>& moves, deadline d);

 private:
  reassignment_admin(broker_pool pool, std::vector<cluster_node> nodes, int32_t controller)
      : pool_(std::move(pool)), nodes_(std::move(nodes)), controller_(controller) {}
  result<raw_connection*> any_broker(deadline d);
  result<raw_connection*> broker(int32_t id, const char* call, deadline d);
  result<void> refresh(deadline d);
  template <class Request, class Response>
  result<Response> call_controller(const Request& request, const char* call, deadline d);

  broker_pool pool_;
  std::vector<cluster_node> nodes_;
  int32_t controller_ = -1;
};

}  // namespace sluice::cli
