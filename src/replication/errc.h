// Errors of the replication module (partitions as the broker serves them). The handler layer maps
// each to the Kafka code named beside it.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::replication {

enum class errc {
  unknown_topic_or_partition,        // UNKNOWN_TOPIC_OR_PARTITION (3)
  unknown_topic_id,                  // UNKNOWN_TOPIC_ID (100)
  not_leader,                        // NOT_LEADER_OR_FOLLOWER (6)
  offset_out_of_range,               // OFFSET_OUT_OF_RANGE (1)
  corrupt_message,                   // CORRUPT_MESSAGE (2)
  message_too_large,                 // MESSAGE_TOO_LARGE (10)
  record_list_too_large,             // RECORD_LIST_TOO_LARGE (18)
  invalid_timestamp,                 // INVALID_TIMESTAMP (32)
  invalid_record,                    // INVALID_RECORD (87)
  invalid_required_acks,             // INVALID_REQUIRED_ACKS (21)
  not_enough_replicas,               // NOT_ENOUGH_REPLICAS (19)
  not_enough_replicas_after_append,  // NOT_ENOUGH_REPLICAS_AFTER_APPEND (20)
  request_timed_out,                 // REQUEST_TIMED_OUT (7)
  fenced_leader_epoch,               // FENCED_LEADER_EPOCH (74)
  unknown_leader_epoch,              // UNKNOWN_LEADER_EPOCH (75)
  offset_not_available,              // OFFSET_NOT_AVAILABLE (78)
  policy_violation,                  // POLICY_VIOLATION (44): DeleteRecords on a compacted topic
  storage_error,                     // KAFKA_STORAGE_ERROR (56)
  // Producer state (idempotence and transactions).
  invalid_producer_epoch,          // INVALID_PRODUCER_EPOCH (47)
  out_of_order_sequence,           // OUT_OF_ORDER_SEQUENCE_NUMBER (45)
  invalid_txn_state,               // INVALID_TXN_STATE (48)
  transaction_coordinator_fenced,  // TRANSACTION_COORDINATOR_FENCED (52)
  transaction_abortable,           // TRANSACTION_ABORTABLE (120)
  invalid_producer_id_mapping,     // INVALID_PRODUCER_ID_MAPPING (49)
  // The controller's answers to AlterPartition (ISR changes).
  invalid_update_version,  // INVALID_UPDATE_VERSION (95): the partition epoch moved on
  ineligible_replica,      // INELIGIBLE_REPLICA (107): a new ISR member is not eligible
  not_controller,          // NOT_CONTROLLER (41)
  stale_broker_epoch,      // STALE_BROKER_EPOCH (77)
  unknown,                 // UNKNOWN_SERVER_ERROR (-1)
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::replication
