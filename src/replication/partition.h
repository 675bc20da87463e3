// partition: one topic-partition hosted by this broker — its log and the replication state the
// handlers need (topic id, leader epoch, high watermark). Owned by replica_manager, shared with
// in-flight operations. Any thread may read; appends are serialised by the log itself.
//
// Single broker: this broker leads every hosted partition with ISR {self}, so the high watermark
// is the log end offset. Issue #7 turns the high watermark into the ISR's minimum acknowledged
// offset, maintained here.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "protocol/wire.h"
#include "storage/partition_log.h"

namespace sluice::replication {

class partition {
 public:
  partition(std::string topic, int32_t index, protocol::uuid topic_id,
            std::shared_ptr<storage::partition_log> log, int32_t leader_epoch);

  const std::string& topic() const { return topic_; }
  int32_t index() const { return index_; }
  const protocol::uuid& topic_id() const { return topic_id_; }
  // "topic-index": the key delayed operations watch.
  const std::string& key() const { return key_; }
  storage::partition_log& log() const { return *log_; }
  const std::shared_ptr<storage::partition_log>& log_ptr() const { return log_; }

  int32_t leader_epoch() const { return leader_epoch_.load(std::memory_order_acquire); }
  void set_leader_epoch(int32_t epoch);

  int64_t high_watermark() const { return log_->log_end_offset(); }
  // Until transactions exist (ROADMAP), nothing is pending: the last stable offset is the HW.
  int64_t last_stable_offset() const { return high_watermark(); }

 private:
  std::string topic_;
  int32_t index_;
  protocol::uuid topic_id_;
  std::string key_;
  std::shared_ptr<storage::partition_log> log_;
  std::atomic<int32_t> leader_epoch_;
};

}  // namespace sluice::replication
