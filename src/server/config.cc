#include "server/config.h"

#include <netdb.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <set>

#include "base/assert.h"
#include "security/acl_authorizer.h"
#include "server/dynamic_broker_config.h"
#include "server/listener_configs.h"
#include "server/listeners.h"

namespace sluice::server {
namespace {

// Reads typed values out of the checked entries while building broker_config, and collects the
// problems found by the cross-key rules.
class builder {
 public:
  explicit builder(const std::vector<config_entry>& entries) : entries_(entries) {}

  const config_entry& entry(std::string_view key) const {
    for (const auto& e : entries_) {
      if (e.key->name == key) return e;
    }
    SLUICE_ASSERT(false, "config key missing from the catalogue");
    return entries_.front();
  }
  template <class T>
  T get(std::string_view key) const {
    const auto& v = entry(key).value;
    SLUICE_ASSERT(std::holds_alternative<T>(v), "config key read with the wrong type");
    return std::get<T>(v);
  }
  template <class T>
  std::optional<T> get_optional(std::string_view key) const {
    const auto& v = entry(key).value;
    if (is_null(v)) return std::nullopt;
    return get<T>(key);
  }
  bool is_set(std::string_view key) const { return !is_null(entry(key).value); }

  void error(std::string message) { errors_.push_back(std::move(message)); }
  void error(std::string_view key, std::string_view reason) {
    auto text = entry(key).text();
    error("invalid value '" + text.value_or("null") + "' for " + std::string(key) + ": " +
          std::string(reason));
  }
  template <class T>
  std::optional<T> take(result<T> r) {
    if (r.ok()) return std::move(r).value();
    error(r.message());
    return std::nullopt;
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  const std::vector<config_entry>& entries_;
  std::vector<std::string> errors_;
};

std::vector<std::string> split_dirs(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Each TLS listener's settings: its listener.name.<l>.ssl.* keys over the ssl.* ones.
void build_tls(builder& b, broker_config& c, const listener_overrides& overrides) {
  for (const auto& l : c.listeners) {
    if (!net::uses_tls(l.security_protocol)) continue;
    auto s = b.take(listener_tls_settings(
        l, [&](std::string_view key) -> const config_value& { return b.entry(key).value; },
        overrides));
    if (s) c.listener_tls[l.name] = std::move(*s);
  }
}

// max.connections.per.ip.overrides: "host:count,host:count" (Kafka's parseCsvMap).
void build_connection_limits(builder& b, broker_config& c, const listener_overrides& overrides) {
  c.max_connections = b.get<int32_t>("max.connections");
  c.max_connections_per_ip = b.get<int32_t>("max.connections.per.ip");
  c.max_connection_creation_rate = b.get<int32_t>("max.connection.creation.rate");
  c.quota_window_num = b.get<int32_t>("quota.window.num");
  c.quota_window_size_seconds = b.get<int32_t>("quota.window.size.seconds");
  const std::string key = "max.connections.per.ip.overrides";
  for (const auto& item : split_dirs(b.get<std::string>(key))) {
    size_t colon = item.rfind(':');
    std::string host = colon == std::string::npos ? "" : item.substr(0, colon);
    host.erase(host.find_last_not_of(" \t") + 1);
    std::string count = colon == std::string::npos ? "" : item.substr(colon + 1);
    count.erase(0, count.find_first_not_of(" \t"));
    char* end = nullptr;
    long n = count.empty() ? -1 : std::strtol(count.c_str(), &end, 10);
    if (host.empty() || end == nullptr || *end != '\0' || n < 0 || n > INT32_MAX) {
      return b.error(key, "'" + item + "' is not host:count with a count of 0 or more");
    }
    c.max_connections_per_ip_overrides[host] = static_cast<int32_t>(n);
  }
  if (c.max_connections_per_ip == 0 && c.max_connections_per_ip_overrides.empty()) {
    b.error("max.connections.per.ip",
            "can be set to zero only if max.connections.per.ip.overrides is set");
  }
  for (const auto& l : c.listeners) {
    auto int_value = [&](std::string_view k) -> std::optional<int32_t> {
      auto it = overrides.find(listener_key_name(l.name, k));
      if (it == overrides.end()) return std::nullopt;
      if (auto* v = std::get_if<int32_t>(&it->second)) return *v;
      return std::nullopt;
    };
    if (auto v = int_value("max.connections")) c.listener_max_connections[l.name] = *v;
    if (auto v = int_value("max.connection.creation.rate"))
      c.listener_max_connection_creation_rate[l.name] = *v;
  }
}

void build_network(builder& b, broker_config& c, const std::function<std::string()>& hostname,
                   const listener_overrides& overrides) {
  c.num_network_threads = b.get<int32_t>("num.network.threads");
  c.socket_send_buffer_bytes = b.get<int32_t>("socket.send.buffer.bytes");
  c.socket_receive_buffer_bytes = b.get<int32_t>("socket.receive.buffer.bytes");
  c.socket_request_max_bytes = b.get<int32_t>("socket.request.max.bytes");
  c.connections_max_idle_ms = b.get<int64_t>("connections.max.idle.ms");
  c.queued_max_requests = b.get<int32_t>("queued.max.requests");

  auto protocols = b.take(parse_protocol_map("listener.security.protocol.map",
                                             b.get<config_list>("listener.security.protocol.map")));
  if (!protocols) return;
  c.listener_security_protocol_map = *protocols;
  auto listeners =
      b.take(parse_listeners("listeners", b.get<config_list>("listeners"), *protocols, true));
  if (!listeners) return;
  if (listeners->empty()) return b.error("listeners", "at least one listener is needed");
  c.listeners = *listeners;

  // advertised.listeners: defaults to listeners; names must be among listeners'.
  std::string advertised_key =
      b.is_set("advertised.listeners") ? "advertised.listeners" : "listeners";
  auto advertised =
      b.is_set("advertised.listeners")
          ? b.take(parse_listeners("advertised.listeners",
                                   b.get<config_list>("advertised.listeners"), *protocols, false))
          : listeners;
  if (!advertised) return;
  for (auto& a : *advertised) {
    bool known = std::any_of(c.listeners.begin(), c.listeners.end(),
                             [&](const listener_config& l) { return l.name == a.name; });
    if (!known) {
      return b.error(advertised_key,
                     "advertised listener " + a.name + " is not one of the names in listeners");
    }
    if (a.host == "0.0.0.0" || a.host == "::") {
      return b.error(advertised_key, "cannot advertise the wildcard address " + a.host +
                                         "; set advertised.listeners to a routable host");
    }
    if (a.host.empty()) a.host = hostname();
  }
  c.advertised_listeners = *advertised;

  // The inter-broker listener: named, or the one named after security.inter.broker.protocol.
  auto named = b.get_optional<std::string>("inter.broker.listener.name");
  bool protocol_given =
      b.entry("security.inter.broker.protocol").source != config_source::default_config;
  if (named && protocol_given) {
    return b.error("inter.broker.listener.name",
                   "set either inter.broker.listener.name or security.inter.broker.protocol, "
                   "not both");
  }
  std::string protocol = b.get<std::string>("security.inter.broker.protocol");
  std::string name = named ? *named : protocol;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char ch) { return ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 32) : ch; });
  bool advertised_name = std::any_of(c.advertised_listeners.begin(), c.advertised_listeners.end(),
                                     [&](const listener_config& l) { return l.name == name; });
  if (!advertised_name) {
    std::string options;
    for (const auto& a : c.advertised_listeners) options += (options.empty() ? "" : ", ") + a.name;
    std::string reason = "the inter-broker listener " + name +
                         " must be one of the advertised listeners (" + options + ")";
    return named ? b.error("inter.broker.listener.name", reason)
                 : b.error(advertised_key, reason + "; set inter.broker.listener.name");
  }
  c.inter_broker_listener_name = name;
  c.inter_broker_security_protocol = c.listener_security_protocol_map.at(name);
  build_tls(b, c, overrides);
}

void build_log(builder& b, broker_config& c) {
  auto dirs = b.get_optional<std::string>("log.dirs");
  c.log_dirs = split_dirs(dirs ? *dirs : b.get<std::string>("log.dir"));
  if (c.log_dirs.empty()) b.error(dirs ? "log.dirs" : "log.dir", "no directory given");

  c.log_segment_bytes = b.get<int32_t>("log.segment.bytes");
  auto roll_ms = b.get_optional<int64_t>("log.roll.ms");
  c.log_roll_ms = roll_ms ? *roll_ms : int64_t{b.get<int32_t>("log.roll.hours")} * 3600 * 1000;
  c.log_index_size_max_bytes = b.get<int32_t>("log.index.size.max.bytes");
  c.log_index_interval_bytes = b.get<int32_t>("log.index.interval.bytes");
  c.log_flush_interval_messages = b.get<int64_t>("log.flush.interval.messages");
  c.log_flush_scheduler_interval_ms = b.get<int64_t>("log.flush.scheduler.interval.ms");
  c.log_flush_interval_ms =
      b.get_optional<int64_t>("log.flush.interval.ms").value_or(c.log_flush_scheduler_interval_ms);

  // Retention time: ms, else minutes, else hours; any negative value means unlimited, 0 is
  // refused (it would delete everything as soon as it is written).
  std::string_view retention_key;
  int64_t retention = 0;
  if (auto ms = b.get_optional<int64_t>("log.retention.ms")) {
    retention_key = "log.retention.ms";
    retention = *ms;
  } else if (auto minutes = b.get_optional<int32_t>("log.retention.minutes")) {
    retention_key = "log.retention.minutes";
    retention = int64_t{*minutes} * 60 * 1000;
  } else {
    retention_key = "log.retention.hours";
    retention = int64_t{b.get<int32_t>("log.retention.hours")} * 3600 * 1000;
  }
  if (retention == 0) b.error(retention_key, "must be -1 (unlimited) or positive");
  c.log_retention_ms = retention < 0 ? -1 : retention;
  c.log_retention_bytes = b.get<int64_t>("log.retention.bytes");
  c.log_retention_check_interval_ms = b.get<int64_t>("log.retention.check.interval.ms");
  c.log_cleanup_policy = b.get<config_list>("log.cleanup.policy");
  c.log_cleaner_enable = b.get<bool>("log.cleaner.enable");
  c.log_cleaner_delete_retention_ms = b.get<int64_t>("log.cleaner.delete.retention.ms");
  c.log_cleaner_min_cleanable_ratio = b.get<double>("log.cleaner.min.cleanable.ratio");
  c.log_cleaner_min_compaction_lag_ms = b.get<int64_t>("log.cleaner.min.compaction.lag.ms");
}

broker_config build(builder& b, const std::function<std::string()>& hostname,
                    const listener_overrides& overrides) {
  broker_config c;
  c.broker_id = b.get<int32_t>("broker.id");
  c.broker_id_generation_enable = b.get<bool>("broker.id.generation.enable");
  c.reserved_broker_max_id = b.get<int32_t>("reserved.broker.max.id");
  if (c.broker_id_generation_enable && c.broker_id > c.reserved_broker_max_id)
    b.error("broker.id", "must not exceed reserved.broker.max.id (" +
                             std::to_string(c.reserved_broker_max_id) +
                             ") while broker.id.generation.enable is true: generated ids start "
                             "above it");
  c.broker_rack = b.get_optional<std::string>("broker.rack");
  c.num_io_threads = b.get<int32_t>("num.io.threads");
  c.num_recovery_threads_per_data_dir = b.get<int32_t>("num.recovery.threads.per.data.dir");
  c.auto_create_topics_enable = b.get<bool>("auto.create.topics.enable");
  c.delete_topic_enable = b.get<bool>("delete.topic.enable");
  c.controlled_shutdown_enable = b.get<bool>("controlled.shutdown.enable");
  c.auto_leader_rebalance_enable = b.get<bool>("auto.leader.rebalance.enable");
  c.leader_imbalance_check_interval_seconds =
      b.get<int64_t>("leader.imbalance.check.interval.seconds");
  c.leader_imbalance_per_broker_percentage =
      b.get<int32_t>("leader.imbalance.per.broker.percentage");
  c.controlled_shutdown_max_retries = b.get<int32_t>("controlled.shutdown.max.retries");
  c.controller_socket_timeout_ms = b.get<int32_t>("controller.socket.timeout.ms");
  c.controlled_shutdown_retry_backoff_ms = b.get<int64_t>("controlled.shutdown.retry.backoff.ms");

  build_network(b, c, hostname, overrides);
  build_connection_limits(b, c, overrides);

  c.num_partitions = b.get<int32_t>("num.partitions");
  c.default_replication_factor = b.get<int32_t>("default.replication.factor");
  c.message_max_bytes = b.get<int32_t>("message.max.bytes");
  c.fetch_max_bytes = b.get<int32_t>("fetch.max.bytes");
  c.log_message_timestamp_type = b.get<std::string>("log.message.timestamp.type");

  build_log(b, c);

  c.min_insync_replicas = b.get<int32_t>("min.insync.replicas");
  c.leader_replication_throttled_rate = b.get<int64_t>("leader.replication.throttled.rate");
  c.follower_replication_throttled_rate = b.get<int64_t>("follower.replication.throttled.rate");
  c.unclean_leader_election_enable = b.get<bool>("unclean.leader.election.enable");
  c.replica_lag_time_max_ms = b.get<int64_t>("replica.lag.time.max.ms");
  c.replica_fetch_max_bytes = b.get<int32_t>("replica.fetch.max.bytes");
  c.replica_fetch_wait_max_ms = b.get<int32_t>("replica.fetch.wait.max.ms");
  c.num_replica_fetchers = b.get<int32_t>("num.replica.fetchers");
  c.replica_fetch_min_bytes = b.get<int32_t>("replica.fetch.min.bytes");
  c.replica_fetch_response_max_bytes = b.get<int32_t>("replica.fetch.response.max.bytes");
  c.replica_fetch_backoff_ms = b.get<int32_t>("replica.fetch.backoff.ms");
  c.replica_socket_timeout_ms = b.get<int32_t>("replica.socket.timeout.ms");
  c.replica_high_watermark_checkpoint_interval_ms =
      b.get<int64_t>("replica.high.watermark.checkpoint.interval.ms");
  if (c.replica_fetch_wait_max_ms > c.replica_lag_time_max_ms) {
    b.error("replica.fetch.wait.max.ms",
            "must not exceed replica.lag.time.max.ms (" +
                std::to_string(c.replica_lag_time_max_ms) +
                "), or followers would drop out of the ISR while waiting");
  }

  c.offsets_topic_num_partitions = b.get<int32_t>("offsets.topic.num.partitions");
  c.offsets_topic_replication_factor =
      static_cast<int16_t>(b.get<int32_t>("offsets.topic.replication.factor"));
  c.offsets_retention_minutes = b.get<int32_t>("offsets.retention.minutes");
  c.group_initial_rebalance_delay_ms = b.get<int32_t>("group.initial.rebalance.delay.ms");
  c.group_min_session_timeout_ms = b.get<int32_t>("group.min.session.timeout.ms");
  c.group_max_session_timeout_ms = b.get<int32_t>("group.max.session.timeout.ms");
  c.group_max_size = b.get<int32_t>("group.max.size");
  c.group_coordinator_rebalance_protocols =
      b.get<config_list>("group.coordinator.rebalance.protocols");
  c.group_consumer_session_timeout_ms = b.get<int32_t>("group.consumer.session.timeout.ms");
  c.group_consumer_heartbeat_interval_ms = b.get<int32_t>("group.consumer.heartbeat.interval.ms");
  c.group_consumer_max_size = b.get<int32_t>("group.consumer.max.size");
  c.group_consumer_assignors = b.get<config_list>("group.consumer.assignors");
  c.group_consumer_migration_policy = b.get<std::string>("group.consumer.migration.policy");
  c.group_share_session_timeout_ms = b.get<int32_t>("group.share.session.timeout.ms");
  c.group_share_heartbeat_interval_ms = b.get<int32_t>("group.share.heartbeat.interval.ms");
  c.group_share_max_size = b.get<int32_t>("group.share.max.size");
  c.group_share_record_lock_duration_ms = b.get<int32_t>("group.share.record.lock.duration.ms");
  c.group_share_delivery_count_limit = b.get<int32_t>("group.share.delivery.count.limit");
  c.group_share_partition_max_record_locks =
      b.get<int32_t>("group.share.partition.max.record.locks");
  c.group_share_max_share_sessions = b.get<int32_t>("group.share.max.share.sessions");
  c.telemetry_max_bytes = b.get<int32_t>("telemetry.max.bytes");
  c.share_coordinator_state_topic_num_partitions =
      b.get<int32_t>("share.coordinator.state.topic.num.partitions");
  c.share_coordinator_state_topic_replication_factor =
      static_cast<int16_t>(b.get<int32_t>("share.coordinator.state.topic.replication.factor"));
  c.share_coordinator_state_topic_min_isr = b.get<int32_t>("share.coordinator.state.topic.min.isr");
  c.share_coordinator_state_topic_segment_bytes =
      b.get<int32_t>("share.coordinator.state.topic.segment.bytes");
  std::transform(c.group_consumer_migration_policy.begin(), c.group_consumer_migration_policy.end(),
                 c.group_consumer_migration_policy.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (c.group_consumer_assignors.empty())
    b.error("group.consumer.assignors", "at least one assignor is needed");
  c.transaction_state_log_replication_factor =
      static_cast<int16_t>(b.get<int32_t>("transaction.state.log.replication.factor"));
  c.transaction_state_log_min_isr = b.get<int32_t>("transaction.state.log.min.isr");
  c.transaction_state_log_num_partitions = b.get<int32_t>("transaction.state.log.num.partitions");
  c.transaction_state_log_segment_bytes = b.get<int32_t>("transaction.state.log.segment.bytes");
  c.transaction_max_timeout_ms = b.get<int32_t>("transaction.max.timeout.ms");
  c.transactional_id_expiration_ms = b.get<int32_t>("transactional.id.expiration.ms");
  c.transaction_abort_timed_out_transaction_cleanup_interval_ms =
      b.get<int32_t>("transaction.abort.timed.out.transaction.cleanup.interval.ms");
  c.transaction_remove_expired_transaction_cleanup_interval_ms =
      b.get<int32_t>("transaction.remove.expired.transaction.cleanup.interval.ms");
  c.transaction_partition_verification_enable =
      b.get<bool>("transaction.partition.verification.enable");
  c.producer_id_expiration_ms = b.get<int32_t>("producer.id.expiration.ms");
  c.producer_id_expiration_check_interval_ms =
      b.get<int32_t>("producer.id.expiration.check.interval.ms");

  c.sasl_enabled_mechanisms = b.get<config_list>("sasl.enabled.mechanisms");
  c.sasl_mechanism_inter_broker_protocol =
      b.get<std::string>("sasl.mechanism.inter.broker.protocol");
  c.sasl_server_max_receive_size = b.get<int32_t>("sasl.server.max.receive.size");
  c.connections_max_reauth_ms = b.get<int64_t>("connections.max.reauth.ms");
  c.password_encoder_secret = b.get_optional<std::string>("password.encoder.secret");
  c.password_encoder_old_secret = b.get_optional<std::string>("password.encoder.old.secret");
  if (auto f = b.get_optional<std::string>("password.encoder.keyfactory.algorithm"))
    c.password_encoder_keyfactory_algorithm = *f;
  c.password_encoder_cipher_algorithm = b.get<std::string>("password.encoder.cipher.algorithm");
  c.password_encoder_key_length = b.get<int32_t>("password.encoder.key.length");
  c.password_encoder_iterations = b.get<int32_t>("password.encoder.iterations");
  if (c.password_encoder_secret) {
    // "key: reason" from the encoder, for the start-up error naming the key.
    if (auto e = make_password_encoder(c, *c.password_encoder_secret); !e) {
      auto colon = e.message().find(": ");
      b.error(e.message().substr(0, colon), e.message().substr(colon + 2));
    }
  }
  c.authorizer_class_name = b.get<std::string>("authorizer.class.name");
  if (auto users = b.get_optional<std::string>("super.users")) {
    auto parsed = security::parse_super_users(*users);
    if (parsed)
      c.super_users.assign(parsed->begin(), parsed->end());
    else
      b.error("super.users", parsed.message());
  }
  c.allow_everyone_if_no_acl_found = b.get<bool>("allow.everyone.if.no.acl.found");

  c.zookeeper_connect = b.get_optional<std::string>("zookeeper.connect");
  if (c.zookeeper_connect && c.zookeeper_connect->empty()) c.zookeeper_connect.reset();
  c.zookeeper_session_timeout_ms = b.get<int32_t>("zookeeper.session.timeout.ms");
  c.zookeeper_connection_timeout_ms = b.get_optional<int32_t>("zookeeper.connection.timeout.ms")
                                          .value_or(c.zookeeper_session_timeout_ms);

  if (auto metrics = b.take(
          parse_metrics_listener("metrics.listener", b.get<std::string>("metrics.listener")))) {
    c.metrics_listener = *metrics;
    c.metrics_listener.is_default =
        b.entry("metrics.listener").source == config_source::default_config;
  }
  return c;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

std::string listener_config::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return name + "://" + h + ":" + std::to_string(port);
}

std::string metrics_listener_config::to_string() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + h + ":" + std::to_string(port);
}

const config_entry* server_config::find(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.key->name == key) return &e;
  }
  return nullptr;
}

