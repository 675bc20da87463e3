#include "server/quota_refresher.h"

#include <spdlog/spdlog.h>

namespace sluice::server {

quota_refresher::quota_refresher(cluster::metadata_store& store, quota::client_quotas& quotas)
    : store_(store), quotas_(quotas) {
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
  // One line per change, naming each entity's quotas (tests and operators wait on it).
  std::string text;
  for (const auto& [entity, values] : *configs) {
    for (const auto& [key, value] : values) {
      if (!cluster::is_client_quota_key(key)) continue;
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
