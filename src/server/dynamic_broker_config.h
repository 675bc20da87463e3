// dynamic_broker_config: the broker's configuration as it is now — the static server_config
// (server.properties and --override) with the dynamic broker configs stored in the metadata
// (Kafka's /config/brokers/<default> and /config/brokers/<id>) on top, this broker's own over the
// cluster-wide default, as Kafka layers them.
//
// Which keys may change is the catalogue's update mode: read-only keys are refused, per-broker
// keys only on a broker's own resource, cluster-wide keys (the topic defaults: log.retention.ms,
// log.segment.bytes, min.insync.replicas, ...) on either. Stored keys that this broker cannot
// apply (unknown, read-only, bad values written to ZooKeeper by other tools) are skipped with a
// warning, never fatal.
//
// Thread-safe: current() hands out immutable snapshots; refresh() swaps them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/metadata_store.h"
#include "server/config.h"

namespace sluice::server {

class dynamic_broker_config {
 public:
  // `base` is the broker's static configuration; it must outlive this object (start-up may still
  // resolve broker.id and ports in it).
  explicit dynamic_broker_config(const server_config& base);

  std::shared_ptr<const server_config> current() const;

  // Why `configs` cannot become the complete dynamic set of `broker` (nullopt: the cluster-wide
  // default), given the other layer as stored now: unknown or read-only keys, per-broker keys at
  // the default level, bad values. nullopt when it can.
  std::optional<std::string> check(std::optional<int32_t> broker,
                                   const cluster::config_map& configs,
                                   const cluster::metadata_store& store) const;

  // The same checks for a tool with no broker at hand: `configs` as the only dynamic layer over
  // `base` (for `broker`, or the cluster-wide default when nullopt).
  static std::optional<std::string> check_alone(const server_config& base,
                                                std::optional<int32_t> broker,
                                                const cluster::config_map& configs);

  // Reads both layers from `store` and makes them current. True when the effective
  // configuration changed (the caller then re-applies what depends on it).
  bool refresh(const cluster::metadata_store& store);

 private:
  // The keys of `configs` this broker can apply, for `broker` (nullopt: default); the rest are
  // described in `problems`.
  static cluster::config_map applicable(std::optional<int32_t> broker,
                                        const cluster::config_map& configs,
                                        std::vector<std::string>* problems);
  static std::optional<std::string> check_tls_stores(const broker_config& before,
                                                     const broker_config& after);
  // `configs` for `broker` (or the default) over `base` with the other layer from `others`.
  static std::optional<std::string> check_layers(const server_config& base,
                                                 std::optional<int32_t> broker,
                                                 const cluster::config_map& configs,
                                                 dynamic_layers others);

  const server_config& base_;
  std::mutex refresh_mutex_;    // one refresh at a time, so an older read never wins
  dynamic_layers last_stored_;  // as read by the last refresh (under refresh_mutex_)
  mutable std::mutex mutex_;
  std::shared_ptr<const server_config> current_;
};

}  // namespace sluice::server
