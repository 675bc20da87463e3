// Errors of the cluster-metadata module. Handlers map them to Kafka codes:
//   topic_exists -> TOPIC_ALREADY_EXISTS, unknown_topic -> UNKNOWN_TOPIC_OR_PARTITION,
//   invalid_topic -> INVALID_TOPIC_EXCEPTION, invalid_partitions -> INVALID_PARTITIONS,
//   invalid_replication_factor -> INVALID_REPLICATION_FACTOR,
//   invalid_replica_assignment -> INVALID_REPLICA_ASSIGNMENT, invalid_config -> INVALID_CONFIG,
//   invalid_request -> INVALID_REQUEST,
//   internal_topic -> INVALID_REQUEST (or TOPIC_AUTHORIZATION_FAILED for deletes, as Kafka),
//   deletion_disabled -> TOPIC_DELETION_DISABLED, storage_failed -> KAFKA_STORAGE_ERROR,
//   not_controller -> NOT_CONTROLLER, unavailable -> REQUEST_TIMED_OUT.
#pragma once

#include "base/result.h"

namespace sluice::cluster {

enum class errc {
  topic_exists,
  unknown_topic,
  invalid_topic,
  invalid_partitions,
  invalid_replication_factor,
  invalid_replica_assignment,
  invalid_config,
  invalid_request,
  internal_topic,
  deletion_disabled,
  storage_failed,
  not_controller,
  unavailable,
};

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::cluster
