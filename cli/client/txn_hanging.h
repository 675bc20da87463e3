// Finding hanging transactions, as Kafka's `kafka-transactions.sh find-hanging` reasons: an open
// transaction on a partition (DescribeProducers) whose producer last wrote longer ago than the
// longest transaction timeout, and which its coordinator will not finish — no transactional id
// has its producer id (ListTransactions), the coordinator does not know the id
// (DescribeTransactions), or the id's transaction does not include the partition. Such a
// transaction holds back the partition's last stable offset, and read_committed consumers with it,
// until someone aborts it.
//
// The reasoning is pure (old_open_txns, hanging_txns); find_hanging_txns runs the requests over a
// txn_admin. Used by kafka-transactions and `sluice txn hanging`, from their thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client/txn_admin.h"

namespace sluice::cli {

// An open transaction seen on a partition.
struct open_txn {
  topic_partition partition;
  producer_state producer;
};

// The open transactions whose producer last wrote more than `max_timeout_ms` ago.
std::vector<open_txn> old_open_txns(const std::vector<partition_producers>& partitions,
                                    int64_t now_ms, int64_t max_timeout_ms);

// Of `candidates`, the hanging ones: the producer id maps to no transactional id
// (`transactional_ids`), or the id has no description (nullopt: the coordinator does not know it),
// or its transaction does not include the partition. Ordered by producer id, then as given.
std::vector<open_txn> hanging_txns(
    const std::vector<open_txn>& candidates,
    const std::map<int64_t, std::string>& transactional_ids,
    const std::map<std::string, std::optional<txn_description>>& descriptions);

// The partitions of `topics` (every topic of the cluster when empty) that broker `broker_id`
// leads (any leader when none). An unknown topic fails with errc::not_found, naming it.
result<std::vector<topic_partition>> partitions_led_by(const cluster_metadata& md,
                                                       const std::vector<std::string>& topics,
                                                       std::optional<int32_t> broker_id);

// Asks about `partitions` (their leaders, or broker `broker_id`), in batches of 500 as Kafka's
// tool does. Failures read as Kafka's tool words them, e.g. "Failed to describe producers for 3
// partitions on broker Optional.empty: <why>".
result<std::vector<open_txn>> find_hanging_txns(txn_admin& admin,
                                                const std::vector<topic_partition>& partitions,
                                                std::optional<int32_t> broker_id,
                                                int64_t max_timeout_ms, int64_t now_ms);

}  // namespace sluice::cli
