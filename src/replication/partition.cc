#include "replication/partition.h"

#include <spdlog/spdlog.h>

namespace sluice::replication {

partition::partition(std::string topic, int32_t index, protocol::uuid topic_id,
                     std::shared_ptr<storage::partition_log> log, int32_t leader_epoch)
    : topic_(std::move(topic)),
      index_(index),
      topic_id_(topic_id),
      key_(topic_ + "-" + std::to_string(index_)),
      log_(std::move(log)),
      leader_epoch_(-1) {
  set_leader_epoch(leader_epoch);
}

void partition::set_leader_epoch(int32_t epoch) {
  int32_t previous = leader_epoch_.exchange(epoch, std::memory_order_acq_rel);
  if (previous == epoch) return;
  // A leader records where its epoch starts so followers and OffsetForLeaderEpoch can find it.
  auto latest = log_->latest_epoch();
  if (!latest || latest->epoch < epoch) {
    if (auto r = log_->assign_epoch_start_offset(epoch, log_->log_end_offset()); !r)
      spdlog::warn("{}: cannot record leader epoch {}: {}", key_, epoch, r.message());
  }
}

}  // namespace sluice::replication
