// Errors of the storage module, as values (result<T, storage::errc>).
//
// Kafka-independent on purpose: the handler layer turns them into wire codes. The comment on each
// value names the Kafka error code a broker should answer with when the error reaches a client.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::storage {

enum class errc {
  // Read/fetch/DeleteRecords/truncate outside [log start offset, log end offset].
  // Kafka: OFFSET_OUT_OF_RANGE (1).
  offset_out_of_range,
  // A batch whose framing, magic or CRC is wrong. Kafka: CORRUPT_MESSAGE (2).
  corrupt_message,
  // One batch is larger than max.message.bytes. Kafka: MESSAGE_TOO_LARGE (10).
  message_too_large,
  // The batches of one append are together larger than segment.bytes.
  // Kafka: RECORD_LIST_TOO_LARGE (18).
  record_list_too_large,
  // A timestamp outside message.timestamp.{before,after,difference}.max.ms.
  // Kafka: INVALID_TIMESTAMP (32).
  invalid_timestamp,
  // A batch that is well framed but inconsistent (record count vs last offset delta, no records).
  // Kafka: INVALID_RECORD (87); CORRUPT_MESSAGE (2) for Produce versions below 8.
  invalid_record,
  // A replica append whose offsets do not follow the log end offset, or go backwards. A bug in
  // the replication layer, never a client's fault. Kafka: UNKNOWN_SERVER_ERROR (-1).
  unexpected_offset,
  // A file operation failed; the partition (and its log dir) should be taken offline.
  // Kafka: KAFKA_STORAGE_ERROR (56).
  io_error,
  // The partition was deleted or the log manager shut down while the call ran.
  // Kafka: NOT_LEADER_OR_FOLLOWER (6), so clients refresh metadata and retry.
  closed,
  // No such partition (log_manager::get/delete). Kafka: UNKNOWN_TOPIC_OR_PARTITION (3).
  not_found,
  // create_partition of a partition that already exists. Kafka: TOPIC_ALREADY_EXISTS (36).
  already_exists,
  // A log config value that Kafka would refuse. Kafka: INVALID_CONFIG (40).
  invalid_config,
  // A call with arguments that make no sense (negative offset, ...). Kafka: INVALID_REQUEST (42).
  invalid_argument,
  // Startup only: another process holds the log dir's .lock. Fatal, no wire code.
  log_dir_locked,
  // Startup only: meta.properties disagrees with the configuration or with another log dir.
  // Fatal; Kafka: INCONSISTENT_CLUSTER_ID (104) if it ever has to go on the wire.
  inconsistent_metadata,
  // A checkpoint, index or properties file that does not parse. Handled inside storage (the file
  // is rebuilt or ignored); Kafka: UNKNOWN_SERVER_ERROR (-1) if it ever escapes.
  corrupt_file,
  // A producer's batch (or a transaction marker) carrying an older producer epoch than the one
  // the partition knows: a fenced, zombie producer. Kafka: INVALID_PRODUCER_EPOCH (47).
  invalid_producer_epoch,
  // An idempotent producer's batch whose sequence does not follow the last one written (a gap, a
  // batch lost, or a new epoch not starting at 0). Kafka: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
  out_of_order_sequence,
  // A non-transactional batch from a producer that has a transaction open on the partition.
  // Kafka: INVALID_TXN_STATE (48).
  invalid_txn_state,
  // A COMMIT/ABORT marker written for an older transaction coordinator epoch than one already
  // seen for the producer. Kafka: TRANSACTION_COORDINATOR_FENCED (52).
  transaction_coordinator_fenced,
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::storage
