// share_partition_manager: the share partitions (KIP-932) this broker keeps as a partition leader,
// and the share sessions of the members that fetch from it — what ShareFetch and ShareAcknowledge
// act on.
//
// A share session (Kafka's ShareSession) belongs to one member of one group: ShareSessionEpoch 0
// opens it with the request's partitions, each later request must carry the next epoch and may
// add partitions (Topics) or drop them (ForgottenTopicsData), and -1 closes it, releasing every
// record the member still holds. A share partition is created on its first fetch, delivering from
// the partition's latest offset (share.auto.offset.reset=latest, Kafka's default) or its earliest.
//
// The state lives in memory: a broker restart or a leader change starts each share partition
// again from its latest offset.
//
// Thread-safe: one mutex over everything; the delivery state machines do no I/O, so it is only
// held for bookkeeping.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/error_code.h"
#include "protocol/wire.h"
#include "share/share_partition.h"

namespace sluice::share {

struct share_partition_key {
  std::string group;
  protocol::uuid topic_id;
  int32_t partition = 0;
  friend auto operator<=>(const share_partition_key&, const share_partition_key&) = default;
};

struct session_partition {
  protocol::uuid topic_id;
  int32_t partition = 0;
  friend auto operator<=>(const session_partition&, const session_partition&) = default;
};

// ShareSessionEpoch's special values.
inline constexpr int32_t open_session_epoch = 0;
inline constexpr int32_t close_session_epoch = -1;

struct manager_config {
  delivery_config delivery;
  int32_t max_share_sessions = 2000;  // group.share.max.share.sessions
};

class share_partition_manager {
 public:
  explicit share_partition_manager(manager_config config);

  const manager_config& config() const { return config_; }

  // Applies a request's ShareSessionEpoch to the member's session: opens (0, with `added`),
  // advances (the expected epoch; `added` joins, `forgotten` leaves) or closes it (-1: the
  // member's records are released). Returns the session's partitions after the request, or
  // SHARE_SESSION_NOT_FOUND, INVALID_SHARE_SESSION_EPOCH or SHARE_SESSION_LIMIT_REACHED.
  result<std::vector<session_partition>, protocol::error_code> update_session(
      const std::string& group, const std::string& member, int32_t epoch,
      const std::vector<session_partition>& added, const std::vector<session_partition>& forgotten,
      int64_t now_ms);
  // Checks an epoch without changing the session (ShareAcknowledge checks first, then acts).
  std::optional<protocol::error_code> check_session(const std::string& group,
                                                    const std::string& member, int32_t epoch) const;

  // Acknowledges records of a partition the member fetched from. INVALID_RECORD_STATE if the
  // share partition does not exist or the records are not the member's.
  std::optional<protocol::error_code> acknowledge(const share_partition_key& key,
                                                  const std::string& member, int64_t first,
                                                  int64_t last, const std::vector<ack_type>& types,
                                                  int64_t now_ms);

  // Where the next fetch for `key` reads from. A share partition seen for the first time starts
  // at start_offset() (the caller resolves latest/earliest from the log). nullopt: nothing can be
  // acquired now (its in-flight records are all locked and the lock bound is reached).
  std::optional<int64_t> next_fetch_offset(const share_partition_key& key,
                                           const std::function<int64_t()>& start_offset,
                                           int64_t now_ms);
  // Acquires for `member` what it may have of the batches read at next_fetch_offset.
  std::vector<acquired_range> acquire(const share_partition_key& key, const std::string& member,
                                      const std::vector<log_batch>& batches, int32_t max_records,
                                      int64_t now_ms);

  // A topic partition is gone (deleted, or no longer led here): its share state goes.
  void forget_partition(const protocol::uuid& topic_id, int32_t partition);

  // ---- inspection ----
  // The start offset of a share partition, if it exists (DescribeShareGroupOffsets).
  std::optional<int64_t> start_offset(const share_partition_key& key) const;
  size_t session_count() const;

 private:
  struct session {
    int32_t epoch = 1;  // the epoch the next request must carry
    std::set<session_partition> partitions;
  };
  void release_member_locked(const std::string& group, const std::string& member,
                             const std::set<session_partition>& partitions, int64_t now_ms);

  manager_config config_;
  mutable std::mutex mutex_;
  std::map<share_partition_key, share_partition> partitions_;
  std::map<std::pair<std::string, std::string>, session> sessions_;  // (group, member)
};

}  // namespace sluice::share
