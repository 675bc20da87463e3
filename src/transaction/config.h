// txn_config: the broker settings the transaction coordinator obeys, under Kafka's keys and with
// Kafka 3.9's defaults. A plain value, copied into the coordinator at construction.
#pragma once

#include <cstdint>

namespace sluice::transaction {

struct txn_config {
  // transaction.state.log.num.partitions: a transactional id lives on partition
  // partition_for(id) = abs(Java hashCode(id)) % this of __transaction_state. Must not change
  // after deployment.
  int32_t state_log_partitions = 50;
  // transaction.max.timeout.ms: InitProducerId asking for a longer (or non-positive) transaction
  // timeout gets INVALID_TRANSACTION_TIMEOUT.
  int32_t max_timeout_ms = 900'000;
  // transactional.id.expiration.ms: an id idle this long in Empty, CompleteCommit or
  // CompleteAbort is removed (a tombstone is written).
  int64_t id_expiration_ms = 604'800'000;
  // transaction.abort.timed.out.transaction.cleanup.interval.ms: how often ongoing transactions
  // older than their timeout are looked for (and aborted, fencing their producer).
  int64_t abort_timed_out_interval_ms = 10'000;
  // transaction.remove.expired.transaction.cleanup.interval.ms: how often expired ids are looked
  // for.
  int64_t remove_expired_interval_ms = 3'600'000;

  // offsets.topic.num.partitions (the group coordinator's key): AddOffsetsToTxn adds the group's
  // __consumer_offsets partition, computed like the group coordinator does when no
  // group_partition hook is given.
  int32_t offsets_topic_partitions = 50;
  // Internal, not Kafka keys.
  // How long to wait before writing a CompleteCommit/CompleteAbort record again after the log
  // said COORDINATOR_NOT_AVAILABLE (Kafka retries on its marker sender's next round).
  int64_t complete_retry_backoff_ms = 100;
  // Tombstones of expired ids are appended in batches of at most about this many bytes (Kafka
  // fills one batch up to the partition's max.message.bytes, 1 MiB by default).
  int32_t tombstone_batch_bytes = 1'000'000;
};

}  // namespace sluice::transaction
