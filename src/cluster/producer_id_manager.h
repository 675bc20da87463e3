// producer_id_manager: hands out producer ids for InitProducerId, unique across the cluster. Ids
// come from blocks of producer_id_block_size that this broker claims through the metadata store
// (ZooKeeper's /latest_producer_id_block, or the embedded store's state file), as Kafka's
// ZooKeeper-mode brokers do; an id is handed out only once its block is durably claimed, so a
// restart never reuses one (the unused rest of a block is skipped, as in Kafka).
//
// Owned by the broker; used by the InitProducerId handler and the transaction coordinator.
// Thread-safe: one mutex; next() blocks while it claims a new block, so call it from a request
// worker, never a network thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "cluster/metadata_store.h"

namespace sluice::cluster {

class producer_id_manager {
 public:
  producer_id_manager(metadata_store& store, int32_t broker_id)
      : store_(store), broker_id_(broker_id) {}

  // The next unused producer id; an error when a new block cannot be claimed now.
  result<int64_t> next();

 private:
  metadata_store& store_;
  const int32_t broker_id_;
  std::mutex mutex_;
  std::optional<producer_id_block> block_;  // mutex_
  int64_t next_ = 0;                        // mutex_
};

}  // namespace sluice::cluster
