// fetch_transport: how a replica fetcher talks to one leader — a Fetch for many partitions and an
// OffsetForLeaderEpoch — as domain values. The broker's transport sends Fetch v12 and
// OffsetForLeaderEpoch v4 through net::broker_client (network_fetch_transport); tests plug in
// local_fetch_transport, which calls the leader's replica_manager in the same process.
//
// Owned by one replica_fetcher and called from its thread only, except close(), which any thread
// may call to interrupt a call in progress (then every call fails).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "net/client_security.h"
#include "replication/replica_manager.h"

namespace sluice::replication {

// Inter-broker API versions the fetchers use.
inline constexpr int16_t replica_fetch_version = 12;
inline constexpr int16_t offset_for_leader_epoch_version = 4;

// One partition of a Fetch answer, in request order.
struct fetched_partition {
  std::optional<errc> error;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  int32_t diverging_epoch = -1;  // Fetch v12+: the follower's log diverges at this epoch's end
  int64_t diverging_end_offset = -1;
  std::span<const uint8_t> records;  // whole v2 batches, valid while the reply lives
};

struct fetch_reply {
  std::vector<fetched_partition> partitions;
  std::shared_ptr<const void> keep_alive;  // owns the bytes `records` point into
};

struct epoch_query {
  std::string topic;
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int32_t leader_epoch = -1;  // the follower's latest epoch
};

struct epoch_answer {
  std::optional<errc> error;
  int32_t leader_epoch = -1;
  int64_t end_offset = -1;
};

class fetch_transport {
 public:
  virtual ~fetch_transport() = default;
  // Partition results in request order. A failure means the whole request failed (connection,
  // timeout, closed): the fetcher backs off.
  virtual result<fetch_reply> fetch(const fetch_request_params& request) = 0;
  virtual result<std::vector<epoch_answer>> end_offsets_for_epochs(
      int32_t replica_id, const std::vector<epoch_query>& queries) = 0;
  virtual void close() = 0;
};

// Over the network: Fetch v12 / OffsetForLeaderEpoch v4 with net::broker_client, the leader
// found with `locate` each time a connection is (re)made.
std::unique_ptr<fetch_transport> make_network_fetch_transport(
    int32_t self_id, int32_t leader_id, int32_t fetcher_index, broker_locator locate,
    int32_t socket_timeout_ms, int32_t fetch_wait_max_ms, net::client_security security = {});

// In process: calls `leader`'s fetch()/end_offset_for_epoch() directly, copying the records out
// of the log (tests; a leader that must outlive the transport).
std::unique_ptr<fetch_transport> make_local_fetch_transport(replica_manager& leader);

}  // namespace sluice::replication
