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
// Password configs (a listener's ssl.keystore.password, ...) are stored encrypted, as Kafka stores
// them: to_stored() encodes the values a change sets with password.encoder.secret, and the stored
// layers are decoded as they are read (with password.encoder.old.secret when the current secret
// does not fit; reencode_passwords() then writes them back under the current one). A value that
// decodes with neither is skipped with an error in the log, as Kafka skips it.
//
// Thread-safe: current() hands out immutable snapshots; refresh() swaps them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "cluster/metadata_store.h"
#include "security/password_encoder.h"
#include "server/config.h"

namespace sluice::server {

// The password.encoder.* settings of `c` with `secret` (the current or the old one).
security::result<security::password_encoder> make_password_encoder(const broker_config& c,
                                                                   const std::string& secret);

class dynamic_broker_config {
 public:
  // `base` is the broker's static configuration; it must outlive this object (start-up may still
  // resolve broker.id and ports in it).
  explicit dynamic_broker_config(const server_config& base);

  std::shared_ptr<const server_config> current() const;

  // `after`, a new dynamic set for `broker` (nullopt: the default) made from the stored `before`,
  // as it is to be stored: the password values it sets encoded. Kafka's refusals otherwise
  // ("Password encoder secret not configured", "Password config can be defined only at broker
  // level").
  std::variant<cluster::config_map, std::string> to_stored(std::optional<int32_t> broker,
                                                           const cluster::config_map& before,
                                                           const cluster::config_map& after) const;

  // Stored passwords that decode only with password.encoder.old.secret, re-encoded with the
  // current secret and written back (Kafka's start-up step when a secret is rotated).
  void reencode_passwords(cluster::metadata_store& store) const;

  // Why `configs` (as stored) cannot become the complete dynamic set of `broker` (nullopt: the
  // cluster-wide default), given the other layer as stored now: unknown or read-only keys,
  // per-broker keys at the default level, bad values, passwords that do not decode. nullopt when
  // it can.
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
  // The encoders of password.encoder.secret and password.encoder.old.secret, when set.
  struct password_codecs {
    std::optional<security::password_encoder> current, old;
  };
  // The keys of `configs` this broker can apply, for `broker` (nullopt: default), passwords
  // decoded; the rest are described in `problems`.
  static cluster::config_map applicable(std::optional<int32_t> broker,
                                        const cluster::config_map& configs,
                                        const password_codecs& passwords,
                                        std::vector<std::string>* problems);
  static std::optional<std::string> check_tls_stores(const broker_config& before,
                                                     const broker_config& after);
  // `configs` for `broker` (or the default) over `base` with the other layer from `others`.
  static std::optional<std::string> check_layers(const server_config& base,
                                                 std::optional<int32_t> broker,
                                                 const cluster::config_map& configs,
                                                 const password_codecs& passwords,
                                                 dynamic_layers others);

  const server_config& base_;
  password_codecs passwords_;
  std::mutex refresh_mutex_;    // one refresh at a time, so an older read never wins
  dynamic_layers last_stored_;  // as read by the last refresh (under refresh_mutex_)
  mutable std::mutex mutex_;
  std::shared_ptr<const server_config> current_;
};

}  // namespace sluice::server
