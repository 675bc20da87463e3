// share_coordinator: Kafka's share coordinator (KIP-932) as a deterministic state machine — the
// durable state of share partitions, kept in the __share_group_state partitions this broker
// leads. A share partition (group, topic id, partition) lives on partition
// abs(javaHash("group:topicId:partition")) % share.coordinator.state.topic.num.partitions, as in
// Kafka.
//
// Partition leaders ask it to Read a share partition's state when they start delivering it and
// to Write each change (ReadShareGroupState/WriteShareGroupState, in process or from another
// broker). A write is merged into the state as Kafka merges it (the new start offset, the new
// batches over the old, nothing kept below the start offset) and the merged state is written as
// one ShareSnapshot record (Kafka's record type 0), so the last record of a key is its whole state:
// a load replays the partition and keeps the last one, and compaction keeps the topic small.
//
// Events in: partitions gained (loaded by replaying their records) and lost; reads and writes.
// Effects out: the record a write must append, which the driver appends in the order of the
// writes. Nothing here does I/O, reads a clock or locks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "base/result.h"
#include "coordinator/log_records.h"
#include "protocol/error_code.h"
#include "share/share_partition.h"
#include "share/share_partition_manager.h"

namespace sluice::share {

// The record that keeps `state` (a tombstone when nullopt).
coordinator::log_record share_state_record(const share_partition_key& key,
                                           const std::optional<persisted_state>& state,
                                           int32_t snapshot_epoch, int64_t now_ms);

struct share_state_entry {
  share_partition_key key;
  std::optional<persisted_state> state;  // nullopt: tombstone
  bool delta = false;                    // a ShareUpdate: merged into the state, not replacing it
};
// A record of __share_group_state: ShareSnapshot (type 0) or ShareUpdate (type 1).
result<share_state_entry, protocol::error_code> decode_share_state_record(
    const coordinator::log_record& record);

// Merges a write into a state as Kafka's share coordinator does.
persisted_state merge_state(const persisted_state& current, const persisted_state& write);

class share_coordinator {
 public:
  explicit share_coordinator(int32_t state_partitions);

  int32_t partition_for(const share_partition_key& key) const;

  // ---- partitions of __share_group_state ----
  void begin_load(int32_t partition, int32_t epoch);
  result<void, protocol::error_code> replay(int32_t partition, int32_t epoch,
                                            const coordinator::log_record& record);
  void finish_load(int32_t partition, int32_t epoch, bool ok, int64_t now_ms);
  void unload(int32_t partition, std::optional<int32_t> epoch);
  bool owns(int32_t partition) const;

  // ---- requests ----
  // The state (start offset -1 when the share partition was never written), or NOT_COORDINATOR,
  // COORDINATOR_LOAD_IN_PROGRESS, FENCED_LEADER_EPOCH (a leader older than the last writer).
  result<persisted_state, protocol::error_code> read(const share_partition_key& key,
                                                     int32_t leader_epoch) const;
  // Merges `write` into the state and returns the record to append to partition_for(key), or
  // NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, FENCED_LEADER_EPOCH, FENCED_STATE_EPOCH.
  result<coordinator::log_record, protocol::error_code> write(const share_partition_key& key,
                                                              const persisted_state& write,
                                                              int64_t now_ms);
  // The share partition starts afresh (InitializeShareGroupState: an offset reset) at
  // `start_offset` (-1: where share.auto.offset.reset puts it when first delivered), nothing
  // delivered, under `state_epoch` — so writes of the old state's holders are fenced. The record
  // to append, or NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, INVALID_REQUEST (a negative
  // state epoch), FENCED_STATE_EPOCH (older than the kept state's).
  result<coordinator::log_record, protocol::error_code> initialize(const share_partition_key& key,
                                                                   int32_t state_epoch,
                                                                   int64_t start_offset,
                                                                   int64_t now_ms);
  // The share partition's state goes (DeleteShareGroupState): the tombstone to append.
  result<coordinator::log_record, protocol::error_code> remove(const share_partition_key& key,
                                                               int64_t now_ms);

  size_t state_count() const { return states_.size(); }

 private:
  struct kept {
    persisted_state state;
    int32_t snapshot_epoch = 0;
  };
  std::optional<protocol::error_code> check(int32_t partition) const;

  int32_t state_partitions_;
  std::map<int32_t, std::pair<int32_t, bool>> partitions_;  // partition -> (epoch, loading)
  std::map<share_partition_key, kept> states_;
};

}  // namespace sluice::share
