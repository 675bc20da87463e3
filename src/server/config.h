// The broker's configuration, loaded from server.properties and --override arguments.
//
// load_config() checks every catalogue key (type, range, cross-key rules such as listeners and
// retention precedence) and either fails with one message per bad key (naming the key, the value
// and the reason) or returns a server_config: the typed broker_config that subsystems read, plus
// every key's value and source for DescribeConfigs. Immutable once loaded; any thread may read it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls_settings.h"
#include "server/config_catalogue.h"
#include "server/config_value.h"
#include "server/errc.h"
#include "server/properties.h"

namespace sluice::server {

// One entry of listeners / advertised.listeners.
struct listener_config {
  std::string name;               // upper case, e.g. "PLAINTEXT"
  std::string security_protocol;  // from listener.security.protocol.map
  std::string host;               // empty: all interfaces (listeners only)
  uint16_t port = 0;
  std::string to_string() const;  // NAME://host:port, IPv6 hosts in brackets
};

struct metrics_listener_config {
  std::string host;  // empty: all interfaces
  uint16_t port = 9644;
  bool is_default = true;         // not set explicitly: may move to the next free port
  std::string to_string() const;  // http://host:port
};

// Typed values, derived rules applied. Field names follow the Kafka keys.
struct broker_config {
  // Server basics
  int32_t broker_id = -1;
  bool broker_id_generation_enable = true;
  int32_t reserved_broker_max_id = 1000;
  std::optional<std::string> broker_rack;
  std::vector<std::string> log_dirs;  // log.dirs, else log.dir; never empty
  int32_t num_io_threads = 8;
  int32_t num_recovery_threads_per_data_dir = 1;
  bool auto_create_topics_enable = true;
  bool delete_topic_enable = true;
  bool controlled_shutdown_enable = true;
  bool auto_leader_rebalance_enable = true;
  int64_t leader_imbalance_check_interval_seconds = 300;
  int32_t leader_imbalance_per_broker_percentage = 10;
  int32_t controlled_shutdown_max_retries = 3;
  int32_t controller_socket_timeout_ms = 30000;
  int64_t controlled_shutdown_retry_backoff_ms = 5000;

  // Listeners and network
  std::vector<listener_config> listeners;
  std::vector<listener_config> advertised_listeners;  // same order as their names in listeners
  std::map<std::string, std::string> listener_security_protocol_map;
  std::string inter_broker_listener_name;  // resolved; always an advertised listener's name
  std::string inter_broker_security_protocol = "PLAINTEXT";  // that listener's protocol
  // SSL and SASL_SSL listeners by name: the ssl.* keys with listener.name.<l>.ssl.* on top.
  // The inter-broker client uses its listener's (the key and trust stores as a client's).
  std::map<std::string, net::tls_settings> listener_tls;
  int32_t num_network_threads = 3;
  int32_t socket_send_buffer_bytes = 102400;
  int32_t socket_receive_buffer_bytes = 102400;
  int32_t socket_request_max_bytes = 104857600;
  int64_t connections_max_idle_ms = 600000;
  int32_t queued_max_requests = 500;

  // Quotas and connection limits
  int32_t max_connections = INT32_MAX;
  int32_t max_connections_per_ip = INT32_MAX;
  std::map<std::string, int32_t> max_connections_per_ip_overrides;  // host as given -> count
  int32_t max_connection_creation_rate = INT32_MAX;
  // listener.name.<l>.max.connections / .max.connection.creation.rate, by listener name (upper).
  std::map<std::string, int32_t> listener_max_connections;
  std::map<std::string, int32_t> listener_max_connection_creation_rate;
  int32_t quota_window_num = 11;
  int32_t quota_window_size_seconds = 1;

  // Topics and messages
  int32_t num_partitions = 1;
  int32_t default_replication_factor = 1;
  int32_t message_max_bytes = 1048588;
  int32_t fetch_max_bytes = 57671680;
  std::string log_message_timestamp_type = "CreateTime";

  // Log segments and flushing (resolved precedence: *_ms over *_hours)
  int32_t log_segment_bytes = 1073741824;
  int64_t log_roll_ms = 168LL * 3600 * 1000;
  int32_t log_index_size_max_bytes = 10485760;
  int32_t log_index_interval_bytes = 4096;
  int64_t log_flush_interval_messages = INT64_MAX;
  int64_t log_flush_interval_ms = INT64_MAX;  // log.flush.interval.ms, else the scheduler interval
  int64_t log_flush_scheduler_interval_ms = INT64_MAX;