std::map<std::string, std::string> server_config::given_properties() const {
  std::map<std::string, std::string> out;
  for (const auto& p : file_) out[p.key] = p.value;
  for (const auto& p : override_props_) out[p.key] = p.value;
  return out;
}

void server_config::resolve_bound_ports(const std::map<std::string, uint16_t>& bound_ports) {
  for (auto* list : {&typed_.listeners, &typed_.advertised_listeners}) {
    for (auto& l : *list) {
      auto it = bound_ports.find(l.name);
      if (l.port == 0 && it != bound_ports.end()) l.port = it->second;
    }
  }
}

std::string canonical_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  addrinfo hints{};
  hints.ai_flags = AI_CANONNAME;
  hints.ai_family = AF_UNSPEC;
  addrinfo* info = nullptr;
  std::string out = name;
  if (::getaddrinfo(name, nullptr, &hints, &info) == 0 && info != nullptr) {
    if (info->ai_canonname != nullptr && info->ai_canonname[0] != '\0') out = info->ai_canonname;
    ::freeaddrinfo(info);
  }
  return out;
}

result<server_config> load_layers(const std::vector<property>& file,
                                  const std::vector<property>& overrides,
                                  const dynamic_layers& dynamic,
                                  const std::function<std::string()>& hostname) {
  struct given {
    std::string value;
    bool overridden;
  };
  std::map<std::string, given> raw;
  for (const auto& p : file) raw[p.key] = {p.value, false};
  for (const auto& p : overrides) raw[p.key] = {p.value, true};

  server_config out;
  out.file_ = file;
  out.override_props_ = overrides;
  out.dynamic_ = dynamic;
  out.hostname_ = hostname;
  for (const auto& p : overrides) out.overrides_.emplace_back(p.key, p.value);
  for (const auto& [key, g] : raw) {
    const config_key* k = find_config_key(key);
    if (k == nullptr) {
      if (!parse_listener_key(key)) out.unknown_keys_.push_back(key);
    } else if (k->ignored) {
      out.ignored_keys_.push_back(key);
    }
  }

  std::vector<std::string> errors;
  // Parses and checks one layer's text for `k`; its formatted form, or nullopt after an error.
  auto check = [&](const config_key& k, const std::string& text) -> std::optional<config_value> {
    auto parsed = parse_config_value(k.type, text);
    if (!parsed.ok()) {
      errors.push_back("invalid value '" + text + "' for " + k.name + ": " + parsed.message());
      return std::nullopt;
    }
    config_value v = std::move(parsed).value();
    if (auto problem = k.valid.check ? k.valid.check(v) : std::nullopt) {
      errors.push_back("invalid value '" + text + "' for " + k.name + ": " + *problem);
      return std::nullopt;
    }
    return v;
  };
  for (const auto& k : config_catalogue()) {
    config_entry e;
    e.key = &k;
    std::optional<config_value> winner;
    if (k.default_value) {
      winner = check(k, *k.default_value);
      if (!winner) continue;
    }
    bool bad = false;
    auto layer = [&](const std::string* text, config_source source,
                     std::optional<std::string>& shown) {
      if (text == nullptr) return;
      auto v = check(k, *text);
      if (!v) {
        bad = true;
        return;
      }
      shown = format_config_value(*v);
      winner = std::move(v);
      e.source = source;
    };
    auto it = raw.find(k.name);
    layer(it == raw.end() ? nullptr : &it->second.value, config_source::static_broker_config,
          e.static_text);
    if (it != raw.end()) e.overridden = it->second.overridden;
    auto d = dynamic.cluster_default.find(k.name);
    layer(d == dynamic.cluster_default.end() ? nullptr : &d->second,
          config_source::dynamic_default_broker_config, e.dynamic_default_text);
    auto b = dynamic.broker.find(k.name);
    layer(b == dynamic.broker.end() ? nullptr : &b->second, config_source::dynamic_broker_config,
          e.dynamic_broker_text);
    if (bad) continue;
    if (winner) e.value = std::move(*winner);
    out.entries_.push_back(std::move(e));
  }
  // listener.name.<l>.<key>: checked as <key> is, layer by layer (the last one given wins).
  auto listener_layer = [&](const std::map<std::string, std::string>& layer) {
    for (const auto& [name, text] : layer) {
      auto lk = parse_listener_key(name);
      if (!lk) continue;
      auto parsed = parse_config_value(lk->key->type, text);
      std::optional<std::string> problem;
      if (!parsed.ok()) {
        problem = parsed.message();
      } else if (lk->key->valid.check) {
        problem = lk->key->valid.check(*parsed);
      }
      if (problem) {
        errors.push_back("invalid value '" + (lk->key->sensitive ? "[hidden]" : text) + "' for " +
                         name + ": " + *problem);
        continue;
      }
      out.listener_values_[name] = std::move(parsed).value();
    }
  };
  std::map<std::string, std::string> static_layer;
  for (const auto& [key, g] : raw) static_layer[key] = g.value;
  listener_layer(static_layer);
  listener_layer(dynamic.cluster_default);
  listener_layer(dynamic.broker);
  if (!errors.empty()) return fail(errc::invalid_config, join_lines(errors));

  builder b(out.entries_);
  out.typed_ = build(b, hostname, out.listener_values_);
  if (!b.errors().empty()) return fail(errc::invalid_config, join_lines(b.errors()));
  return out;
}

result<server_config> load_config(const std::vector<property>& file,
                                  const std::vector<property>& overrides,
                                  const std::function<std::string()>& hostname) {
  return load_layers(file, overrides, {}, hostname);
}

result<server_config> server_config::with_dynamic(const dynamic_layers& layers) const {
  auto next = load_layers(file_, override_props_, layers, hostname_);
  if (!next) return next;
  // Resolved at start-up, and never dynamic.
  next->typed_.broker_id = typed_.broker_id;
  next->typed_.listeners = typed_.listeners;
  next->typed_.advertised_listeners = typed_.advertised_listeners;
  next->typed_.metrics_listener = typed_.metrics_listener;
  return next;
}

}  // namespace sluice::server
