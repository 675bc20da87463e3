#include "handlers/registry.h"

#include <algorithm>
#include <array>

#include "handlers/handlers.h"

namespace sluice::handlers {

namespace {

// `true` at the end: the handler may block (ZooKeeper, metadata fsync) and runs on a request
// worker. Version floors are Kafka 3.9's (old clients work: issue #14); a maximum goes above 3.9's
// once the handler does what Kafka 4.x's version means. Not yet: EndTxn v5 (transactions v2) and
// InitProducerId v6 (two-phase commit). Produce v12 and TxnOffsetCommit v5 differ from v11 and v4
// only under transaction.version 2, which this broker does not finalize. Every version listed
// here is served.
constexpr std::array kTable{
    handler_entry{0, 0, 13, handle_produce},  // v0-2: legacy message sets, up-converted
    handler_entry{1, 0, 18, handle_fetch},
    handler_entry{2, 0, 11, handle_list_offsets},
    handler_entry{3, 0, 13, handle_metadata, std::nullopt, true},
    handler_entry{4, 0, 7, handle_leader_and_isr, std::nullopt,
                  true},  // inter-broker (cluster mode)
    handler_entry{5, 0, 4, handle_stop_replica, std::nullopt, true},
    handler_entry{6, 0, 8, handle_update_metadata},
    handler_entry{7, 0, 3, handle_controlled_shutdown},
    handler_entry{8, 0, 10, handle_offset_commit},
    handler_entry{9, 0, 10, handle_offset_fetch},
    handler_entry{10, 0, 6, handle_find_coordinator, std::nullopt, true},
    handler_entry{11, 0, 9, handle_join_group},
    handler_entry{12, 0, 4, handle_heartbeat},
    handler_entry{13, 0, 5, handle_leave_group},
    handler_entry{14, 0, 5, handle_sync_group},
    handler_entry{15, 0, 6, handle_describe_groups},
    handler_entry{16, 0, 5, handle_list_groups},
    handler_entry{17, 0, 1, handle_sasl_handshake},
    handler_entry{18, 0, 5, handle_api_versions},
    handler_entry{19, 0, 7, handle_create_topics, std::nullopt, true},
    handler_entry{20, 0, 6, handle_delete_topics, std::nullopt, true},
    handler_entry{21, 0, 2, handle_delete_records},
    handler_entry{22, 0, 6, handle_init_producer_id, std::nullopt, true},
    handler_entry{23, 0, 4, handle_offset_for_leader_epoch},
    handler_entry{24, 0, 5, handle_add_partitions_to_txn},
    handler_entry{25, 0, 4, handle_add_offsets_to_txn},
    handler_entry{26, 0, 4, handle_end_txn},
    handler_entry{27, 0, 2, handle_write_txn_markers, std::nullopt, true},  // inter-broker
    handler_entry{28, 0, 6, handle_txn_offset_commit},
    handler_entry{29, 0, 3, handle_describe_acls},
    handler_entry{30, 0, 3, handle_create_acls, std::nullopt, true},  // store writes
    handler_entry{31, 0, 3, handle_delete_acls, std::nullopt, true},
    handler_entry{32, 0, 4, handle_describe_configs},
    handler_entry{33, 0, 2, handle_alter_configs, std::nullopt, true},
    handler_entry{34, 0, 2, handle_alter_replica_log_dirs, std::nullopt, true},
    handler_entry{35, 0, 5, handle_describe_log_dirs},
    handler_entry{36, 0, 2, handle_sasl_authenticate},
    handler_entry{37, 0, 3, handle_create_partitions, std::nullopt, true},
    handler_entry{38, 0, 3, handle_create_delegation_token, std::nullopt, true},
    handler_entry{39, 0, 2, handle_renew_delegation_token, std::nullopt, true},
    handler_entry{40, 0, 2, handle_expire_delegation_token, std::nullopt, true},
    handler_entry{41, 0, 3, handle_describe_delegation_token, std::nullopt, true},
    handler_entry{42, 0, 3, handle_delete_groups},
    handler_entry{43, 0, 2, handle_elect_leaders},
    handler_entry{44, 0, 1, handle_incremental_alter_configs, std::nullopt, true},
    handler_entry{45, 0, 1, handle_alter_partition_reassignments},
    handler_entry{46, 0, 0, handle_list_partition_reassignments},
    handler_entry{47, 0, 0, handle_offset_delete},
    handler_entry{48, 0, 1, handle_describe_client_quotas, std::nullopt, true},
    handler_entry{49, 0, 1, handle_alter_client_quotas, std::nullopt, true},
    handler_entry{50, 0, 0, handle_describe_user_scram_credentials, std::nullopt, true},
    handler_entry{51, 0, 0, handle_alter_user_scram_credentials, std::nullopt, true},
    handler_entry{56, 0, 3, handle_alter_partition},
    handler_entry{57, 0, 2, handle_update_features, std::nullopt, true},
    handler_entry{60, 0, 2, handle_describe_cluster},
    handler_entry{61, 0, 0, handle_describe_producers},
    handler_entry{65, 0, 0, handle_describe_transactions},
    handler_entry{66, 0, 2, handle_list_transactions},
    handler_entry{67, 0, 0, handle_allocate_producer_ids, std::nullopt, true},
    handler_entry{68, 0, 1, handle_consumer_group_heartbeat},
    handler_entry{69, 0, 1, handle_consumer_group_describe},
    handler_entry{71, 0, 0, handle_get_telemetry_subscriptions},
    handler_entry{72, 0, 0, handle_push_telemetry},
    handler_entry{74, 0, 1, handle_list_config_resources},
    handler_entry{75, 0, 0, handle_describe_topic_partitions},
    handler_entry{76, 1, 1, handle_share_group_heartbeat},
    handler_entry{77, 1, 1, handle_share_group_describe},
    handler_entry{78, 1, 2, handle_share_fetch},
    handler_entry{79, 1, 2, handle_share_acknowledge},
    handler_entry{83, 0, 0, handle_initialize_share_group_state},
    handler_entry{84, 0, 0, handle_read_share_group_state},
    handler_entry{85, 0, 1, handle_write_share_group_state},
    handler_entry{86, 0, 0, handle_delete_share_group_state},
    handler_entry{87, 0, 1, handle_read_share_group_state_summary},
    handler_entry{90, 0, 1, handle_describe_share_group_offsets},
    handler_entry{91, 0, 0, handle_alter_share_group_offsets},
    handler_entry{92, 0, 0, handle_delete_share_group_offsets},
};

static_assert(std::is_sorted(kTable.begin(), kTable.end(),
                             [](const handler_entry& a, const handler_entry& b) {
                               return a.api_key < b.api_key;
                             }),
              "keep the handler table sorted by API key");

}  // namespace

std::span<const handler_entry> handler_table() {
  return kTable;
}

const handler_entry* find_handler(int16_t api_key) {
  auto it = std::lower_bound(kTable.begin(), kTable.end(), api_key,
                             [](const handler_entry& e, int16_t key) { return e.api_key < key; });
  return it != kTable.end() && it->api_key == api_key ? &*it : nullptr;
}

}  // namespace sluice::handlers
