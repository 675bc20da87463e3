#include "handlers/error_mapping.h"

namespace sluice::handlers {

protocol::error_code to_kafka(cluster::errc e) {
  using protocol::error_code;
  switch (e) {
    case cluster::errc::topic_exists:
      return error_code::topic_already_exists;
    case cluster::errc::unknown_topic:
      return error_code::unknown_topic_or_partition;
    case cluster::errc::invalid_topic:
      return error_code::invalid_topic_exception;
    case cluster::errc::invalid_partitions:
      return error_code::invalid_partitions;
    case cluster::errc::invalid_replication_factor:
      return error_code::invalid_replication_factor;
    case cluster::errc::invalid_replica_assignment:
      return error_code::invalid_replica_assignment;
    case cluster::errc::invalid_config:
      return error_code::invalid_config;
    case cluster::errc::invalid_request:
      return error_code::invalid_request;
    case cluster::errc::internal_topic:
      return error_code::invalid_request;
    case cluster::errc::deletion_disabled:
      return error_code::topic_deletion_disabled;
    case cluster::errc::storage_failed:
      return error_code::kafka_storage_error;
    case cluster::errc::not_controller:
      return error_code::not_controller;
    case cluster::errc::unavailable:
      return error_code::request_timed_out;
  }
  return error_code::unknown_server_error;
}

protocol::error_code to_kafka(replication::errc e) {
  using protocol::error_code;
  using replication::errc;
  switch (e) {
    case errc::unknown_topic_or_partition:
      return error_code::unknown_topic_or_partition;
    case errc::unknown_topic_id:
      return error_code::unknown_topic_id;
    case errc::not_leader:
      return error_code::not_leader_or_follower;
    case errc::offset_out_of_range:
      return error_code::offset_out_of_range;
    case errc::corrupt_message:
      return error_code::corrupt_message;
    case errc::message_too_large:
      return error_code::message_too_large;
    case errc::record_list_too_large:
      return error_code::record_list_too_large;
    case errc::invalid_timestamp:
      return error_code::invalid_timestamp;
    case errc::invalid_record:
      return error_code::invalid_record;
    case errc::invalid_required_acks:
      return error_code::invalid_required_acks;
    case errc::not_enough_replicas:
      return error_code::not_enough_replicas;
    case errc::not_enough_replicas_after_append:
      return error_code::not_enough_replicas_after_append;
    case errc::request_timed_out:
      return error_code::request_timed_out;
    case errc::fenced_leader_epoch:
      return error_code::fenced_leader_epoch;
    case errc::unknown_leader_epoch:
      return error_code::unknown_leader_epoch;
    case errc::offset_not_available:
      return error_code::offset_not_available;
    case errc::policy_violation:
      return error_code::policy_violation;
    case errc::storage_error:
      return error_code::kafka_storage_error;
    case errc::invalid_producer_epoch:
      return error_code::invalid_producer_epoch;
    case errc::out_of_order_sequence:
      return error_code::out_of_order_sequence_number;
    case errc::invalid_txn_state:
      return error_code::invalid_txn_state;
    case errc::transaction_coordinator_fenced:
      return error_code::transaction_coordinator_fenced;
    case errc::transaction_abortable:
      return error_code::transaction_abortable;
    case errc::invalid_producer_id_mapping:
      return error_code::invalid_producer_id_mapping;
    case errc::invalid_update_version:
      return error_code::invalid_update_version;
    case errc::ineligible_replica:
      return error_code::ineligible_replica;
    case errc::not_controller:
      return error_code::not_controller;
    case errc::stale_broker_epoch:
      return error_code::stale_broker_epoch;
    case errc::unknown:
      return error_code::unknown_server_error;
  }
  return error_code::unknown_server_error;
}

}  // namespace sluice::handlers