  // Retention and cleanup
  int64_t log_retention_ms = 168LL * 3600 * 1000;  // ms > minutes > hours; -1: unlimited
  int64_t log_retention_bytes = -1;
  int64_t log_retention_check_interval_ms = 300000;
  std::vector<std::string> log_cleanup_policy{"delete"};
  bool log_cleaner_enable = true;
  int64_t log_cleaner_delete_retention_ms = 86400000;
  double log_cleaner_min_cleanable_ratio = 0.5;
  int64_t log_cleaner_min_compaction_lag_ms = 0;

  // Replication
  int32_t min_insync_replicas = 1;
  int64_t leader_replication_throttled_rate = INT64_MAX;    // KIP-73, dynamic
  int64_t follower_replication_throttled_rate = INT64_MAX;  // KIP-73, dynamic
  bool unclean_leader_election_enable = false;
  int64_t replica_lag_time_max_ms = 30000;
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t num_replica_fetchers = 1;
  int32_t replica_fetch_min_bytes = 1;
  int32_t replica_fetch_response_max_bytes = 10485760;
  int32_t replica_fetch_backoff_ms = 1000;
  int32_t replica_socket_timeout_ms = 30000;
  int64_t replica_high_watermark_checkpoint_interval_ms = 5000;

  // Consumer groups and offsets
  int32_t offsets_topic_num_partitions = 50;
  int16_t offsets_topic_replication_factor = 3;
  int32_t offsets_retention_minutes = 10080;
  int32_t group_initial_rebalance_delay_ms = 3000;
  int32_t group_min_session_timeout_ms = 6000;
  int32_t group_max_session_timeout_ms = 1800000;
  int32_t group_max_size = INT32_MAX;
  config_list group_coordinator_rebalance_protocols = {"classic", "consumer", "share"};
  int32_t group_consumer_session_timeout_ms = 45'000;
  int32_t group_consumer_heartbeat_interval_ms = 5'000;
  int32_t group_consumer_max_size = INT32_MAX;
  config_list group_consumer_assignors = {"uniform", "range"};
  std::string group_consumer_migration_policy = "bidirectional";  // lower case
  int32_t group_share_session_timeout_ms = 45'000;
  int32_t group_share_heartbeat_interval_ms = 5'000;
  int32_t group_share_max_size = 200;
  int32_t group_share_record_lock_duration_ms = 30'000;
  int32_t group_share_delivery_count_limit = 5;
  int32_t group_share_partition_max_record_locks = 2000;
  int32_t group_share_max_share_sessions = 2000;
  int32_t telemetry_max_bytes = 1048576;
  int32_t share_coordinator_state_topic_num_partitions = 50;
  int16_t share_coordinator_state_topic_replication_factor = 3;
  int32_t share_coordinator_state_topic_min_isr = 2;
  int32_t share_coordinator_state_topic_segment_bytes = 104857600;

  // Transactions
  int16_t transaction_state_log_replication_factor = 3;
  int32_t transaction_state_log_min_isr = 2;
  int32_t transaction_state_log_num_partitions = 50;
  int32_t transaction_state_log_segment_bytes = 104857600;
  int32_t transaction_max_timeout_ms = 900000;
  int64_t transactional_id_expiration_ms = 604800000;
  int64_t transaction_abort_timed_out_transaction_cleanup_interval_ms = 10000;
  int64_t transaction_remove_expired_transaction_cleanup_interval_ms = 3600000;
  bool transaction_partition_verification_enable = true;
  int64_t producer_id_expiration_ms = 86400000;
  int64_t producer_id_expiration_check_interval_ms = 600000;

  // SASL authentication (the per-listener keys are read by sasl_setup.h)
  std::vector<std::string> sasl_enabled_mechanisms{"GSSAPI"};
  std::string sasl_mechanism_inter_broker_protocol = "GSSAPI";
  int32_t sasl_server_max_receive_size = 524288;
  int64_t connections_max_reauth_ms = 0;
  // Dynamic password configs (security::password_encoder); no secret: such configs are refused.
  std::optional<std::string> password_encoder_secret;
  std::optional<std::string> password_encoder_old_secret;
  std::string password_encoder_keyfactory_algorithm = "PBKDF2WithHmacSHA512";
  std::string password_encoder_cipher_algorithm = "AES/CBC/PKCS5Padding";
  int32_t password_encoder_key_length = 128;
  int32_t password_encoder_iterations = 4096;

  // Authorization (issue #13; empty authorizer_class_name: no authorization)
  std::string authorizer_class_name;
  std::vector<std::string> super_users;  // "User:admin"
  bool allow_everyone_if_no_acl_found = false;

  // ZooKeeper (unset zookeeper_connect: embedded single-broker mode)
  std::optional<std::string> zookeeper_connect;
  int32_t zookeeper_session_timeout_ms = 18000;
  int32_t zookeeper_connection_timeout_ms = 18000;  // resolved: defaults to the session timeout

