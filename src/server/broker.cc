#include "server/broker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "cluster/controller.h"
#include "cluster/embedded_metadata_store.h"
#include "cluster/producer_id_manager.h"
#include "cluster/topic_name.h"
#include "cluster/zk_metadata_store.h"
#include "cluster/zk_session.h"
#include "coordinator/group_configs.h"
#include "coordinator/group_coordinator.h"
#include "handlers/broker_services.h"
#include "handlers/dispatcher.h"
#include "handlers/request_workers.h"
#include "handlers/txn_markers.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_table.h"
#include "replication/replica_manager.h"
#include "security/acl_manager.h"
#include "server/authorizer_setup.h"
#include "server/config_provider.h"
#include "server/connection_limits.h"
#include "server/controller_link.h"
#include "server/coordinator_glue.h"
#include "server/dynamic_broker_config.h"
#include "server/log_defaults.h"
#include "server/quota_refresher.h"
#include "server/sasl_setup.h"
#include "server/share_persister.h"
#include "server/txn_marker_channel.h"
#include "server/txn_verifier.h"
#include "share/share_partition_manager.h"
#include "share/share_state_store.h"
#include "storage/log_dir.h"
#include "storage/log_manager.h"
#include "telemetry/client_telemetry.h"
#include "transaction/txn_coordinator.h"

