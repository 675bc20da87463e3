// Declarations of every handler function (one .cc per API in this folder).
#pragma once

#include "handlers/request_context.h"

namespace sluice::handlers {

void handle_produce(request_context& ctx, protocol::reader& body, responder reply);
void handle_fetch(request_context& ctx, protocol::reader& body, responder reply);
void handle_list_offsets(request_context& ctx, protocol::reader& body, responder reply);
void handle_metadata(request_context& ctx, protocol::reader& body, responder reply);
void handle_api_versions(request_context& ctx, protocol::reader& body, responder reply);
void handle_delete_records(request_context& ctx, protocol::reader& body, responder reply);
void handle_offset_for_leader_epoch(request_context& ctx, protocol::reader& body, responder reply);
void handle_create_topics(request_context& ctx, protocol::reader& body, responder reply);
void handle_delete_topics(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_configs(request_context& ctx, protocol::reader& body, responder reply);
void handle_alter_configs(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_log_dirs(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_client_quotas(request_context& ctx, protocol::reader& body, responder reply);
void handle_alter_client_quotas(request_context& ctx, protocol::reader& body, responder reply);
void handle_create_partitions(request_context& ctx, protocol::reader& body, responder reply);
void handle_incremental_alter_configs(request_context& ctx, protocol::reader& body,
                                      responder reply);
void handle_describe_cluster(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_topic_partitions(request_context& ctx, protocol::reader& body,
                                      responder reply);

// Inter-broker APIs of the ZooKeeper-mode cluster (issue #7).
void handle_leader_and_isr(request_context& ctx, protocol::reader& body, responder reply);
void handle_stop_replica(request_context& ctx, protocol::reader& body, responder reply);
void handle_update_metadata(request_context& ctx, protocol::reader& body, responder reply);
void handle_controlled_shutdown(request_context& ctx, protocol::reader& body, responder reply);
void handle_alter_partition(request_context& ctx, protocol::reader& body, responder reply);

// Exactly-once (issue #12).
void handle_init_producer_id(request_context& ctx, protocol::reader& body, responder reply);
void handle_write_txn_markers(request_context& ctx, protocol::reader& body, responder reply);
void handle_add_partitions_to_txn(request_context& ctx, protocol::reader& body, responder reply);
void handle_add_offsets_to_txn(request_context& ctx, protocol::reader& body, responder reply);
void handle_end_txn(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_transactions(request_context& ctx, protocol::reader& body, responder reply);
void handle_list_transactions(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_producers(request_context& ctx, protocol::reader& body, responder reply);

// SASL (issue #13; sasl_apis.cc, with the dispatcher's gate).
void handle_sasl_handshake(request_context& ctx, protocol::reader& body, responder reply);
void handle_sasl_authenticate(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_user_scram_credentials(request_context& ctx, protocol::reader& body,
                                            responder reply);
void handle_alter_user_scram_credentials(request_context& ctx, protocol::reader& body,
                                         responder reply);
// Delegation tokens (delegation_tokens.cc).
void handle_create_delegation_token(request_context& ctx, protocol::reader& body, responder reply);
void handle_renew_delegation_token(request_context& ctx, protocol::reader& body, responder reply);
void handle_expire_delegation_token(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_delegation_token(request_context& ctx, protocol::reader& body,
                                      responder reply);

void handle_elect_leaders(request_context& ctx, protocol::reader& body, responder reply);
void handle_alter_replica_log_dirs(request_context& ctx, protocol::reader& body, responder reply);
void handle_allocate_producer_ids(request_context& ctx, protocol::reader& body, responder reply);
void handle_alter_partition_reassignments(request_context& ctx, protocol::reader& body,
                                          responder reply);
void handle_list_partition_reassignments(request_context& ctx, protocol::reader& body,
                                         responder reply);

// ACLs (issue #13, acl_apis.cc).
void handle_describe_acls(request_context& ctx, protocol::reader& body, responder reply);
void handle_create_acls(request_context& ctx, protocol::reader& body, responder reply);
void handle_delete_acls(request_context& ctx, protocol::reader& body, responder reply);

// Consumer groups (group_apis.cc, find_coordinator.cc).
void handle_find_coordinator(request_context& ctx, protocol::reader& body, responder reply);
void handle_join_group(request_context& ctx, protocol::reader& body, responder reply);
void handle_sync_group(request_context& ctx, protocol::reader& body, responder reply);
void handle_heartbeat(request_context& ctx, protocol::reader& body, responder reply);
void handle_consumer_group_heartbeat(request_context& ctx, protocol::reader& body, responder reply);
void handle_consumer_group_describe(request_context& ctx, protocol::reader& body, responder reply);
void handle_share_group_heartbeat(request_context& ctx, protocol::reader& body, responder reply);
void handle_share_group_describe(request_context& ctx, protocol::reader& body, responder reply);
void handle_share_fetch(request_context& ctx, protocol::reader& body, responder reply);
void handle_share_acknowledge(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_share_group_offsets(request_context& ctx, protocol::reader& body,
                                         responder reply);
void handle_read_share_group_state(request_context& ctx, protocol::reader& body, responder reply);
void handle_write_share_group_state(request_context& ctx, protocol::reader& body, responder reply);
void handle_initialize_share_group_state(request_context& ctx, protocol::reader& body,
                                         responder reply);
void handle_delete_share_group_state(request_context& ctx, protocol::reader& body, responder reply);
void handle_read_share_group_state_summary(request_context& ctx, protocol::reader& body,
                                           responder reply);
void handle_alter_share_group_offsets(request_context& ctx, protocol::reader& body,
                                      responder reply);
void handle_delete_share_group_offsets(request_context& ctx, protocol::reader& body,
                                       responder reply);
void handle_get_telemetry_subscriptions(request_context& ctx, protocol::reader& body,
                                        responder reply);
void handle_push_telemetry(request_context& ctx, protocol::reader& body, responder reply);
void handle_list_config_resources(request_context& ctx, protocol::reader& body, responder reply);
void handle_update_features(request_context& ctx, protocol::reader& body, responder reply);
void handle_leave_group(request_context& ctx, protocol::reader& body, responder reply);
void handle_offset_commit(request_context& ctx, protocol::reader& body, responder reply);
void handle_offset_fetch(request_context& ctx, protocol::reader& body, responder reply);
void handle_list_groups(request_context& ctx, protocol::reader& body, responder reply);
void handle_describe_groups(request_context& ctx, protocol::reader& body, responder reply);
void handle_delete_groups(request_context& ctx, protocol::reader& body, responder reply);
void handle_offset_delete(request_context& ctx, protocol::reader& body, responder reply);
void handle_txn_offset_commit(request_context& ctx, protocol::reader& body, responder reply);

}  // namespace sluice::handlers
