#include "transaction/markers.h"

#include <map>

namespace sluice::transaction {

protocol::write_txn_markers_request::writable_txn_marker to_writable_marker(
    const marker_request& m, const std::vector<topic_partition>& partitions) {
  protocol::write_txn_markers_request::writable_txn_marker out;
  out.producer_id = m.pid.value();
  out.producer_epoch = m.epoch.value();
  out.transaction_result = m.result == txn_result::commit;
  out.coordinator_epoch = m.coordinator_epoch;
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  for (auto& [topic, ids] : by_topic) {
    auto& t = out.topics.emplace_back();
    t.name = topic;
    t.partition_indexes = std::move(ids);
  }
  return out;
}

}  // namespace sluice::transaction
