#include "server/dynamic_broker_config.h"

#include "net/tls_context.h"
#include "server/listener_configs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace sluice::server {

dynamic_broker_config::dynamic_broker_config(const server_config& base)
    : base_(base), current_(std::make_shared<const server_config>(base)) {}

std::shared_ptr<const server_config> dynamic_broker_config::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

cluster::config_map dynamic_broker_config::applicable(std::optional<int32_t> broker,
                                                      const cluster::config_map& configs,
                                                      std::vector<std::string>* problems) {
  std::vector<std::string> unknown, read_only, per_broker;
  cluster::config_map out;
  for (const auto& [key, value] : configs) {
    const config_key* k = find_config_key(key);
    if (k == nullptr) {  // listener.name.<l>.<key> changes as <key> does
      if (auto lk = parse_listener_key(key)) k = lk->key;
    }
    if (k == nullptr || k->ignored) {
      unknown.push_back(key);
    } else if (k->mode == update_mode::read_only) {
      read_only.push_back(key);
    } else if (k->mode == update_mode::per_broker && !broker) {
      per_broker.push_back(key);
    } else {
      out.emplace(key, value);
    }
  }
  if (problems != nullptr) {
    if (!read_only.empty())
      problems->push_back(
          fmt::format("Cannot update these configs dynamically: {}", fmt::join(read_only, ", ")));
    if (!per_broker.empty())
      problems->push_back(fmt::format(
          "Cannot update these configs at default cluster level, broker id must be specified: {}",
          fmt::join(per_broker, ", ")));
    if (!unknown.empty())
      problems->push_back(
          fmt::format("Unknown broker configs: {} (see docs/configuration.md for the keys)",
                      fmt::join(unknown, ", ")));
  }
  return out;
}

std::optional<std::string> dynamic_broker_config::check(
    std::optional<int32_t> broker, const cluster::config_map& configs,
    const cluster::metadata_store& store) const {
  const auto own = base_.typed().broker_id;
  dynamic_layers others;
  if (broker)
    others.cluster_default = applicable(std::nullopt, store.broker_configs(std::nullopt), nullptr);
  else
    others.broker = applicable(own, store.broker_configs(own), nullptr);
  return check_layers(base_, broker, configs, std::move(others));
}

std::optional<std::string> dynamic_broker_config::check_alone(const server_config& base,
                                                              std::optional<int32_t> broker,
                                                              const cluster::config_map& configs) {
  return check_layers(base, broker, configs, {});
}

std::optional<std::string> dynamic_broker_config::check_layers(const server_config& base,
                                                               std::optional<int32_t> broker,
                                                               const cluster::config_map& configs,
                                                               dynamic_layers others) {
  std::vector<std::string> problems;
  auto wanted = applicable(broker, configs, &problems);
  if (!problems.empty()) return fmt::format("{}", fmt::join(problems, "; "));
  (broker ? others.broker : others.cluster_default) = std::move(wanted);
  auto next = base.with_dynamic(others);
  if (!next) return next.message();
  return check_tls_stores(base.typed(), next->typed());
}

// Key and trust stores named by a dynamic change must load before the change is accepted, as
// Kafka checks them: each TLS listener whose stores differ from `before`'s gets a trial context.
std::optional<std::string> dynamic_broker_config::check_tls_stores(const broker_config& before,
                                                                   const broker_config& after) {
  for (const auto& [name, settings] : after.listener_tls) {
    auto old = before.listener_tls.find(name);
    if (old != before.listener_tls.end() && net::same_stores(old->second, settings)) continue;
    auto trial = net::tls_context::create(net::tls_context::role::server, settings);
    if (!trial) return "listener " + name + ": " + trial.message();
  }
  return std::nullopt;
}

bool dynamic_broker_config::refresh(const cluster::metadata_store& store) {
  std::lock_guard serial(refresh_mutex_);
  const auto own = base_.typed().broker_id;
  dynamic_layers stored{store.broker_configs(std::nullopt), store.broker_configs(own)};
  if (stored == last_stored_) return false;
  last_stored_ = stored;
  dynamic_layers layers;
  std::vector<std::string> problems;
  layers.cluster_default = applicable(std::nullopt, stored.cluster_default, &problems);
  layers.broker = applicable(own, stored.broker, &problems);
  for (const auto& p : problems) spdlog::warn("Ignoring stored dynamic broker configs: {}", p);
  if (current()->dynamic() == layers) return false;

  auto next = base_.with_dynamic(layers);
  if (!next) {
    spdlog::error("Dynamic broker configs not applied, keeping the current ones: {}",
                  next.message());
    return false;
  }
  std::vector<std::string> shown;
  for (const auto& [k, v] : layers.cluster_default) shown.push_back(k + "=" + v + " (default)");
  for (const auto& [k, v] : layers.broker) shown.push_back(k + "=" + v);
  spdlog::info("Dynamic broker configs now: {}",
               shown.empty() ? std::string("none") : fmt::format("{}", fmt::join(shown, ", ")));
  std::lock_guard lock(mutex_);
  current_ = std::make_shared<const server_config>(std::move(next).value());
  return true;
}

}  // namespace sluice::server
