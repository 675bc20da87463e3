#include "quota/client_quota_manager.h"

#include <algorithm>

namespace sluice::quota {
namespace {

using cluster::client_quota_entity;
using cluster::quota_entity_name;

client_quota_entity entity(std::optional<quota_entity_name> user,
                           std::optional<quota_entity_name> client) {
  return client_quota_entity{std::move(user), std::move(client)};
}

}  // namespace

std::string_view quota_key(quota_type t) {
  switch (t) {
    case quota_type::produce:
      return "producer_byte_rate";
    case quota_type::fetch:
      return "consumer_byte_rate";
    case quota_type::request:
      return "request_percentage";
  }
  return "";
}

std::string quota_user(std::string_view principal) {
  auto colon = principal.find(':');
  return std::string(colon == std::string_view::npos ? principal : principal.substr(colon + 1));
}

client_quota_manager::client_quota_manager(quota_type type, rate_window window,
                                           std::optional<time_ms> max_throttle)
    : type_(type), window_(window), max_throttle_(max_throttle) {}

void client_quota_manager::set_quotas(const std::map<std::string, double>& by_entity_path) {
  std::lock_guard lock(mu_);
  quotas_ = by_entity_path;
}

bool client_quota_manager::enabled() const {
  std::lock_guard lock(mu_);
  return !quotas_.empty();
}

quota_resolution client_quota_manager::resolve(std::string_view user,
                                               std::string_view client_id) const {
  return resolve_quota(quotas_, user, client_id);
}

quota_resolution resolve_quota(const std::map<std::string, double>& quotas,
                               std::string_view user_name, std::string_view client_name) {
  auto find = [&](const client_quota_entity& e) -> std::optional<double> {
    auto it = quotas.find(e.path());
    if (it == quotas.end()) return std::nullopt;
    return it->second;
  };
  const quota_entity_name user{std::string(user_name)}, client{std::string(client_name)};
  const quota_entity_name any{std::nullopt};
  const std::string u(user_name), c(client_name);
  // Kafka's precedence, most specific first, with the metric key each level is measured under.
  const struct {
    client_quota_entity e;
    std::pair<std::string, std::string> key;
  } levels[] = {
      {entity(user, client), {u, c}},
      {entity(user, any), {u, c}},
      {entity(user, std::nullopt), {u, ""}},
      {entity(any, client), {u, c}},
      {entity(any, any), {u, c}},
      {entity(any, std::nullopt), {u, ""}},
      {entity(std::nullopt, client), {"", c}},
      {entity(std::nullopt, any), {"", c}},
  };
  for (const auto& level : levels) {
    if (auto bound = find(level.e)) return {level.key, bound};
  }
  return {{"", c}, std::nullopt};
}

std::optional<double> client_quota_manager::quota_for(std::string_view user,
                                                      std::string_view client_id) const {
  std::lock_guard lock(mu_);
  return resolve(user, client_id).bound;
}

client_quota_manager::time_ms client_quota_manager::record(std::string_view user,
                                                           std::string_view client_id, double value,
                                                           time_ms now) {
  std::lock_guard lock(mu_);
  if (quotas_.empty()) return time_ms(0);
  auto r = resolve(user, client_id);
  if (!r.bound) return time_ms(0);
  auto it = rates_.try_emplace(r.key, window_).first;
  sampled_rate& rate = it->second;
  rate.record(value, now);
  int64_t ms = quota_throttle_ms(rate.measure(now), *r.bound, rate.window_size(now));
  if (max_throttle_) ms = std::min<int64_t>(ms, max_throttle_->count());
  return time_ms(ms);
}

void client_quota_manager::unrecord(std::string_view user, std::string_view client_id, double value,
                                    time_ms now) {
  std::lock_guard lock(mu_);
  auto r = resolve(user, client_id);
  if (!r.bound) return;
  auto it = rates_.find(r.key);
  if (it != rates_.end()) it->second.record(-value, now);
}

std::optional<double> client_quota_manager::max_value_in_window(std::string_view user,
                                                                std::string_view client_id) const {
  std::lock_guard lock(mu_);
  if (quotas_.empty()) return std::nullopt;
  auto bound = resolve(user, client_id).bound;
  if (!bound) return std::nullopt;
  const double seconds = std::chrono::duration<double>(window_.size).count();
  return *bound * (window_.samples - 1) * seconds;
}

}  // namespace sluice::quota