  // Sluice
  metrics_listener_config metrics_listener;
};

// Where a value came from, lowest precedence first. Kafka reports both the file and --override as
// a static broker config; dynamic configs (IncrementalAlterConfigs on a BROKER resource) win over
// both, this broker's own over the cluster-wide default.
enum class config_source {
  default_config,
  static_broker_config,
  dynamic_default_broker_config,
  dynamic_broker_config,
};

// Dynamic broker configs as stored (/config/brokers/<default> and /config/brokers/<id>).
struct dynamic_layers {
  std::map<std::string, std::string> cluster_default;
  std::map<std::string, std::string> broker;
  bool operator==(const dynamic_layers&) const = default;
};

// listener.name.<listener>.<key> values given (listener_configs.h), checked like their keys:
// full key -> value, the highest layer winning.
using listener_overrides = std::map<std::string, config_value, std::less<>>;

struct config_entry {
  const config_key* key = nullptr;
  config_value value;  // parsed; monostate for null
  config_source source = config_source::default_config;
  bool overridden = false;  // set by --override (a kind of static_broker_config)
  // The value each configured layer gives this key, formatted as text() (DescribeConfigs'
  // synonyms list them all, not only the winner).
  std::optional<std::string> static_text, dynamic_default_text, dynamic_broker_text;
  std::optional<std::string> text() const { return format_config_value(value); }
};

class server_config {
 public:
  const broker_config& typed() const { return typed_; }
  // Every catalogue key, in catalogue order.
  const std::vector<config_entry>& entries() const { return entries_; }
  // Per-listener keys given (listener.name.<listener>.<key>), after every layer.
  const listener_overrides& listener_values() const { return listener_values_; }
  const config_entry* find(std::string_view key) const;
  // Keys given that the catalogue does not know (sorted), and catalogue keys given that Sluice
  // ignores: start-up logs both once.
  const std::vector<std::string>& unknown_keys() const { return unknown_keys_; }
  const std::vector<std::string>& ignored_keys() const { return ignored_keys_; }
  // Every property given (the file, then --override arguments winning), by name: for the keys
  // whose names embed a listener or mechanism (listener.name.<l>.<mechanism>.sasl.jaas.config).
  std::map<std::string, std::string> given_properties() const;
  // --override arguments as given (key, value), for the start-up summary.
  const std::vector<std::pair<std::string, std::string>>& overrides() const { return overrides_; }

  // After binding: listeners (and advertised listeners of the same name) configured with port 0
  // take the port actually bound. Called by the broker before any client is accepted.
  void resolve_bound_ports(const std::map<std::string, uint16_t>& bound_ports);
  // broker.id=-1: the id found in meta.properties or generated at start-up.
  void resolve_broker_id(int32_t id) { typed_.broker_id = id; }

  // This configuration with `layers` of dynamic broker configs over its static ones: the same
  // file and --override arguments loaded again with two more layers on top, so every rule of
  // load_config applies (value checks, retention precedence). Values resolved at start-up
  // (broker.id, bound ports) carry over. Keys the catalogue does not know or that are read-only
  // must be filtered out by the caller (dynamic_broker_config); errors name key, value and reason.
  result<server_config> with_dynamic(const dynamic_layers& layers) const;
  const dynamic_layers& dynamic() const { return dynamic_; }

 private:
  friend result<server_config> load_layers(const std::vector<property>&,
                                           const std::vector<property>&, const dynamic_layers&,
                                           const std::function<std::string()>&);
  std::vector<property> file_, override_props_;
  dynamic_layers dynamic_;
  std::function<std::string()> hostname_;
  broker_config typed_;
  std::vector<config_entry> entries_;
  listener_overrides listener_values_;
  std::vector<std::string> unknown_keys_;
  std::vector<std::string> ignored_keys_;
  std::vector<std::pair<std::string, std::string>> overrides_;
};

// The machine's canonical host name (what Kafka advertises for an empty listener host).
std::string canonical_hostname();

// (load_layers, declared for server_config::with_dynamic: load_config with dynamic layers.)
result<server_config> load_layers(const std::vector<property>& file,
                                  const std::vector<property>& overrides,
                                  const dynamic_layers& dynamic,
                                  const std::function<std::string()>& hostname);

// `file` in file order, then `overrides` (which win). `hostname` supplies the advertised host
// for listeners with an empty host (injectable for tests). Errors: errc::invalid_config with one
// line per problem.
result<server_config> load_config(
    const std::vector<property>& file, const std::vector<property>& overrides = {},
    const std::function<std::string()>& hostname = canonical_hostname);

}  // namespace sluice::server
