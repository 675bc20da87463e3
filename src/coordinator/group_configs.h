// group_configs: Kafka 4.x's per-group configs (ConfigResource GROUP, KIP-848 / KIP-932) — the
// keys, their checks, their defaults (the broker's group.* settings), and this broker's copy of
// every group's stored set, which the share partitions consult.
//
// Sluice applies the share-delivery keys: share.auto.offset.reset (where a share partition that
// was never kept starts: latest, earliest, or by_duration:<ISO-8601 duration> back from now),
// share.record.lock.duration.ms, share.delivery.count.limit and share.partition.max.record.locks
// (taken when a share partition is loaded); the group coordinator applies the session and
// heartbeat keys (consumer.* to consumer groups, share.* to share groups: a member's session
// timer and the interval its heartbeat responses ask for, from its next heartbeat on).
// share.isolation.level and share.renew.acknowledge.enable are stored and described only.
//
// The sets are kept with the client configs ("groups/<group>"; /config/groups/<group> in
// ZooKeeper, where Kafka 3.9 keeps none). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/metadata_store.h"
#include "protocol/error_code.h"

namespace sluice::coordinator {

struct group_config_key {
  const char* name;
  const char* broker_key;  // the broker config whose value is its default (nullptr: none)
  const char* fallback;    // the default without one
  enum class kind { int_, string, boolean } type;
  int64_t at_least = 0;
  const char* doc;
};
// Every key, by name.
const std::vector<group_config_key>& group_config_keys();

struct group_config_refusal {
  protocol::error_code code;
  std::string message;
};
// Kafka's checks (INVALID_CONFIG): known names, types, lower bounds, share.auto.offset.reset's
// and share.isolation.level's values, a session timeout above the heartbeat interval.
std::optional<group_config_refusal> validate_group_config(const cluster::config_map& configs);

std::string group_entity(const std::string& group);  // "groups/<group>"
std::optional<std::string> group_of_entity(const std::string& entity);

// share.auto.offset.reset as a ListOffsets timestamp: -1 latest, -2 earliest, or now - duration.
int64_t share_reset_timestamp(const std::string& value, int64_t now_ms);

class group_configs {
 public:
  // Replaces every group's set with the "groups/<group>" entities among `client_configs`.
  void set_all(const std::map<std::string, cluster::config_map>& client_configs);
  cluster::config_map of(const std::string& group) const;
  std::vector<std::string> groups() const;  // those with configs
  std::optional<std::string> value(const std::string& group, const std::string& key) const;
  std::optional<int32_t> int_value(const std::string& group, const std::string& key) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, cluster::config_map> groups_;  // mutex_
};

}  // namespace sluice::coordinator
