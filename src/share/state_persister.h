// state_persister: how a partition leader keeps its share partitions' state durable (Kafka's
// Persister): Read and Write of one share partition's state at the share coordinator that owns
// it — in process when this broker leads its __share_group_state partition, else by
// ReadShareGroupState/WriteShareGroupState to the broker that does. Implemented by the broker
// (server/share_persister); share_partition_manager is the caller.
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
};

}  // namespace sluice::share
