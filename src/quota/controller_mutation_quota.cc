#include "quota/controller_mutation_quota.h"

#include <algorithm>
#include <cmath>

#include "quota/client_quota_manager.h"

namespace sluice::quota {

void controller_mutation_quota::set_quotas(const std::map<std::string, double>& by_entity_path) {
  std::lock_guard lock(mu_);
  quotas_ = by_entity_path;
}

bool controller_mutation_quota::enabled() const {
  std::lock_guard lock(mu_);
  return !quotas_.empty();
}

std::pair<controller_mutation_quota::bucket*, double> controller_mutation_quota::refill(
    std::string_view user, std::string_view client_id, time_ms now) {
  if (quotas_.empty()) return {nullptr, 0};
  auto r = resolve_quota(quotas_, user, client_id);
  if (!r.bound || *r.bound <= 0) return {nullptr, 0};
  const double rate = *r.bound;
  const double burst = rate * window_.samples * std::chrono::duration<double>(window_.size).count();
  auto [it, fresh] = buckets_.try_emplace(r.key, bucket{burst, now});
  bucket& b = it->second;
  if (!fresh) {
    const double seconds = std::chrono::duration<double>(now - b.last).count();
    if (seconds > 0) b.tokens = std::min(burst, b.tokens + rate * seconds);
    b.last = std::max(b.last, now);
  }
  b.tokens = std::min(b.tokens, burst);  // the quota may have been lowered
  return {&b, rate};
}

controller_mutation_quota::time_ms controller_mutation_quota::time_to_zero(double tokens,
                                                                           double rate) {
  if (tokens >= 0) return time_ms(0);
  return time_ms(static_cast<int64_t>(std::ceil(-tokens / rate * 1000)));
}

controller_mutation_quota::time_ms controller_mutation_quota::check(std::string_view user,
                                                                    std::string_view client_id,
                                                                    time_ms now) {
  std::lock_guard lock(mu_);
  auto [b, rate] = refill(user, client_id, now);
  return b ? time_to_zero(b->tokens, rate) : time_ms(0);
}

void controller_mutation_quota::record(std::string_view user, std::string_view client_id,
                                       double partitions, time_ms now) {
  std::lock_guard lock(mu_);
  auto [b, rate] = refill(user, client_id, now);
  if (b) b->tokens -= partitions;
}

controller_mutation_quota::time_ms controller_mutation_quota::throttle_time(
    std::string_view user, std::string_view client_id, time_ms now) {
  return check(user, client_id, now);
}

}  // namespace sluice::quota
