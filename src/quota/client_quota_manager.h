// client_quota_manager: one of Kafka's ClientQuotaManagers — the produce byte rate, the fetch
// byte rate or the request-time percentage — with its default quota callback (KIP-55, KIP-124,
// KIP-219).
//
// A request is charged to the quota entity Kafka's precedence picks for its (user, client id):
//   /config/users/<user>/clients/<client-id>, /config/users/<user>/clients/<default>,
//   /config/users/<user>, /config/users/<default>/clients/<client-id>,
//   /config/users/<default>/clients/<default>, /config/users/<default>,
//   /config/clients/<client-id>, /config/clients/<default>
// — the first that has a quota of this type. Its usage is a sampled rate (base/sampled_rate.h)
// kept per metric key, as Kafka's sensors: (user, client id) for the user+client entities, (user,
// "") for user entities (all of a user's clients share it), ("", client id) for client ids. Over
// the bound, record() returns the throttle time Kafka computes; the caller puts it in the
// response and mutes the connection that long.
//
// Sans I/O: the time is passed in. Thread-safe (one mutex): request handlers on every network
// thread record, the broker sets new quotas after a change.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/sampled_rate.h"
#include "cluster/client_quota_entity.h"

namespace sluice::quota {

enum class quota_type { produce, fetch, request };
// The config key of a type: producer_byte_rate, consumer_byte_rate, request_percentage.
std::string_view quota_key(quota_type t);

// The metric key and bound Kafka's precedence picks for (user, client id) among `quotas` (by
// entity path); the key is (user, client id) with "" for the part the entity does not name.
struct quota_resolution {
  std::pair<std::string, std::string> key;
  std::optional<double> bound;
};
quota_resolution resolve_quota(const std::map<std::string, double>& quotas, std::string_view user,
                               std::string_view client_id);

class client_quota_manager {
 public:
  using time_ms = sampled_rate::time_ms;

  // `max_throttle`: the cap on a throttle time (the request quota caps at one window, as Kafka;
  // byte rates are not capped).
  client_quota_manager(quota_type type, rate_window window,
                       std::optional<time_ms> max_throttle = std::nullopt);

  // The quotas of this type, by entity path (cluster/client_quota_entity.h); replaces the old.
  void set_quotas(const std::map<std::string, double>& by_entity_path);
  // The bound that applies to (user, client id), if any. `user` is the principal's name
  // ("ANONYMOUS" for User:ANONYMOUS).
  std::optional<double> quota_for(std::string_view user, std::string_view client_id) const;

  // Charges `value` (bytes, or percent of a thread's second) at `now`; returns how long the
  // client must wait, 0 when it is within its quota or has none.
  time_ms record(std::string_view user, std::string_view client_id, double value, time_ms now);
  // Takes back a value recorded at `now` (Kafka's unrecordQuotaSensor): a throttled Fetch is
  // answered empty, so the bytes it would have sent are not charged.
  void unrecord(std::string_view user, std::string_view client_id, double value, time_ms now);
  // The most that can be recorded at once without a certain throttle (Kafka's
  // getMaxValueInQuotaWindow): the bound over samples-1 windows; nullopt when there is no bound.
  std::optional<double> max_value_in_window(std::string_view user,
                                            std::string_view client_id) const;

  bool enabled() const;  // any quota of this type set

 private:
  using metric_key = std::pair<std::string, std::string>;  // (user, client id), "" when unused
  quota_resolution resolve(std::string_view user, std::string_view client_id) const;  // mu_ held

  const quota_type type_;
  const rate_window window_;
  const std::optional<time_ms> max_throttle_;
  mutable std::mutex mu_;
  std::map<std::string, double> quotas_;  // by entity path
  std::map<metric_key, sampled_rate> rates_;
};

// The user of a quota entity for a principal: its name after the type ("User:alice" -> "alice").
std::string quota_user(std::string_view principal);

}  // namespace sluice::quota
