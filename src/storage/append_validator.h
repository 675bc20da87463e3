// Checks the batches of an append before they reach the log, batch by batch and without looking
// at individual records: framing, magic 2, CRC-32C, size against max.message.bytes, record count
// against the last offset delta, and the batch timestamps against message.timestamp.* — what
// Kafka checks for an uncompressed batch minus the per-record walk. Per-record checks (keys on
// compacted topics, record framing inside compressed batches) belong to the caller.
//
// With LogAppendTime, a client batch gets the broker's time stamped in and its CRC recomputed.
// Free functions; thread-safe; called outside the partition's write lock.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "protocol/batch_header.h"
#include "storage/errc.h"
#include "storage/log_config.h"

namespace sluice::storage {

struct validated_batch {
  size_t position;  // in the appended buffer
  protocol::batch_header header;
};

// `client` is true for a producer's append (offsets assigned by the log): only then are record
// counts, control batches and timestamps checked and LogAppendTime applied, as Kafka does.
// An empty span gives an empty list.
// `check_crc` false skips the CRC (the caller verified it). `allow_control` lets a client-style
// append (offsets assigned) carry control batches: the broker's own transaction markers.
result<std::vector<validated_batch>> validate_batches(std::span<uint8_t> batches,
                                                      const log_config& config, bool client,
                                                      int64_t now_ms, bool check_crc = true,
                                                      bool allow_control = false);

}  // namespace sluice::storage
