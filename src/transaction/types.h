// Small value types of the transaction coordinator: producer ids and epochs that cannot be mixed
// up with other integers, the transaction states as __transaction_state stores them, and the
// outcome of a transaction. Plain values; any thread.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "coordinator/types.h"

namespace sluice::transaction {

using coordinator::append_status;
using coordinator::topic_partition;

// An integer that only compares with its own kind: a producer id is not an epoch.
template <class T, class Tag>
class named_value {
 public:
  constexpr named_value() = default;
  constexpr explicit named_value(T v) : value_(v) {}
  constexpr T value() const { return value_; }
  friend constexpr auto operator<=>(named_value, named_value) = default;
  friend constexpr bool operator==(named_value, named_value) = default;

 private:
  T value_{};
};

using producer_id = named_value<int64_t, struct producer_id_tag>;
using producer_epoch = named_value<int16_t, struct producer_epoch_tag>;

// Kafka's RecordBatch.NO_PRODUCER_ID / NO_PRODUCER_EPOCH.
inline constexpr producer_id no_producer_id{-1};
inline constexpr producer_epoch no_producer_epoch{-1};

// An epoch this high is not handed to a producer any more: the coordinator keeps the last value
// for fencing it, and the next InitProducerId gets a new producer id instead.
inline constexpr bool epoch_exhausted(producer_epoch e) {
  return e.value() >= std::numeric_limits<int16_t>::max() - 1;
}

// TransactionLogValue.transaction_status, with Kafka's ids.
enum class txn_state : int8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
  dead = 6,
  prepare_epoch_fence = 7,
};

// The name DescribeTransactions and ListTransactions use ("Empty", "Ongoing", "PrepareCommit",
// ...).
std::string_view to_string(txn_state s);
std::optional<txn_state> txn_state_from_name(std::string_view name);
std::optional<txn_state> txn_state_from_id(int8_t id);

// Whether Kafka lets a transactional id move from `from` to `to` (TransactionState's
// validPreviousStates). One addition: a PrepareEpochFence read from the log completes as an abort
// (Kafka 3.9 never writes that state, but a record holding it must not wedge the id).
bool transition_allowed(txn_state from, txn_state to);

// Empty, CompleteCommit and CompleteAbort: an id idle in one of these may expire.
bool expiration_allowed(txn_state s);

enum class txn_result { commit, abort };

}  // namespace sluice::transaction
