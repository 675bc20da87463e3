// What kafka-transactions prints, as pure functions of txn_admin's results: Kafka's tables (each
// cell padded to its column's width and followed by a tab, as ToolsUtils.prettyPrintTable
// writes them) and find-hanging's reasoning — which open transactions are old enough to look at,
// and which of those the transaction coordinator does not know about. The sluice `txn` views
// share the same reasoning.
//
// No I/O; `now_ms` is passed in, so tests are exact.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client/txn_admin.h"

namespace sluice::cli {

// Kafka's tables: the header line, then one line per row.
std::string kafka_table(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows);

// The headers and rows of each command.
extern const std::vector<std::string> list_headers;
extern const std::vector<std::string> describe_headers;
extern const std::vector<std::string> producers_headers;
extern const std::vector<std::string> hanging_headers;

std::vector<std::vector<std::string>> list_rows(const std::vector<txn_listing>& listings);
std::vector<std::string> describe_row(const txn_description& d, int64_t now_ms);
std::vector<std::vector<std::string>> producers_rows(const std::vector<producer_state>& producers);

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

std::vector<std::vector<std::string>> hanging_rows(const std::vector<open_txn>& hanging,
                                                   int64_t now_ms);

}  // namespace sluice::cli
