#include "server/quota_refresher.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "cluster/client_quota_entity.h"

namespace sluice::server {
namespace {

// The IP entities' connection_creation_rate for the acceptor: by address, and the default's.
void apply_ip_rates(const std::map<std::string, cluster::config_map>& configs,
                    net::connection_quotas& connections) {
  std::map<std::string, int32_t, std::less<>> rates;
  int32_t default_rate = net::unlimited_connections;
  for (const auto& [path, values] : configs) {
    auto entity = cluster::client_quota_entity::from_path(path);
    auto it = values.find(std::string(cluster::ip_connection_rate_key));
    if (!entity || !entity->ip || it == values.end()) continue;
    char* end = nullptr;
    long rate = std::strtol(it->second.c_str(), &end, 10);
    if (end == it->second.c_str() || rate < 0 || rate > net::unlimited_connections) continue;
    if (entity->ip->name)
      rates[*entity->ip->name] = static_cast<int32_t>(rate);
    else
      default_rate = static_cast<int32_t>(rate);
  }
  connections.update_ip_rates(std::move(rates), default_rate);
}

}  // namespace

quota_refresher::quota_refresher(
    cluster::metadata_store& store, quota::client_quotas& quotas,
    net::connection_quotas& connections,
    std::function<void(const std::map<std::string, cluster::config_map>&)> also)
    : store_(store), quotas_(quotas), connections_(connections), also_(std::move(also)) {
  refresh();
  thread_ = std::thread([this] { run(); });
}

quota_refresher::~quota_refresher() {
  stop();
}

void quota_refresher::changed() {
  std::lock_guard lock(mu_);
  dirty_ = true;
  wake_.notify_one();
}

void quota_refresher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void quota_refresher::refresh() {
  auto configs = store_.client_configs();
  if (!configs) {
    spdlog::warn("Cannot read client quotas, keeping the current ones: {}", configs.message());
    return;
  }
  quotas_.update(*configs);
  apply_ip_rates(*configs, connections_);
  if (also_) also_(*configs);
  // One line per change, naming each entity's quotas (tests and operators wait on it).
  std::string text;
  for (const auto& [entity, values] : *configs) {
    auto parsed = cluster::client_quota_entity::from_path(entity);
    for (const auto& [key, value] : values) {
      if (!parsed || !parsed->has_quota_key(key)) continue;
      text += (text.empty() ? "" : ", ") + entity + " " + key + "=" + value;
    }
  }
  std::lock_guard lock(mu_);
  if (text == logged_) return;
  logged_ = text;
  spdlog::info("Client quotas now: {}", text.empty() ? "none" : text);
}

void quota_refresher::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return dirty_ || stopping_; });
    if (stopping_) return;
    dirty_ = false;
    lock.unlock();
    refresh();
    lock.lock();
  }
}

}  // namespace sluice::server
