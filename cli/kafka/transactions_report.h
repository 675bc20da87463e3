// What kafka-transactions prints, as pure functions of txn_admin's results: Kafka's tables, each
// cell padded to its column's width and followed by a tab, as ToolsUtils.prettyPrintTable
// writes them.
//
// No I/O; `now_ms` is passed in, so tests are exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/client/txn_admin.h"
#include "cli/client/txn_hanging.h"

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

std::vector<std::vector<std::string>> hanging_rows(const std::vector<open_txn>& hanging,
                                                   int64_t now_ms);

}  // namespace sluice::cli
