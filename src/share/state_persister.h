// state_persister: how a partition leader keeps its share partitions' state durable (Kafka's
// Persister): Read and Write of one share partition's state at the share coordinator that owns
// it — in process when this broker leads its __share_group_state partition, else by
// ReadShareGroupState/WriteShareGroupState to the broker that does — and, for the group
// coordinator's offset resets and deletions, Initialize/DeleteShareGroupState. Implemented by the
// broker (server/share_persister); share_partition_manager and the group coordinator's share
// handlers are the callers.
#pragma once

#include <optional>

#include "base/result.h"
#include "base/unique_function.h"
#include "protocol/error_code.h"
#include "share/share_partition.h"

namespace sluice::share {

class state_persister {
 public:
  virtual ~state_persister() = default;
  // The kept state (start offset -1 when there is none yet), or the error. `done` runs exactly
  // once, on any thread, possibly before read() returns.
  virtual void read(const share_partition_key& key, int32_t leader_epoch,
                    unique_function<void(result<persisted_state, protocol::error_code>)> done) = 0;
  // Keeps `state` (merged as WriteShareGroupState merges); `done` gets nullopt once it is
  // committed. Same threading as read().
  virtual void write(const share_partition_key& key, const persisted_state& state,
                     unique_function<void(std::optional<protocol::error_code>)> done) = 0;
  // Starts the share partition afresh at `start_offset` under `state_epoch`
  // (InitializeShareGroupState; share_coordinator::initialize). Same threading as write().
  virtual void initialize(const share_partition_key& key, int32_t state_epoch, int64_t start_offset,
                          unique_function<void(std::optional<protocol::error_code>)> done) = 0;
  // Deletes the share partition's state (DeleteShareGroupState). Same threading as write().
  virtual void remove(const share_partition_key& key,
                      unique_function<void(std::optional<protocol::error_code>)> done) = 0;
};

}  // namespace sluice::share
