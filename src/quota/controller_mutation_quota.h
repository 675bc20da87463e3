// controller_mutation_quota: Kafka's ControllerMutationQuotaManager (KIP-599) — the rate at which
// a client may create and delete partitions (CreateTopics, DeleteTopics, CreatePartitions), the
// controller_mutation_rate of its quota entity (the same precedence as the other client quotas).
//
// Each metric key has a token bucket, as Kafka's TokenBucket: it holds at most
// rate x quota.window.num x quota.window.size.seconds partitions, refills at the rate, and each
// mutated partition takes one token. A bucket below zero is a violation; the throttle time is
// the time it needs to get back to zero. New request versions are strict (a mutation asked for
// while the bucket is below zero is refused with THROTTLING_QUOTA_EXCEEDED); old versions are
// permissive (every mutation is done and recorded, and the client is only throttled).
//
// Sans I/O: the time is passed in. Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/sampled_rate.h"

namespace sluice::quota {

class controller_mutation_quota {
 public:
  using time_ms = sampled_rate::time_ms;

  explicit controller_mutation_quota(rate_window window) : window_(window) {}

  // The controller_mutation_rate quotas, by entity path; replaces the old.
  void set_quotas(const std::map<std::string, double>& by_entity_path);
  bool enabled() const;

  // Strict mode's check before a mutation: how long the client must wait if its bucket is below
  // zero (the mutation is then refused), 0 when it may go ahead or has no quota.
  time_ms check(std::string_view user, std::string_view client_id, time_ms now);
  // Takes `partitions` tokens (a mutation done, in either mode).
  void record(std::string_view user, std::string_view client_id, double partitions, time_ms now);
  // Permissive mode's throttle after the mutations: the time to refill the bucket to zero.
  time_ms throttle_time(std::string_view user, std::string_view client_id, time_ms now);

 private:
  struct bucket {
    double tokens = 0;
    time_ms last{0};
  };
  // The refilled bucket and bound of (user, client id), or null when there is no quota. mu_ held.
  std::pair<bucket*, double> refill(std::string_view user, std::string_view client_id, time_ms now);
  static time_ms time_to_zero(double tokens, double rate);

  const rate_window window_;
  mutable std::mutex mu_;
  std::map<std::string, double> quotas_;
  std::map<std::pair<std::string, std::string>, bucket> buckets_;
};

}  // namespace sluice::quota
