// The records the transaction coordinator keeps in __transaction_state, in Kafka's formats, so a
// Kafka broker could read our log and we could read its:
//
//   key    int16 0 | TransactionLogKey v0 {transactional_id}
//   value  int16 0 | TransactionLogValue v0 {producer_id, producer_epoch, transaction_timeout_ms,
//                    transaction_status (txn_state id), transaction_partitions (null when Empty),
//                    transaction_last_update_timestamp_ms, transaction_start_timestamp_ms}
//   tombstone  the key with a null value: the id expired.
//
// Kafka 3.9 writes value version 0 unless the transaction.version feature is at least 1, which a
// ZooKeeper-mode cluster never finalises; so do we. Reading accepts values of version 0 and 1
// (1 is flexible: tagged fields that later Kafkas add are skipped). A key of another version is
// recognised and skipped, as Kafka does; a value of another version is an error. Pure functions;
// any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "coordinator/log_records.h"
#include "transaction/errc.h"
#include "transaction/types.h"

namespace sluice::transaction {

using coordinator::log_record;

inline constexpr int16_t txn_key_version = 0;
inline constexpr int16_t txn_value_version = 0;

// What one TransactionLogValue says about a transactional id.
struct txn_record {
  producer_id pid = no_producer_id;
  producer_epoch epoch = no_producer_epoch;
  int32_t timeout_ms = 0;
  txn_state state = txn_state::empty;
  std::set<topic_partition> partitions;  // written as null when the state is Empty
  int64_t last_update_ms = -1;
  int64_t start_ms = -1;
  friend bool operator==(const txn_record&, const txn_record&) = default;
};

log_record txn_log_record(std::string_view transactional_id, const txn_record& value,
                          int64_t now_ms);
log_record txn_log_tombstone(std::string_view transactional_id, int64_t now_ms);

// A decoded record: a transactional id and its value (nullopt: tombstone), or a key of a version
// this coordinator does not know (skipped).
struct txn_entry {
  std::string transactional_id;
  std::optional<txn_record> value;
};
struct unknown_key {
  int16_t version = 0;
};
using decoded_txn_record = std::variant<txn_entry, unknown_key>;

result<decoded_txn_record> decode_txn_record(protocol::bytes_view key,
                                             std::optional<protocol::bytes_view> value);

}  // namespace sluice::transaction
