// Producer id blocks as a ZooKeeper-mode Kafka cluster hands them out: ids come in blocks of 1000
// recorded in the znode /latest_producer_id_block as
//
//   {"version":1,"broker":<id>,"block_start":"<first>","block_end":"<last>"}
//
// (numbers as strings, keys in that order, as Kafka's ProducerIdBlockZNode writes them). Whoever
// needs ids (the controller for AllocateProducerIds, or a broker itself) reads the znode with its
// version, computes next_producer_id_block, and writes it back conditionally on that version,
// retrying from the read when someone else won. An absent or empty znode means no block was ever
// taken: the first block starts at 0.
//
// This file is the pure part: the JSON and the arithmetic; the ZooKeeper calls live in the
// broker glue. producer_id_range hands out the ids of one block. Functions are pure (any thread);
// a producer_id_range is a plain value owned and synchronised by its user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transaction/errc.h"

namespace sluice::transaction {

inline constexpr std::string_view producer_id_block_path = "/latest_producer_id_block";
inline constexpr int32_t producer_id_block_size = 1000;
inline constexpr int32_t producer_id_block_version = 1;

// The ids first .. first + size - 1, claimed by broker `broker`.
struct producer_id_block {
  int32_t broker = -1;
  int64_t first = 0;
  int32_t size = 0;
  int64_t last() const { return first + size - 1; }
  int64_t next_block_first() const { return first + size; }
  friend bool operator==(const producer_id_block&, const producer_id_block&) = default;
};

std::string encode_producer_id_block(const producer_id_block& block);
// Reads the znode's JSON as Kafka does: "broker" a number, "block_start" and "block_end" decimal
// strings (the size is end - start + 1); "version" is not checked.
result<producer_id_block> decode_producer_id_block(std::string_view json);

// The block `broker` should claim after `current` (the znode's content; nullopt when it is absent
// or empty): the 1000 ids after it, or 0-999 for the first block. producer_ids_exhausted when the
// next block would pass INT64_MAX.
result<producer_id_block> next_producer_id_block(const std::optional<producer_id_block>& current,
                                                 int32_t broker);

// The unclaimed ids of one block, handed out in order.
class producer_id_range {
 public:
  producer_id_range() = default;
  explicit producer_id_range(const producer_id_block& block)
      : next_(block.first), last_(block.last()) {}
  // The next id, or nullopt when the block is used up.
  std::optional<int64_t> claim_next() {
    if (next_ > last_) return std::nullopt;
    return next_++;
  }
  int64_t remaining() const { return next_ > last_ ? 0 : last_ - next_ + 1; }

 private:
  int64_t next_ = 0;
  int64_t last_ = -1;
};

}  // namespace sluice::transaction
