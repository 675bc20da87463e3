// broker: the composition root. Owns the configuration, the metrics registry and endpoint, the
// request dispatcher and the Kafka listeners; starts them in dependency order and stops them in
// reverse. Subsystems added later (storage, metadata, handlers) are created in broker.cc's
// start() at the marked places and register their shutdown steps there.
//
// Called from the main thread only (start, stop); accessors are safe from any thread once
// start() has returned.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "net/client_security.h"
#include "net/http_server.h"
#include "net/request_dispatcher.h"
#include "net/tcp_server.h"
#include "quota/client_quotas.h"
#include "server/config.h"
#include "server/errc.h"

namespace sluice::storage {
class log_manager;
}
namespace sluice::net {
class tls_context;
}
namespace sluice::cluster {
class metadata_store;
class embedded_metadata_store;
class zk_session;
class zk_metadata_store;
class controller;
class producer_id_manager;
}  // namespace sluice::cluster
namespace sluice::replication {
class replica_manager;
}
namespace sluice::coordinator {
class group_coordinator;
}
namespace sluice::transaction {
class txn_coordinator;
}
namespace sluice::share {
class share_partition_manager;
class share_state_store;
}  // namespace sluice::share
namespace sluice::security {
class acl_manager;
}
namespace sluice::handlers {
struct broker_services;
class config_provider;
class request_workers;
}  // namespace sluice::handlers

namespace sluice::telemetry {
class client_telemetry;
}  // namespace sluice::telemetry

namespace sluice::coordinator {
class group_configs;
}  // namespace sluice::coordinator

namespace sluice::server {

class broker {
 public:
  explicit broker(server_config config);
  ~broker();  // stop()
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  // Starts everything; on failure, whatever started is stopped again and the error says what
  // could not start and why.
  result<void> start();
  // SIGTERM: stop accepting, let in-flight requests finish (up to `drain_timeout`), run the
  // shutdown steps in reverse order of registration, stop the metrics endpoint. Idempotent.
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(10));

  // Subsystems register what must happen at shutdown, after the last request is answered
  // (flush logs, write the clean-shutdown marker). Run newest first.
  void add_shutdown_step(std::string name, std::function<void()> step);

  const server_config& config() const { return config_; }
  const broker_config& typed_config() const { return config_.typed(); }
  metrics::registry& metrics() { return metrics_; }
  uint16_t port(std::string_view listener_name) const;  // bound port, after start()
  uint16_t metrics_port() const;                        // bound port, after start()

 private:
  result<void> start_metrics_endpoint();
  result<void> start_tls();
  void reload_tls(const broker_config& live);
  result<void> start_zookeeper();
  void resolve_broker_id(std::optional<int32_t> generated);
  result<int32_t> generate_broker_id();
  void start_controller();
  result<void> start_storage();
  result<void> start_metadata();
  result<void> start_authorizer();
  void start_token_expiry();
  bool apply_dynamic_configs();
  void start_group_coordinator();
  void start_share_groups();
  void start_transaction_coordinator();
  std::unique_ptr<net::request_dispatcher> make_dispatcher();
  net::tcp_server_options network_options() const;
  void log_summary() const;

  server_config config_;
  std::unique_ptr<class dynamic_broker_config> dynamic_config_;  // config_ + dynamic configs
  metrics::registry metrics_;
  metrics::collector_handle under_replicated_;
  std::unique_ptr<net::http_server> http_;
  // TLS listeners' contexts by listener name, and how this broker reaches the others.
  std::map<std::string, std::shared_ptr<net::tls_context>> tls_contexts_;
  std::shared_ptr<net::tls_context> inter_broker_tls_;  // also in inter_broker_security_.tls
  net::client_security inter_broker_security_;
  std::unique_ptr<storage::log_manager> logs_;
  std::unique_ptr<cluster::zk_session> zk_;  // cluster mode only
  // Declared before metadata_ so that they outlive its watchers.
  std::unique_ptr<quota::client_quotas> client_quotas_;
  // Every group's configs (KIP-848/932); made first: the share partitions consult them.
  std::unique_ptr<coordinator::group_configs> group_configs_;
  std::unique_ptr<telemetry::client_telemetry> telemetry_;  // KIP-714 client metrics
  metrics::collector_handle telemetry_metrics_;             // their values on /metrics
  std::unique_ptr<class quota_refresher> quota_refresher_;
  std::unique_ptr<cluster::metadata_store> metadata_;
  std::unique_ptr<cluster::producer_id_manager> producer_ids_;
  cluster::zk_metadata_store* zk_store_ = nullptr;              // metadata_, in cluster mode
  cluster::embedded_metadata_store* embedded_store_ = nullptr;  // metadata_, without ZooKeeper
  std::unique_ptr<security::acl_manager> acls_;                 // authorizer.class.name set
  std::unique_ptr<cluster::controller> controller_;
  std::unique_ptr<class controller_link> link_;
  std::unique_ptr<replication::replica_manager> replicas_;
  std::unique_ptr<handlers::config_provider> config_provider_;
  std::unique_ptr<class internal_topic_log> offsets_log_;
  std::unique_ptr<class coordinator_timer> coordinator_timer_;
  std::unique_ptr<coordinator::group_coordinator> groups_;
  std::unique_ptr<class internal_topic_log> share_log_;     // __share_group_state
  std::unique_ptr<share::share_state_store> share_states_;  // its share coordinator
  std::unique_ptr<class share_persister> share_persister_;
  std::unique_ptr<share::share_partition_manager> shares_;  // KIP-932 delivery state
  std::unique_ptr<class internal_topic_log> txn_log_;
  std::unique_ptr<class coordinator_timer> txn_timer_;
  std::unique_ptr<class coordinator_timer> token_timer_;  // delegation-token expiry
  std::unique_ptr<class txn_marker_channel> txn_markers_;
  std::unique_ptr<transaction::txn_coordinator> transactions_;
  std::unique_ptr<class txn_verifier> txn_verifier_;
  std::unique_ptr<handlers::broker_services> services_;
  std::unique_ptr<struct sasl_setup> sasl_;  // SASL listeners and inter-broker credentials
  std::unique_ptr<handlers::request_workers> workers_;
  std::unique_ptr<net::request_dispatcher> dispatcher_;
  std::shared_ptr<net::connection_quotas> connection_quotas_;  // the acceptor's limits
  std::unique_ptr<net::tcp_server> server_;
  std::vector<std::pair<std::string, std::function<void()>>> shutdown_steps_;
  std::string cluster_id_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace sluice::server
