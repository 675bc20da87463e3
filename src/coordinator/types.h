// Small value types shared by the coordinator's files: a topic-partition, a committed offset, and
// the outcome of a log append. Plain values; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::coordinator {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;
  friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
  friend bool operator==(const topic_partition&, const topic_partition&) = default;
};

// One committed offset as the OffsetCommitValue record holds it.
struct committed_offset {
  int64_t offset = 0;
  std::optional<int32_t> leader_epoch;  // the -1 of the wire is nullopt
  std::string metadata;
  int64_t commit_timestamp = 0;
  // Only from OffsetCommit v2-v4 with a retention time (written as OffsetCommitValue v1): the
  // offset expires at this time rather than by offsets.retention.minutes.
  std::optional<int64_t> expire_timestamp;
  friend bool operator==(const committed_offset&, const committed_offset&) = default;
};

// How an append to __consumer_offsets ended, as the broker reports it to the coordinator.
enum class append_status {
  ok,           // written and committed (replicated as the topic's acks require)
  not_leader,   // this broker no longer leads the partition (or the log is gone) -> NOT_COORDINATOR
  unavailable,  // too few in-sync replicas, timed out, partition unknown ->
                // COORDINATOR_NOT_AVAILABLE
  too_large,    // the records exceed the segment/message limits
  fenced,       // a transactional append from an older producer epoch -> INVALID_PRODUCER_EPOCH
  failed,       // anything else (storage error) -> UNKNOWN_SERVER_ERROR
};

}  // namespace sluice::coordinator
