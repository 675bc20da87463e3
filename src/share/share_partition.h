// share_partition: the delivery state of one topic-partition for one share group (KIP-932), as
// a deterministic state machine. Kafka's SharePartition keeps the same state.
//
// The partition's records are delivered from the share-partition start offset (SPSO) on. Every
// record at or past the SPSO and below the end offset (SPEO) is "in flight", in one of these
// states:
//   available  — may be acquired by the next fetch (a released record, or one whose lock expired);
//   acquired   — handed to one member, locked until its deadline;
//   acknowledged / archived — done: accepted, or rejected, or delivered too often.
// Records past the SPEO have not been delivered yet: they are available too. When the records at
// the SPSO are done, the SPSO moves past them and they leave the in-flight set.
//
// Events in: acquire (a ShareFetch read records from the log), acknowledge (accept, release,
// reject, renew, gap), a member's session closing (its records are released), and time (locks
// expire). Each takes the current time; nothing here reads a clock, does I/O or locks: the caller
// (share_partition_manager) serialises calls.
//
// Bounds: at most max_record_locks records are in flight (group.share.partition.max.record.locks),
// so a partition's memory is bounded whatever its members do.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace sluice::share {

// The settings of a share group that the delivery state obeys (group.share.* keys).
struct delivery_config {
  int32_t record_lock_duration_ms = 30000;  // group.share.record.lock.duration.ms
  int16_t delivery_count_limit = 5;         // group.share.delivery.count.limit
  int32_t max_record_locks = 2000;          // group.share.partition.max.record.locks
};

// ShareAcknowledge's AcknowledgeTypes.
enum class ack_type : int8_t { gap = 0, accept = 1, release = 2, reject = 3, renew = 4 };

enum class record_state : int8_t { available, acquired, acknowledged, archived };

// A range of records handed out by one acquire (ShareFetchResponse.AcquiredRecords).
struct acquired_range {
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int16_t delivery_count = 0;
  friend bool operator==(const acquired_range&, const acquired_range&) = default;
};

// A share partition's state as __share_group_state keeps it (ShareSnapshotValue, and the
// Read/WriteShareGroupState RPCs): the start offset and the in-flight records in runs of one state
// and delivery count. Acquired records are kept as available (a lock does not outlive its broker).
struct state_batch {
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int8_t delivery_state = 0;  // Kafka's RecordState ids: 0 available, 2 acknowledged, 4 archived
  int16_t delivery_count = 0;
  friend bool operator==(const state_batch&, const state_batch&) = default;
};
inline constexpr int8_t state_available = 0;
inline constexpr int8_t state_acknowledged = 2;
inline constexpr int8_t state_archived = 4;

struct persisted_state {
  int32_t state_epoch = 0;
  int32_t leader_epoch = -1;
  int64_t start_offset = -1;  // -1: never initialized
  std::vector<state_batch> batches;
  friend bool operator==(const persisted_state&, const persisted_state&) = default;
};

// The offsets in [start offset, `below`) whose delivery is complete (acknowledged or archived):
// ReadShareGroupStateSummary's DeliveryCompleteCount, and what a share group's lag leaves out.
int64_t delivery_complete_count(const persisted_state& state,
                                int64_t below = std::numeric_limits<int64_t>::max());

// A share partition: one share group's view of one topic partition.
struct share_partition_key {
  std::string group;
  protocol::uuid topic_id;
  int32_t partition = 0;
  friend auto operator<=>(const share_partition_key&, const share_partition_key&) = default;
};

// One batch as the log returned it: offsets [base_offset, last_offset].
struct log_batch {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
};

class share_partition {
 public:
  // start_offset: where delivery begins (share.auto.offset.reset resolved by the caller).
  share_partition(int64_t start_offset, delivery_config config);
  // Rebuilt from what __share_group_state kept (`state.start_offset` must be set).
  share_partition(const persisted_state& state, delivery_config config);

  // The state to keep (see persisted_state), for leader epoch `leader_epoch`.
  persisted_state snapshot(int32_t leader_epoch) const;

  int64_t start_offset() const { return start_offset_; }
  int64_t end_offset() const { return end_offset_; }
  size_t in_flight() const { return records_.size(); }
  const delivery_config& config() const { return config_; }

  // The offset a fetch should read from: the first available record, or the end offset.
  // nullopt when the in-flight set is full and nothing in it is available.
  std::optional<int64_t> next_fetch_offset(int64_t now_ms);

  // Acquires for `member` the available records of `batches` (read from the log at
  // next_fetch_offset), at most `max_records` of them (whole batches are kept together when the
  // limit falls inside one, as Kafka's batch-optimised mode does, within the lock bound).
  std::vector<acquired_range> acquire(const std::string& member,
                                      const std::vector<log_batch>& batches, int32_t max_records,
                                      int64_t now_ms);

  // Acknowledges records [first, last] for `member`: one type for all, or one per offset.
  // INVALID_RECORD_STATE if any is not acquired by `member` (nothing is changed then).
  std::optional<protocol::error_code> acknowledge(const std::string& member, int64_t first,
                                                  int64_t last, const std::vector<ack_type>& types,
                                                  int64_t now_ms);

  // The member's share session closed: every record it holds becomes available again (or
  // archived at the delivery-count limit). Returns how many were released.
  size_t release_member(const std::string& member, int64_t now_ms);

  // Locks past their deadline are released. Returns how many.
  size_t expire_locks(int64_t now_ms);

  // ---- inspection (tests, describe) ----
  std::optional<record_state> state_of(int64_t offset) const;
  int16_t delivery_count_of(int64_t offset) const;

 private:
  struct in_flight_record {
    record_state state = record_state::available;
    int16_t delivery_count = 0;
    std::string member;  // the holder while acquired
    int64_t deadline_ms = 0;
  };
  // A record leaves its lock (released or expired): available, or archived at the limit.
  void release(in_flight_record& r);
  // Moves the SPSO past the leading done records.
  void advance_start();

  delivery_config config_;
  int64_t start_offset_;
  int64_t end_offset_;
  std::map<int64_t, in_flight_record> records_;  // [start_offset_, end_offset_)
};

}  // namespace sluice::share
