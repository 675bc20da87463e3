// kafka-transactions' tables and find-hanging's reasoning.
#include "cli/kafka/transactions_report.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::cli {
namespace {

template <class T>
std::string or_none(const std::optional<T>& v) {
  return v ? std::to_string(*v) : "None";
}

}  // namespace

const std::vector<std::string> list_headers = {"TransactionalId", "Coordinator", "ProducerId",
                                               "TransactionState"};
const std::vector<std::string> describe_headers = {"CoordinatorId",
                                                   "TransactionalId",
                                                   "ProducerId",
                                                   "ProducerEpoch",
                                                   "TransactionState",
                                                   "TransactionTimeoutMs",
                                                   "CurrentTransactionStartTimeMs",
                                                   "TransactionDurationMs",
                                                   "TopicPartitions"};
const std::vector<std::string> producers_headers = {
    "ProducerId",   "ProducerEpoch", "LatestCoordinatorEpoch",
    "LastSequence", "LastTimestamp", "CurrentTransactionStartOffset"};
const std::vector<std::string> hanging_headers = {
    "Topic",       "Partition",     "ProducerId",   "ProducerEpoch", "CoordinatorEpoch",
    "StartOffset", "LastTimestamp", "Duration(min)"};

std::string kafka_table(const std::vector<std::string>& headers,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const std::string& h : headers) widths.push_back(h.size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < widths.size() && i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i < widths.size() && cells[i].size() < widths[i]) {
        out.append(widths[i] - cells[i].size(), ' ');
      }
      out += '\t';
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::vector<std::vector<std::string>> list_rows(const std::vector<txn_listing>& listings) {
  std::vector<std::vector<std::string>> rows;
  for (const txn_listing& l : listings) {
    rows.push_back({l.transactional_id, std::to_string(l.coordinator),
                    std::to_string(l.producer_id), l.state});
  }
  return rows;
}

std::vector<std::string> describe_row(const txn_description& d, int64_t now_ms) {
  std::vector<std::string> partitions;
  for (const topic_partition& tp : d.partitions) partitions.push_back(tp.to_string());
  std::optional<int64_t> duration;
  if (d.start_time_ms) duration = now_ms - *d.start_time_ms;
  return {std::to_string(d.coordinator_id),
          d.transactional_id,
          std::to_string(d.producer_id),
          std::to_string(d.producer_epoch),
          d.state,
          std::to_string(d.timeout_ms),
          or_none(d.start_time_ms),
          or_none(duration),
          fmt::format("{}", fmt::join(partitions, ","))};
}

std::vector<std::vector<std::string>> producers_rows(const std::vector<producer_state>& producers) {
  std::vector<std::vector<std::string>> rows;
  for (const producer_state& p : producers) {
    rows.push_back({std::to_string(p.producer_id), std::to_string(p.producer_epoch),
                    std::to_string(p.coordinator_epoch.value_or(-1)),
                    std::to_string(p.last_sequence), std::to_string(p.last_timestamp),
                    or_none(p.txn_start_offset)});
  }
  return rows;
}

std::vector<std::vector<std::string>> hanging_rows(const std::vector<open_txn>& hanging,
                                                   int64_t now_ms) {
  std::vector<std::vector<std::string>> rows;
  for (const open_txn& t : hanging) {
    rows.push_back({t.partition.topic, std::to_string(t.partition.partition),
                    std::to_string(t.producer.producer_id),
                    std::to_string(t.producer.producer_epoch),
                    std::to_string(t.producer.coordinator_epoch.value_or(-1)),
                    std::to_string(t.producer.txn_start_offset.value_or(-1)),
                    std::to_string(t.producer.last_timestamp),
                    std::to_string((now_ms - t.producer.last_timestamp) / 60000)});
  }
  return rows;
}

}  // namespace sluice::cli
