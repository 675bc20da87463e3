// zk_layout: Apache Kafka's ZooKeeper znode paths and JSON payloads (ZooKeeper mode,
// Kafka 2.x/3.x), written and read byte-compatibly so Kafka's tools and zkCli.sh see what they
// expect. Paths are relative to the chroot (zk_session applies it). Decoders bounds-check and
// report bad JSON as errc::invalid_request with the path's meaning in the message.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/metadata_store.h"

namespace sluice::cluster::zk_layout {

inline constexpr std::string_view broker_ids = "/brokers/ids";
inline constexpr std::string_view broker_topics = "/brokers/topics";
inline constexpr std::string_view config_topics = "/config/topics";
inline constexpr std::string_view config_brokers = "/config/brokers";
inline constexpr std::string_view config_changes = "/config/changes";
inline constexpr std::string_view config_users = "/config/users";
inline constexpr std::string_view delegation_tokens = "/delegation_token/tokens";
inline constexpr std::string_view delegation_token_changes = "/delegation_token/token_changes";
inline constexpr std::string_view delete_topics = "/admin/delete_topics";
inline constexpr std::string_view controller = "/controller";
inline constexpr std::string_view controller_epoch = "/controller_epoch";
inline constexpr std::string_view cluster_id = "/cluster/id";
inline constexpr std::string_view isr_change_notification = "/isr_change_notification";
inline constexpr std::string_view latest_producer_id_block = "/latest_producer_id_block";
inline constexpr std::string_view feature = "/feature";  // cluster/features.h

// The persistent paths Kafka creates at start-up (each broker creates the missing ones).
std::vector<std::string> persistent_paths();

std::string broker_path(int32_t broker_id);                             // /brokers/ids/<id>
std::string topic_path(const std::string& topic);                       // /brokers/topics/<t>
std::string partitions_path(const std::string& topic);                  // .../<t>/partitions
std::string partition_path(const std::string& topic, int32_t p);        // .../partitions/<p>
std::string partition_state_path(const std::string& topic, int32_t p);  // .../<p>/state
std::string topic_config_path(const std::string& topic);                // /config/topics/<t>
// A dynamic broker config entity: "<default>" (nullopt, cluster-wide) or the broker's id.
std::string broker_config_entity(std::optional<int32_t> broker);
std::string broker_config_path(std::optional<int32_t> broker);  // /config/brokers/<entity>
std::string delete_topic_path(const std::string& topic);        // /admin/delete_topics/<t>
// Kafka's Sanitizer: an entity name as a znode name (URL encoding, with "%20" for a space and
// "%2A" for '*'), and back (nullopt for a bad %-escape).
std::string sanitize_entity_name(std::string_view name);
std::optional<std::string> desanitize_entity_name(std::string_view znode);
std::string user_config_path(const std::string& user);           // /config/users/<sanitized user>
std::string delegation_token_path(const std::string& token_id);  // /delegation_token/tokens/<id>

// /brokers/ids/<id>: {"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},
// "endpoints":["PLAINTEXT://host:9092"],"jmx_port":-1,"port":9092,"host":"host",
// "version":5,"timestamp":"<ms>","rack":...}
std::string encode_broker(const broker_info& broker, int64_t timestamp_ms);
result<broker_info> decode_broker(int32_t broker_id, std::string_view json);

// /brokers/topics/<t>: {"version":3,"topic_id":"<base64>","partitions":{"0":[1,2,3]},
// "adding_replicas":{"0":[3]},"removing_replicas":{"0":[1]}} — the last two list the partitions
// being reassigned (their replicas are the full set, target and origin, meanwhile).
struct topic_assignment {
  protocol::uuid topic_id;
  std::map<int32_t, std::vector<int32_t>> partitions;
  std::map<int32_t, std::vector<int32_t>> adding_replicas;
  std::map<int32_t, std::vector<int32_t>> removing_replicas;
};
std::string encode_topic_assignment(const topic_assignment& assignment);
result<topic_assignment> decode_topic_assignment(std::string_view json);

// /brokers/topics/<t>/partitions/<p>/state:
// {"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}
struct leader_and_isr {
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t controller_epoch = 0;
};
std::string encode_partition_state(const leader_and_isr& state);
result<leader_and_isr> decode_partition_state(std::string_view json);

// /controller: {"version":1,"brokerid":1,"timestamp":"<ms>"}
std::string encode_controller(int32_t broker_id, int64_t timestamp_ms);
result<int32_t> decode_controller(std::string_view json);

// /config/topics/<t> and /config/brokers/<id|<default>>:
// {"version":1,"config":{"retention.ms":"1000"}}
std::string encode_entity_config(const config_map& configs);
result<config_map> decode_entity_config(std::string_view json);
// /config/changes/config_change_<seq>: {"version":2,"entity_path":"topics/<t>"}
std::string encode_config_change(const std::string& entity_path);

// /latest_producer_id_block: {"version":1,"broker":1,"block_start":"0","block_end":"999"}
// (Kafka writes the ids as strings). Empty data means no block was ever claimed.
std::string encode_producer_id_block(const producer_id_block& block);
result<producer_id_block> decode_producer_id_block(std::string_view json);
// The block after `previous` (or the first block, at 0) for `broker`; fails when the ids would
// overflow int64.
result<producer_id_block> next_producer_id_block(const std::optional<producer_id_block>& previous,
                                                 int32_t broker);

// /cluster/id: {"version":"1","id":"<cluster id>"}
std::string encode_cluster_id(const std::string& id);
result<std::string> decode_cluster_id(std::string_view json);

}  // namespace sluice::cluster::zk_layout
