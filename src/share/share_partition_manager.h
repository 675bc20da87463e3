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
// Durability (with a state_persister): a share partition is loaded from the state its share
// coordinator keeps before it delivers anything (load()); one that was never kept starts at the
// partition's end and that start is kept first. Each change that matters — acknowledgements, a
// closed session's releases — is written back (persist()); the writes of one share partition go
// out one at a time, the newest state last, so a slow write never overtakes a later one. Locks
// are not kept: after a restart or a leader change, records that were acquired are available
// again, with the delivery count last kept. A share partition nobody fetches any more is dropped
// once its state is kept, and one whose write is fenced (the kept state was reset, or a newer
// leader wrote) is dropped at once: either is loaded afresh when it is next fetched, so an offset
// reset or deletion made while the group was empty takes effect.
//
// Thread-safe: one mutex over everything; the delivery state machines do no I/O, so it is only
// held for bookkeeping, never across a persister call.
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
#include "share/state_persister.h"

namespace sluice::share {

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
  // A group's own delivery settings (its group configs over `delivery`), taken when one of its
  // share partitions is loaded; null: `delivery` for every group.
  std::function<delivery_config(const std::string& group)> delivery_for;
};

using persist_done = unique_function<void(std::optional<protocol::error_code>)>;

class share_partition_manager {
 public:
  // Without a persister the state lives in memory only.
  explicit share_partition_manager(manager_config config, state_persister* persister = nullptr);

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

  // Makes `key`'s share partition ready to deliver: read from the persister, or — when nothing
  // is kept — started at start_offset() (the caller resolves it from the log) and that start
  // kept. `done` gets nullopt once it is ready (at once if it already is), else the error.
  void load(const share_partition_key& key, int32_t leader_epoch,
            std::function<int64_t()> start_offset, persist_done done);

  // Where the next fetch for `key` reads from. nullopt: not loaded, or nothing can be acquired
  // now (its in-flight records are all locked and the lock bound is reached).
  std::optional<int64_t> next_fetch_offset(const share_partition_key& key, int64_t now_ms);

  // Writes `key`'s current state to the persister; `done` gets nullopt once it is kept (at once
  // without a persister or a loaded share partition).
  void persist(const share_partition_key& key, persist_done done);
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
  struct entry {
    std::optional<share_partition> partition;
    bool ready = false;    // loaded and its start kept: it may deliver
    bool loading = false;  // a load is under way; `waiting` get its outcome
    int32_t leader_epoch = -1;
    std::vector<persist_done> waiting;
    bool writing = false;  // a write is in flight; a change meanwhile sets `dirty`
    bool dirty = false;
    std::vector<persist_done> next_dones;  // for the write after the one in flight
  };
  // Releases the member's records in `partitions`; returns the keys whose state changed.
  std::vector<share_partition_key> release_member_locked(
      const std::string& group, const std::string& member,
      const std::set<session_partition>& partitions, int64_t now_ms);
  void loaded(const share_partition_key& key, result<persisted_state, protocol::error_code> read,
              const std::function<int64_t()>& start_offset);
  void finish_load(const share_partition_key& key, std::optional<protocol::error_code> error);
  void write_out(const share_partition_key& key, persisted_state state,
                 std::vector<persist_done> dones);
  // A write of `key` finished: the next one goes out, or — fenced — the copy is dropped.
  void written(const share_partition_key& key, std::optional<protocol::error_code> error);
  // Drops `key`'s share partition when no session fetches it and nothing is in flight (with a
  // persister: its state is kept there, and is loaded afresh when it is fetched again).
  void drop_if_idle_locked(const share_partition_key& key);
  void persist_all(const std::vector<share_partition_key>& keys);

  manager_config config_;
  state_persister* persister_;
  mutable std::mutex mutex_;
  std::map<share_partition_key, entry> partitions_;
  std::map<std::pair<std::string, std::string>, session> sessions_;  // (group, member)
};

}  // namespace sluice::share
