#include "net/connection_quotas.h"

#include <algorithm>

namespace sluice::net {
namespace {

// The throttle time for one rate after recording a connection in it (capped at a window, as
// ConnectionQuotas' boundedThrottleTime).
sampled_rate::time_ms throttle(sampled_rate& rate, int32_t bound, sampled_rate::time_ms now,
                               const rate_window& window) {
  rate.record(1.0, now);
  if (bound == unlimited_connections) return sampled_rate::time_ms(0);
  int64_t ms = quota_throttle_ms(rate.measure(now), bound, rate.window_size(now));
  return sampled_rate::time_ms(std::min<int64_t>(ms, window.size.count()));
}

}  // namespace

connection_quotas::connection_quotas(connection_limits limits)
    : limits_(std::move(limits)), broker_creation_(limits_.window) {}

void connection_quotas::update(connection_limits limits) {
  std::lock_guard lock(mu_);
  limits_ = std::move(limits);
}

connection_limits connection_quotas::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

connection_quotas::listener_state& connection_quotas::state(std::string_view listener) {
  auto it = listeners_.find(listener);
  if (it == listeners_.end()) {
    it = listeners_.emplace(std::string(listener), listener_state{0, sampled_rate(limits_.window)})
             .first;
  }
  return it->second;
}

bool connection_quotas::protected_listener(std::string_view listener) const {
  // As Kafka: only when the broker has listeners other than the inter-broker one.
  return !limits_.inter_broker_listener.empty() && listener == limits_.inter_broker_listener &&
         limits_.listeners.size() > 1;
}

connection_quotas::time_ms connection_quotas::record_creation(std::string_view listener,
                                                              time_ms now) {
  std::lock_guard lock(mu_);
  time_ms wait{0};
  if (!protected_listener(listener)) {
    wait = throttle(broker_creation_, limits_.max_connection_creation_rate, now, limits_.window);
  }
  auto l = limits_.listeners.find(listener);
  int32_t bound =
      l == limits_.listeners.end() ? unlimited_connections : l->second.max_connection_creation_rate;
  return std::max(wait, throttle(state(listener).creation, bound, now, limits_.window));
}

void connection_quotas::update_ip_rates(std::map<std::string, int32_t, std::less<>> rates,
                                        int32_t default_rate) {
  std::lock_guard lock(mu_);
  ip_rates_ = std::move(rates);
  default_ip_rate_ = default_rate;
}

int32_t connection_quotas::ip_connection_rate(const std::string& address) const {
  std::lock_guard lock(mu_);
  auto it = ip_rates_.find(address);
  return it == ip_rates_.end() ? default_ip_rate_ : it->second;
}

connection_quotas::time_ms connection_quotas::record_ip_creation(const std::string& address,
                                                                 time_ms now) {
  std::lock_guard lock(mu_);
  auto bound_it = ip_rates_.find(address);
  const int32_t bound = bound_it == ip_rates_.end() ? default_ip_rate_ : bound_it->second;
  if (bound == unlimited_connections) return time_ms(0);
  // One rate per address seen while IP quotas apply; idle ones are dropped so that many
  // addresses cannot grow this without bound.
  if (ip_creation_.size() >= 4096) {
    for (auto it = ip_creation_.begin(); it != ip_creation_.end();)
      it = it->second.measure(now) == 0.0 ? ip_creation_.erase(it) : std::next(it);
  }
  auto it = ip_creation_.try_emplace(address, limits_.window).first;
  auto wait = throttle(it->second, bound, now, limits_.window);
  if (wait.count() > 0) it->second.record(-1.0, now);  // not accepted: not counted
  return wait;
}

bool connection_quotas::slot_available(std::string_view listener) const {
  std::lock_guard lock(mu_);
  auto l = limits_.listeners.find(listener);
  auto s = listeners_.find(listener);
  size_t in_listener = s == listeners_.end() ? 0 : s->second.count;
  if (l != limits_.listeners.end() && in_listener >= static_cast<size_t>(l->second.max_connections))
    return false;
  if (protected_listener(listener)) return true;
  return total_ < static_cast<size_t>(limits_.max_connections);
}

connection_quotas::admission connection_quotas::admit(std::string_view listener,
                                                      const std::string& address) {
  std::lock_guard lock(mu_);
  size_t before = by_address_[address]++;
  ++total_;
  ++state(listener).count;
  int32_t max = max_for(address);
  return before >= static_cast<size_t>(std::max(max, 0)) ? admission::too_many_for_ip
                                                         : admission::admitted;
}

void connection_quotas::release(std::string_view listener, const std::string& address) {
  std::lock_guard lock(mu_);
  if (auto it = by_address_.find(address); it != by_address_.end() && --it->second == 0) {
    by_address_.erase(it);
  }
  if (total_ > 0) --total_;
  if (auto s = listeners_.find(listener); s != listeners_.end() && s->second.count > 0) {
    --s->second.count;
  }
}

bool connection_quotas::max_connections_exceeded(std::string_view listener) const {
  std::lock_guard lock(mu_);
  return total_ > static_cast<size_t>(limits_.max_connections) && !protected_listener(listener);
}

bool connection_quotas::max_connections_exceeded_by_protected(std::string_view listener) const {
  std::lock_guard lock(mu_);
  return protected_listener(listener) && total_ > static_cast<size_t>(limits_.max_connections);
}

int32_t connection_quotas::max_for(const std::string& address) const {
  auto o = limits_.max_connections_per_ip_overrides.find(address);
  return o == limits_.max_connections_per_ip_overrides.end() ? limits_.max_connections_per_ip
                                                             : o->second;
}

int32_t connection_quotas::max_connections_for(const std::string& address) const {
  std::lock_guard lock(mu_);
  return max_for(address);
}

size_t connection_quotas::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

size_t connection_quotas::count(const std::string& address) const {
  std::lock_guard lock(mu_);
  auto it = by_address_.find(address);
  return it == by_address_.end() ? 0 : it->second;
}

size_t connection_quotas::listener_count(std::string_view listener) const {
  std::lock_guard lock(mu_);
  auto s = listeners_.find(listener);
  return s == listeners_.end() ? 0 : s->second.count;
}

}  // namespace sluice::net