namespace sluice::server {
namespace {

constexpr int max_in_flight_per_connection = 16;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

broker::broker(server_config config)
    : config_(std::move(config)),
      dynamic_config_(std::make_unique<dynamic_broker_config>(config_)),
      group_configs_(std::make_unique<coordinator::group_configs>()) {}

broker::~broker() {
  stop(std::chrono::milliseconds(0));
}

result<void> broker::start() {
  // 1. Metrics first: start-up itself can be watched.
  if (auto r = start_metrics_endpoint(); !r.ok()) {
    stop();
    return r;
  }
  // Key and trust stores next: a bad file or password stops start-up before anything is opened.
  if (auto r = start_tls(); !r.ok()) {
    stop();
    return r;
  }

  // 1b. SASL listeners' mechanisms and the inter-broker credentials, checked before anything
  //     talks to another broker.
  if (auto s = make_sasl_setup(config_); !s) {
    stop();
    return std::move(s).error();
  } else {
    sasl_ = std::make_unique<sasl_setup>(std::move(*s));
    if (sasl_->inter_broker)
      inter_broker_security_.sasl = inter_broker_client_sasl(*sasl_->inter_broker);
  }

  // 2. Subsystems, in dependency order (ZooKeeper in cluster mode — it decides the cluster id —,
  //    storage, then metadata, then coordinators). Each one registers what it must do at
  //    shutdown with add_shutdown_step().
  if (auto r = start_zookeeper(); !r.ok()) {
    stop();
    return r;
  }
  if (config_.typed().broker_id < 0) resolve_broker_id(std::nullopt);
  if (auto r = start_storage(); !r.ok()) {
    stop();
    return r;
  }
  if (auto r = start_metadata(); !r.ok()) {
    stop();
    return r;
  }
  if (auto r = start_authorizer(); !r.ok()) {
    stop();
    return r;
  }

  if (sasl_->services) {
    follow_user_credentials(*metadata_, sasl_->services->credentials);
    follow_delegation_tokens(*metadata_, *sasl_->services, sasl_->token_settings);
    start_token_expiry();
  }

  // 3. The request dispatcher: the one place where request handling plugs in.
  dispatcher_ = make_dispatcher();

  // 4. Kafka listeners last, so no client arrives before everything behind them is ready.
  server_ = std::make_unique<net::tcp_server>(network_options(), *dispatcher_, metrics_);
  if (auto bound = server_->bind(); !bound.ok()) {
    stop();
    return fail(errc::start_failed, bound.message());
  }
  std::map<std::string, uint16_t> ports;
  for (const auto& l : server_->listeners()) ports[l.name] = l.port;
  config_.resolve_bound_ports(ports);
  // Advertise the ports actually bound (a listener may ask for port 0).
  cluster::broker_info self;
  self.id = config_.typed().broker_id;
  self.rack = config_.typed().broker_rack;
  for (const auto& l : config_.typed().advertised_listeners)
    self.endpoints.push_back({l.name, l.security_protocol, l.host, l.port});
  if (auto r = metadata_->register_broker(self); !r) {
    stop();
    return fail(errc::start_failed, r.message());
  }
  if (controller_) controller_->start();
  if (auto started = server_->start(); !started.ok()) {
    stop();
    return fail(errc::start_failed, started.message());
  }
  started_ = true;
  log_summary();
  return ok_v;
}

std::unique_ptr<net::request_dispatcher> broker::make_dispatcher() {
  const broker_config& c = config_.typed();
  handlers::broker_settings settings;
  settings.broker_id = c.broker_id;
  settings.auto_create_topics = c.auto_create_topics_enable;
  settings.num_partitions = c.num_partitions;
  settings.default_replication_factor = static_cast<int16_t>(c.default_replication_factor);
  settings.offsets_topic_partitions = c.offsets_topic_num_partitions;
  settings.offsets_topic_replication_factor = c.offsets_topic_replication_factor;
  settings.transaction_state_partitions = c.transaction_state_log_num_partitions;
  settings.transaction_state_replication_factor = c.transaction_state_log_replication_factor;
  settings.transaction_state_min_isr = c.transaction_state_log_min_isr;
  settings.transaction_state_segment_bytes = c.transaction_state_log_segment_bytes;
  settings.rack = c.broker_rack.value_or("");
  settings.log_dirs = c.log_dirs;
  // Client quotas: read once now, then after every change notice (quota_refresher.h).
  client_quotas_ = std::make_unique<quota::client_quotas>(
      rate_window{c.quota_window_num, std::chrono::seconds(c.quota_window_size_seconds)});
  // The acceptor's limits: the broker configs now, the IP entities' rates from the refresher.
  connection_quotas_ = std::make_shared<net::connection_quotas>(
      connection_limits_of(dynamic_config_->current()->typed()));
  // KIP-714 client metrics: the subscriptions follow the client configs too; pushed values are
  // shown on /metrics.
  telemetry::telemetry_options telemetry_options;
  telemetry_options.max_bytes = c.telemetry_max_bytes;
  telemetry_ = std::make_unique<telemetry::client_telemetry>(telemetry_options);
  telemetry_metrics_ = metrics_.add_collector(
      "sluice_client_metric",
      "Metrics pushed by clients (KIP-714 PushTelemetry) for the client-metrics subscriptions "
      "that match them: the latest value of each gauge, the running total of each delta sum.",
      metrics::metric_type::gauge, telemetry::client_telemetry::label_names(),
      [t = telemetry_.get()](metrics::sample_sink& sink) { t->collect(sink); });
  // Group configs (KIP-848/932) are client configs too.
  quota_refresher_ = std::make_unique<quota_refresher>(
      *metadata_, *client_quotas_, *connection_quotas_,
      [t = telemetry_.get(),
       g = group_configs_.get()](const std::map<std::string, cluster::config_map>& configs) {
        t->set_subscriptions(configs);
        g->set_all(configs);
      });
  metadata_->watch([r = quota_refresher_.get()](const cluster::metadata_change& change) {
    if (change.what == cluster::metadata_change::kind::client_configs_changed) r->changed();
  });
  add_shutdown_step("stop following client quotas", [this] { quota_refresher_->stop(); });
  services_ = std::make_unique<handlers::broker_services>(handlers::broker_services{
      settings, *metadata_, *replicas_, *config_provider_, groups_.get(), controller_.get(),
      producer_ids_.get(), transactions_.get(), sasl_ ? sasl_->services.get() : nullptr});
  services_->acls = acls_.get();
  services_->quotas = client_quotas_.get();
  services_->shares = shares_.get();
  services_->share_states = share_states_.get();
  services_->share_persister = share_persister_.get();
  services_->telemetry = telemetry_.get();
  services_->group_configs = group_configs_.get();
  workers_ = std::make_unique<handlers::request_workers>(c.num_io_threads);
  return std::make_unique<handlers::dispatcher>(*services_, workers_.get());
}

// Storage: lock and recover every log dir (meta.properties carries cluster.id and broker.id).
result<void> broker::start_storage() {
  const broker_config& c = config_.typed();
  storage::log_manager_options o;
  o.log_dirs = c.log_dirs;
  o.defaults = log_defaults(c);
  o.broker_id = c.broker_id;
  if (!cluster_id_.empty()) {
    o.cluster_id = cluster_id_;  // ZooKeeper's /cluster/id
  } else {
    auto meta = storage::read_meta_properties(storage::posix_file_io(), c.log_dirs.front());
    o.cluster_id = meta && meta->cluster_id ? *meta->cluster_id
                                            : cluster::embedded_metadata_store::new_cluster_id();
  }
  o.retention_check_interval_ms = c.log_retention_check_interval_ms;
  o.cleaner_enable = c.log_cleaner_enable;
  o.recovery_threads = c.num_recovery_threads_per_data_dir;
  o.producer_id_expiration_ms = c.producer_id_expiration_ms;
  o.producer_id_expiration_check_interval_ms = c.producer_id_expiration_check_interval_ms;
  auto logs = storage::log_manager::open(o);
  if (!logs) return fail(errc::start_failed, logs.message());
  logs_ = std::move(*logs);
  logs_->start();
  cluster_id_ = *o.cluster_id;
  add_shutdown_step("flush and close the logs", [this] {
    if (auto r = logs_->shutdown(); !r) spdlog::error("log shutdown: {}", r.message());
  });
  return ok_v;
}

// Cluster mode: one ZooKeeper session for the broker's registration, its metadata cache and its
// controller candidate. ZooKeeper's /cluster/id wins over a fresh id; log dirs that belong to
// another cluster are refused.
result<void> broker::start_zookeeper() {
  const broker_config& c = config_.typed();
  if (!c.zookeeper_connect) return ok_v;
  cluster::zk_options zo;
  zo.connect = *c.zookeeper_connect;
  zo.session_timeout = std::chrono::milliseconds(c.zookeeper_session_timeout_ms);
  zo.connection_timeout = std::chrono::milliseconds(c.zookeeper_connection_timeout_ms);
  auto session = cluster::zk_session::connect(zo);
  if (!session)
    return fail(errc::start_failed, "zookeeper.connect=" + zo.connect + ": " + session.message());
  zk_ = std::move(*session);  // closed last in stop(), after the store that uses it
  if (c.broker_id < 0) {
    auto generated = generate_broker_id();
    if (!generated) return generated.error();
    resolve_broker_id(*generated);
  }

  config_provider_ = std::make_unique<broker_config_provider>(*dynamic_config_);
  cluster::zk_metadata_options mo;
  mo.broker_id = c.broker_id;
  mo.default_partitions = c.num_partitions;
  mo.default_replication_factor = static_cast<int16_t>(c.default_replication_factor);
  mo.delete_topic_enable = c.delete_topic_enable;
  mo.session_timeout = zo.session_timeout;
  mo.validate_config = [provider = config_provider_.get()](const std::string& k,
                                                           const std::string& v) {
    return provider->validate_topic_config(k, v);
  };
  std::string expected;
  for (const auto& dir : c.log_dirs) {
    auto meta = storage::read_meta_properties(storage::posix_file_io(), dir);
    if (meta && meta->cluster_id) {
      expected = *meta->cluster_id;
      break;
    }
  }
  auto store = cluster::zk_metadata_store::open(std::move(mo), *zk_, expected,
                                                cluster::embedded_metadata_store::new_cluster_id());
  if (!store) return fail(errc::start_failed, "ZooKeeper metadata: " + store.message());
  zk_store_ = store->get();
  metadata_ = std::move(*store);
  cluster_id_ = metadata_->cluster_id();
  return ok_v;
}

// broker.id=-1: the id in a log dir's meta.properties wins; else `generated` (cluster mode) or 0.
void broker::resolve_broker_id(std::optional<int32_t> generated) {
  int32_t id = generated.value_or(0);
  for (const auto& dir : config_.typed().log_dirs) {
    auto meta = storage::read_meta_properties(storage::posix_file_io(), dir);
    if (meta && meta->broker_id) {
      id = *meta->broker_id;
      break;
    }
  }
  config_.resolve_broker_id(id);
  spdlog::info("broker.id is not set: using {}", id);
}

// Kafka's generated broker ids: reserved.broker.max.id + the new version of /brokers/seqid. A
// log dir that already has an id keeps it (no sequence number is taken then).
result<int32_t> broker::generate_broker_id() {
  const broker_config& c = config_.typed();
  for (const auto& dir : c.log_dirs) {
    auto meta = storage::read_meta_properties(storage::posix_file_io(), dir);
    if (meta && meta->broker_id) return *meta->broker_id;
  }
  if (!c.broker_id_generation_enable)
    return fail(errc::start_failed,
                "broker.id is not set, no log dir has one in meta.properties, and "
                "broker.id.generation.enable is false");
  const std::string path = "/brokers/seqid";
  auto set = zk_->set(path, "");
  if (!set && set.code() == cluster::zk_errc::no_node) {
    auto made = zk_->create_recursive(path, "");
    if (!made && made.code() != cluster::zk_errc::node_exists)
      return fail(errc::start_failed,
                  "cannot create " + path + " in ZooKeeper: " + cluster::to_string(made.code()));
    set = zk_->set(path, "");
  }
  if (!set)
    return fail(errc::start_failed,
                "cannot generate a broker.id from " + path + ": " + cluster::to_string(set.code()));
  return c.reserved_broker_max_id + set->version;
}

// Metadata (embedded: no zookeeper.connect; cluster mode: opened by start_zookeeper) and the
// partitions this broker hosts.
result<void> broker::start_metadata() {
  const broker_config& c = config_.typed();
  if (!metadata_) {
    config_provider_ = std::make_unique<broker_config_provider>(*dynamic_config_);
    cluster::embedded_options eo;
    eo.dir = c.log_dirs.front();
    eo.self.id = c.broker_id;
    eo.self.rack = c.broker_rack;
    for (const auto& l : c.advertised_listeners)
      eo.self.endpoints.push_back({l.name, l.security_protocol, l.host, l.port});
    eo.default_partitions = c.num_partitions;
    eo.default_replication_factor = static_cast<int16_t>(c.default_replication_factor);
    eo.delete_topic_enable = c.delete_topic_enable;
    eo.validate_config = [provider = config_provider_.get()](const std::string& k,
                                                             const std::string& v) {
      return provider->validate_topic_config(k, v);
    };
    auto store = cluster::embedded_metadata_store::open(std::move(eo), cluster_id_);
    if (!store) return fail(errc::start_failed, store.message());
    embedded_store_ = store->get();
    metadata_ = std::move(*store);
  }
  producer_ids_ = std::make_unique<cluster::producer_id_manager>(*metadata_, c.broker_id);
  // Dynamic broker configs stored earlier apply from the start (passwords stored under a rotated
  // password.encoder.secret re-encoded first, as Kafka does).
  dynamic_config_->reencode_passwords(*metadata_);
  dynamic_config_->refresh(*metadata_);
  const auto snapshot = dynamic_config_->current();
  const broker_config& live = snapshot->typed();
  reload_tls(live);  // key stores renewed dynamically before a restart, not server.properties'
  if (zk_) start_controller();

  replication::replica_manager::options ro;
  ro.broker_id = c.broker_id;
  ro.make_log_config = [dynamic = dynamic_config_.get()](const cluster::config_map& overrides)
      -> replication::result<std::shared_ptr<const storage::log_config>> {
    auto l = topic_log_config(log_defaults(dynamic->current()->typed()), overrides);
    if (!l) return fail(replication::errc::unknown, l.message());
    return std::make_shared<const storage::log_config>(std::move(*l));
  };
  ro.min_insync_replicas = live.min_insync_replicas;
  ro.replica_lag_time_max_ms = c.replica_lag_time_max_ms;
  ro.replica_fetch_max_bytes = c.replica_fetch_max_bytes;
  ro.replica_fetch_wait_max_ms = c.replica_fetch_wait_max_ms;
  ro.num_replica_fetchers = c.num_replica_fetchers;
  ro.replica_fetch_min_bytes = c.replica_fetch_min_bytes;
  ro.replica_fetch_response_max_bytes = c.replica_fetch_response_max_bytes;
  ro.replica_fetch_backoff_ms = c.replica_fetch_backoff_ms;
  ro.replica_socket_timeout_ms = c.replica_socket_timeout_ms;
  ro.high_watermark_checkpoint_interval_ms = c.replica_high_watermark_checkpoint_interval_ms;
  ro.security = inter_broker_security_;
  if (zk_) {
    ro.controller_managed = true;
    ro.send_isr_change = [link = link_.get()](replication::isr_change change, auto done) {
      link->send_isr_change(std::move(change), std::move(done));
    };
    ro.locate_broker = [link = link_.get()](int32_t id) { return link->locate(id); };
  }
  if (c.transaction_partition_verification_enable) {
    // The verifier exists once the transaction coordinator does; the replica manager comes first.
    ro.verify_transaction = [this](replication::verification_request request, auto done) {
      if (!txn_verifier_)  // not started yet: the client retries
        return done(txn_verifier::fail_all(
            request, static_cast<int16_t>(protocol::error_code::coordinator_not_available)));
      txn_verifier_->verify(std::move(request), std::move(done));
    };
  }
  replicas_ = std::make_unique<replication::replica_manager>(std::move(ro), *logs_, *metadata_);
  start_group_coordinator();
  start_transaction_coordinator();
  replicas_->reconcile();
  metadata_->watch([this](const cluster::metadata_change& change) {
    if (change.what == cluster::metadata_change::kind::broker_configs_changed)
      apply_dynamic_configs();
    replicas_->on_metadata_change(change);
  });
  // A change stored between the first read and the watch.
  if (apply_dynamic_configs()) replicas_->reconcile();
  under_replicated_ = metrics_.add_collector(
      "sluice_under_replicated_partitions",
      "Partitions led here whose ISR is smaller than their replica set.",
      metrics::metric_type::gauge, {}, [r = replicas_.get()](metrics::sample_sink& sink) {
        sink.add({}, r->under_replicated_count());
      });
  add_shutdown_step("answer waiting requests", [this] {
    under_replicated_.reset();
    replicas_->shutdown();
  });
  add_shutdown_step("stop the group coordinator", [this] {
    groups_->stop();
    coordinator_timer_->stop();
  });
  add_shutdown_step("stop the transaction coordinator", [this] {
    txn_verifier_->stop();
    txn_markers_->stop();
    transactions_->stop();
    txn_timer_->stop();
  });
  return ok_v;
}

// Delegation tokens past their expiry leave the store every
// delegation.token.expiry.check.interval.ms, as Kafka's "delete-expired-tokens" task does.
void broker::start_token_expiry() {
  auto* manager = sasl_->services->token_manager.get();
  if (!manager) return;
  const int64_t interval = manager->settings().expiry_check_interval_ms;
  auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  token_timer_ = std::make_unique<coordinator_timer>();
  token_timer_->start([this, manager, interval, now] {
    for (const auto& id : manager->remove_expired(now()))
      spdlog::info("Delegation token {} expired and removed", id);
    token_timer_->arm(now() + interval);
  });
  token_timer_->arm(now() + interval);
  add_shutdown_step("stop expiring delegation tokens", [this] { token_timer_->stop(); });
}

// Authorization (authorizer.class.name): the ACLs, before the first request can need them.
result<void> broker::start_authorizer() {
  auto acls = open_authorizer(config_.typed(), zk_.get(), embedded_store_);
  if (!acls) return std::move(acls).error();
  acls_ = std::move(*acls);
  return ok_v;
}

// A dynamic broker config may have changed: what is not re-read per use is pushed. True when
// something changed; the caller then has the replica manager re-apply the log configs.
bool broker::apply_dynamic_configs() {
  if (!dynamic_config_->refresh(*metadata_)) return false;
  const auto snapshot = dynamic_config_->current();
  const broker_config& live = snapshot->typed();
  replicas_->set_default_min_insync_replicas(live.min_insync_replicas);
  replicas_->set_replication_throttle_rates(live.leader_replication_throttled_rate,
                                            live.follower_replication_throttled_rate);
  if (controller_)
    controller_->set_unclean_leader_election_default(live.unclean_leader_election_enable);
  reload_tls(live);
  if (connection_quotas_) {
    auto limits = connection_limits_of(live);
    if (limits != connection_quotas_->limits()) connection_quotas_->update(std::move(limits));
  }
  return true;
}

// Cluster mode: the controller candidate and the link to whichever broker is the controller.
void broker::start_controller() {
  const broker_config& c = config_.typed();
  cluster::controller_options co;
  co.broker_id = c.broker_id;
  co.inter_broker_listener = c.inter_broker_listener_name;
  co.auto_leader_rebalance = c.auto_leader_rebalance_enable;
  co.unclean_leader_election = dynamic_config_->current()->typed().unclean_leader_election_enable;
  co.delete_topic_enable = c.delete_topic_enable;
  co.leader_imbalance_check_interval_seconds =
      static_cast<int32_t>(c.leader_imbalance_check_interval_seconds);
  co.leader_imbalance_per_broker_percentage = c.leader_imbalance_per_broker_percentage;
  co.request_timeout_ms = c.controller_socket_timeout_ms;
  co.security = inter_broker_security_;
  controller_ = std::make_unique<cluster::controller>(co, *zk_);
  add_shutdown_step("stop the controller", [this] { controller_->stop(); });

  controller_link_options lo;
  lo.broker_id = c.broker_id;
  lo.listener_name = c.inter_broker_listener_name;
  lo.broker_epoch = [store = zk_store_] { return store->broker_epoch(); };
  lo.security = inter_broker_security_;
  link_ = std::make_unique<controller_link>(lo, *metadata_);
  add_shutdown_step("stop the controller link", [this] { link_->stop(); });
}

// Consumer groups: the coordinator state machine, fed by the leadership of __consumer_offsets
// partitions, writing its records through the replica manager.
void broker::start_group_coordinator() {
  const broker_config& c = config_.typed();
  coordinator::coordinator_config gc;
  gc.offsets_topic_partitions = c.offsets_topic_num_partitions;
  gc.min_session_timeout_ms = c.group_min_session_timeout_ms;
  gc.max_session_timeout_ms = c.group_max_session_timeout_ms;
  gc.initial_rebalance_delay_ms = c.group_initial_rebalance_delay_ms;
  gc.max_group_size = c.group_max_size;
  gc.consumer_protocol_enabled =
      std::find(c.group_coordinator_rebalance_protocols.begin(),
                c.group_coordinator_rebalance_protocols.end(),
                "consumer") != c.group_coordinator_rebalance_protocols.end();
  gc.consumer_session_timeout_ms = c.group_consumer_session_timeout_ms;
  gc.share_protocol_enabled = std::find(c.group_coordinator_rebalance_protocols.begin(),
                                        c.group_coordinator_rebalance_protocols.end(),
                                        "share") != c.group_coordinator_rebalance_protocols.end();
  gc.share_session_timeout_ms = c.group_share_session_timeout_ms;
  gc.share_heartbeat_interval_ms = c.group_share_heartbeat_interval_ms;
  gc.share_max_size = c.group_share_max_size;
  gc.consumer_heartbeat_interval_ms = c.group_consumer_heartbeat_interval_ms;
  gc.consumer_max_size = c.group_consumer_max_size;
  gc.consumer_assignors = c.group_consumer_assignors;
  gc.migration_upgrade = c.group_consumer_migration_policy == "upgrade" ||
                         c.group_consumer_migration_policy == "bidirectional";
  gc.migration_downgrade = c.group_consumer_migration_policy == "downgrade" ||
                           c.group_consumer_migration_policy == "bidirectional";
  gc.offsets_retention_ms = int64_t{c.offsets_retention_minutes} * 60 * 1000;
  gc.group_override = [g = group_configs_.get()](const std::string& group, std::string_view key) {
    return g->int_value(group, std::string(key));
  };
  coordinator::coordinator_hooks hooks;
  hooks.partition_exists = [store = metadata_.get()](const std::string& topic, int32_t p) {
    auto t = store->topic(topic);
    return t && p >= 0 && p < static_cast<int32_t>(t->partitions.size());
  };
  hooks.topic_lookup = [store = metadata_.get()](
                           const std::string& topic) -> std::optional<coordinator::topic_info> {
    auto t = store->topic(topic);
    if (!t) return std::nullopt;
    return coordinator::topic_info{t->id, static_cast<int32_t>(t->partitions.size())};
  };
  hooks.topic_names = [store = metadata_.get()] {
    std::vector<std::string> names;
    for (const auto& t : store->topics())
      if (!t.internal) names.push_back(t.name);
    return names;
  };
  hooks.topic_name = [store =
                          metadata_.get()](const protocol::uuid& id) -> std::optional<std::string> {
    auto t = store->topic_by_id(id);
    if (!t) return std::nullopt;
    return t->name;
  };
  offsets_log_ = std::make_unique<internal_topic_log>(*replicas_,
                                                      std::string(cluster::consumer_offsets_topic));
  coordinator_timer_ = std::make_unique<coordinator_timer>();
  groups_ = std::make_unique<coordinator::group_coordinator>(
      gc, *offsets_log_, *coordinator_timer_,
      [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      },
      hooks);
  coordinator_timer_->start([g = groups_.get()] { g->on_timer(); });
  groups_->start();
  replicas_->on_leadership_change([g = groups_.get()](const std::string& topic, int32_t partition,
                                                      std::optional<int32_t> epoch) {
    if (topic == cluster::consumer_offsets_topic) {
      if (epoch) {
        g->on_partition_elected(partition, *epoch);
      } else {
        g->on_partition_resigned(partition, std::nullopt);
      }
    }
  });

  start_share_groups();
}

// Share groups (KIP-932): the share coordinator of the __share_group_state partitions led here,
// the persister through which partition leaders keep their share partitions' state, and the
// share partitions of the partitions led here (a leadership change loads them again).
void broker::start_share_groups() {
  const broker_config& c = config_.typed();
  share_log_ = std::make_unique<internal_topic_log>(*replicas_,
                                                    std::string(cluster::share_group_state_topic));
  share_states_ = std::make_unique<share::share_state_store>(
      *share_log_, c.share_coordinator_state_topic_num_partitions, [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      });
  share_persister_options po;
  po.broker_id = c.broker_id;
  po.listener_name = c.inter_broker_listener_name;
  po.request_timeout = std::chrono::milliseconds(c.controller_socket_timeout_ms);
  po.security = inter_broker_security_;
  po.state_partitions = c.share_coordinator_state_topic_num_partitions;
  po.replication_factor = c.share_coordinator_state_topic_replication_factor;
  po.min_isr = c.share_coordinator_state_topic_min_isr;
  po.segment_bytes = c.share_coordinator_state_topic_segment_bytes;
  share_persister_ = std::make_unique<share_persister>(std::move(po), *metadata_, *share_states_);
  share_persister_->start();
  share::manager_config sc;
  sc.delivery.record_lock_duration_ms = c.group_share_record_lock_duration_ms;
  sc.delivery.delivery_count_limit = static_cast<int16_t>(c.group_share_delivery_count_limit);
  sc.delivery.max_record_locks = c.group_share_partition_max_record_locks;
  sc.max_share_sessions = c.group_share_max_share_sessions;
  sc.delivery_for = [base = sc.delivery, g = group_configs_.get()](const std::string& group) {
    share::delivery_config d = base;
    if (auto v = g->int_value(group, "share.record.lock.duration.ms"))
      d.record_lock_duration_ms = *v;
    if (auto v = g->int_value(group, "share.delivery.count.limit"))
      d.delivery_count_limit = static_cast<int16_t>(std::min<int32_t>(*v, INT16_MAX));
    if (auto v = g->int_value(group, "share.partition.max.record.locks")) d.max_record_locks = *v;
    return d;
  };
  shares_ = std::make_unique<share::share_partition_manager>(sc, share_persister_.get());
  replicas_->on_leadership_change(
      [s = shares_.get(), states = share_states_.get(), store = metadata_.get()](
          const std::string& topic, int32_t partition, std::optional<int32_t> epoch) {
        if (topic == cluster::share_group_state_topic) {
          if (epoch) {
            states->on_partition_elected(partition, *epoch);
          } else {
            states->on_partition_resigned(partition, std::nullopt);
          }
        }
        if (auto t = store->topic(topic)) s->forget_partition(t->id, partition);
      });
  add_shutdown_step("stop the share persister", [this] { share_persister_->stop(); });
}

// Transactions: the coordinator state machine, fed by the leadership of __transaction_state
// partitions, writing its records through the replica manager and its markers through the
// marker channel (in process for partitions led here, WriteTxnMarkers for the others).
void broker::start_transaction_coordinator() {
  const broker_config& c = config_.typed();
  transaction::txn_config tc;
  tc.state_log_partitions = c.transaction_state_log_num_partitions;
  tc.max_timeout_ms = c.transaction_max_timeout_ms;
  tc.id_expiration_ms = c.transactional_id_expiration_ms;
  tc.abort_timed_out_interval_ms = c.transaction_abort_timed_out_transaction_cleanup_interval_ms;
  tc.remove_expired_interval_ms = c.transaction_remove_expired_transaction_cleanup_interval_ms;
  tc.offsets_topic_partitions = c.offsets_topic_num_partitions;
  transaction::txn_hooks hooks;
  hooks.allocate_producer_id = [ids = producer_ids_.get()]() -> std::optional<int64_t> {
    auto id = ids->next();
    if (!id) {
      spdlog::warn("transaction coordinator: no producer id available: {}", id.message());
      return std::nullopt;
    }
    return *id;
  };
  hooks.partition_exists = [store = metadata_.get()](const transaction::topic_partition& tp) {
    auto t = store->topic(tp.topic);
    return t && tp.partition >= 0 && tp.partition < static_cast<int32_t>(t->partitions.size());
  };
  hooks.group_partition = [g = groups_.get()](std::string_view group) {
    return g->partition_for(group);
  };
  txn_log_ = std::make_unique<internal_topic_log>(*replicas_,
                                                  std::string(cluster::transaction_state_topic));
  txn_timer_ = std::make_unique<coordinator_timer>();
  txn_marker_channel_options mo;
  mo.broker_id = c.broker_id;
  mo.listener_name = c.inter_broker_listener_name;
  mo.request_timeout = std::chrono::milliseconds(c.controller_socket_timeout_ms);
  mo.security = inter_broker_security_;
  mo.write_locally = [this](protocol::write_txn_markers_request request, int32_t timeout_ms,
                            std::function<void(protocol::write_txn_markers_response)> done) {
    if (!services_) return false;  // the request handlers are not set up yet
    handlers::write_txn_markers(*services_, std::move(request), timeout_ms, std::move(done));
    return true;
  };
  txn_markers_ = std::make_unique<txn_marker_channel>(std::move(mo), *metadata_);
  transactions_ = std::make_unique<transaction::txn_coordinator>(
      tc, *txn_log_, *txn_markers_, *txn_timer_,
      [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      },
      hooks);
  txn_verifier_ =
      std::make_unique<txn_verifier>(c.broker_id, c.inter_broker_listener_name, *metadata_,
                                     *transactions_, inter_broker_security_);
  txn_markers_->start();
  txn_timer_->start([t = transactions_.get()] { t->on_timer(); });
  transactions_->start();
  replicas_->on_leadership_change([t = transactions_.get()](const std::string& topic,
                                                            int32_t partition,
                                                            std::optional<int32_t> epoch) {
    if (topic != cluster::transaction_state_topic) return;
    if (epoch) {
      t->on_partition_elected(partition, *epoch);
    } else {
      t->on_partition_resigned(partition, std::nullopt);
    }
  });
}

net::tcp_server_options broker::network_options() const {
  const broker_config& c = config_.typed();
  net::tcp_server_options o;
  for (const auto& l : c.listeners) {
    auto tls = tls_contexts_.find(l.name);
    o.listeners.push_back(
        net::listener_endpoint{l.name, l.security_protocol, l.host, l.port,
                               tls == tls_contexts_.end() ? nullptr : tls->second});
    if (const auto* sasl = sasl_ && sasl_->services ? sasl_->services->find(l.name) : nullptr)
      o.listeners.back().sasl_max_receive_bytes = sasl->max_receive_size;
  }
  o.network_threads = c.num_network_threads;
  o.max_request_bytes = c.socket_request_max_bytes;
  o.idle_timeout = std::chrono::milliseconds(c.connections_max_idle_ms);
  o.max_in_flight_per_connection = std::min(c.queued_max_requests, max_in_flight_per_connection);
  o.quotas = connection_quotas_;
  o.send_buffer_bytes = c.socket_send_buffer_bytes;
  o.receive_buffer_bytes = c.socket_receive_buffer_bytes;
  o.api_name = [](int16_t key) {
    const auto* api = protocol::find_api(key);
    return api ? std::string(api->name) : std::to_string(key);
  };
  return o;
}

result<void> broker::start_metrics_endpoint() {
  const metrics_listener_config& m = config_.typed().metrics_listener;
  net::http_server_options o;
  o.host = m.host;
  o.port = m.port;
  o.next_free_port = m.is_default;  // several brokers on one host share the default
  http_ = std::make_unique<net::http_server>(o);
  http_->route("/metrics", [this] {
    return net::http_response{200, "text/plain; version=0.0.4; charset=utf-8", metrics_.expose()};
  });
  http_->route("/healthz", [] { return net::http_response{200, "text/plain", "ok\n"}; });
  auto started = http_->start();
  if (!started.ok()) {
    return fail(errc::start_failed, "metrics.listener " + m.to_string() + ": " + started.message());
  }
  if (http_->port() != m.port && m.port != 0) {
    spdlog::warn("metrics port {} is in use; serving metrics on port {} instead", m.port,
                 http_->port());
  }
  return ok_v;
}

void broker::log_summary() const {
  const broker_config& c = config_.typed();
  std::vector<std::string> listeners, advertised, overrides;
  for (const auto& l : c.listeners) listeners.push_back(l.to_string());
  for (const auto& l : c.advertised_listeners) advertised.push_back(l.to_string());
  for (const auto& [k, v] : config_.overrides()) overrides.push_back(k + "=" + v);
  spdlog::info("sluiced started: broker.id={}, {}", c.broker_id,
               c.zookeeper_connect ? "ZooKeeper " + *c.zookeeper_connect
                                   : std::string("embedded metadata (no zookeeper.connect)"));
  spdlog::info("  listeners: {}", join(listeners));
  spdlog::info("  advertised listeners: {}", join(advertised));
  spdlog::info("  log dirs: {}", join(c.log_dirs));
  spdlog::info("  config overrides: {}", overrides.empty() ? "none" : join(overrides));
  metrics_listener_config shown = c.metrics_listener;
  shown.port = metrics_port();
  spdlog::info("  metrics: {}/metrics", shown.to_string());
}

void broker::add_shutdown_step(std::string name, std::function<void()> step) {
  shutdown_steps_.emplace_back(std::move(name), std::move(step));
}

void broker::stop(std::chrono::milliseconds drain_timeout) {
  if (stopped_) return;
  stopped_ = true;
  // Cluster mode: hand leaderships to other replicas while still serving, as Kafka does.
  if (started_ && link_ && config_.typed().controlled_shutdown_enable) {
    if (!link_->controlled_shutdown(
            config_.typed().controlled_shutdown_max_retries,
            std::chrono::milliseconds(config_.typed().controlled_shutdown_retry_backoff_ms)))
      spdlog::warn("controlled shutdown did not complete; stopping anyway");
  }
  if (server_) {
    server_->stop_accepting();
    // Long polls answer now with what they have, so draining does not wait out their timeouts.
    if (replicas_) replicas_->shutdown();
    server_->stop(drain_timeout);  // in-flight requests are answered first
  }
  if (workers_) workers_->stop();
  for (auto it = shutdown_steps_.rbegin(); it != shutdown_steps_.rend(); ++it) {
    spdlog::info("shutdown: {}", it->first);
    it->second();
  }
  shutdown_steps_.clear();
  server_.reset();
  dispatcher_.reset();
  workers_.reset();
  services_.reset();
  acls_.reset();  // stops following the ACL change notices before the session closes
  txn_verifier_.reset();
  transactions_.reset();
  txn_markers_.reset();
  txn_timer_.reset();
  token_timer_.reset();
  txn_log_.reset();
  shares_.reset();
  share_persister_.reset();
  share_states_.reset();
  share_log_.reset();
  groups_.reset();
  coordinator_timer_.reset();
  offsets_log_.reset();
  replicas_.reset();
  link_.reset();
  controller_.reset();
  producer_ids_.reset();
  embedded_store_ = nullptr;
  metadata_.reset();
  if (zk_) {
    spdlog::info("shutdown: close the ZooKeeper session");
    zk_.reset();  // this broker's registration disappears now, after its logs are flushed
  }
  logs_.reset();
  if (http_) http_->stop();
  if (started_) spdlog::info("sluiced stopped");
}

uint16_t broker::port(std::string_view listener_name) const {
  return server_ ? server_->port(listener_name) : 0;
}

uint16_t broker::metrics_port() const {
  return http_ ? http_->port() : 0;
}

}  // namespace sluice::server
