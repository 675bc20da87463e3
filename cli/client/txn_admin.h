// txn_admin: the transaction requests of Kafka's Admin client (KIP-664), which librdkafka 2.0.2
// cannot send, over raw connections with Sluice's codec: ListTransactions to every broker,
// DescribeTransactions to each id's transaction coordinator (FindCoordinator, key type 1),
// DescribeProducers to a partition's leader (or a chosen replica), and an ABORT marker written
// with WriteTxnMarkers to a partition's leader, as Admin.abortTransaction does.
//
// Results are plain structs. Failures carry the message of the exception Kafka's Admin client
// raises in the same case (e.g. "DescribeTransactions request for transactionalId `x` failed
// because the ID could not be found"), so the tools can print Kafka's lines. Retriable answers
// (a coordinator loading or not yet available) are retried every 100 ms until the deadline.
//
// One object per tool run, used by its thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/client/broker_pool.h"
#include "cli/client/topic_partition.h"

namespace sluice::cli {

// One producer of a partition, as DescribeProducers shows it.
struct producer_state {
  int64_t producer_id = -1;
  int32_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  std::optional<int32_t> coordinator_epoch;  // none before the first marker
  std::optional<int64_t> txn_start_offset;   // none without an open transaction
};

struct partition_producers {
  topic_partition partition;
  std::vector<producer_state> producers;
};

// One transactional id of ListTransactions, with the broker that coordinates it.
struct txn_listing {
  int32_t coordinator = -1;
  std::string transactional_id;
  int64_t producer_id = -1;
  std::string state;  // Kafka's names: Empty, Ongoing, PrepareCommit, CompleteAbort, ...
};

struct txn_description {
  int32_t coordinator_id = -1;
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::string state;
  int32_t timeout_ms = 0;
  std::optional<int64_t> start_time_ms;  // none when no transaction is open
  std::vector<topic_partition> partitions;
};

// The transaction to abort on one partition (Kafka's AbortTransactionSpec).
struct abort_spec {
  topic_partition partition;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t coordinator_epoch = 0;
  // Kafka's text: "AbortTransactionSpec(topicPartition=t-0, producerId=5, ...)".
  std::string to_string() const;
};

struct list_filter {
  std::vector<std::string> states;    // state names; empty: all
  std::vector<int64_t> producer_ids;  // empty: all
  int64_t duration_ms = -1;  // >= 0: only transactions running longer (ListTransactions v1)
};

class txn_admin {
 public:
  // `metadata` names the brokers and the partitions' leaders and replicas; `settings` are the
  // tool's client properties (how connections are secured); every request must finish by `d`.
  txn_admin(cluster_metadata metadata, const property_map& settings, deadline d);

  const cluster_metadata& metadata() const { return metadata_; }

  // Every broker's transactions, brokers by ascending id.
  result<std::vector<txn_listing>> list(const list_filter& filter);

  // The state of one transactional id at its coordinator.
  result<txn_description> describe(const std::string& transactional_id);

  // The active producers of each partition, asked of each partition's leader, or of broker
  // `broker_id` for all of them. Fails when any partition fails (the first failure's message).
  result<std::vector<partition_producers>> describe_producers(
      const std::vector<topic_partition>& partitions, std::optional<int32_t> broker_id);

  // Writes an ABORT marker for `spec` on its partition's leader.
  result<void> abort(const abort_spec& spec);

 private:
  template <class Request, class Response>
  result<Response> send(int32_t broker, const Request& request, int16_t min_version);
  result<int32_t> find_coordinator(const std::string& transactional_id);
  result<int32_t> leader_of(const topic_partition& tp) const;

  cluster_metadata metadata_;
  broker_pool pool_;
  deadline deadline_;
};

}  // namespace sluice::cli
