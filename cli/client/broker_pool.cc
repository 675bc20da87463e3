// Connections to the brokers of a cluster, by id.
#include "cli/client/broker_pool.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::cli {

const broker_info* broker_pool::find(int32_t id) const {
  for (const broker_info& b : brokers_) {
    if (b.id == id) return &b;
  }
  return nullptr;
}

void broker_pool::add(const broker_info& b) {
  if (const broker_info* known = find(b.id);
      known != nullptr && known->host == b.host && known->port == b.port) {
    return;
  }
  std::erase_if(brokers_, [&](const broker_info& x) { return x.id == b.id; });
  open_.erase(b.id);
  brokers_.push_back(b);
  std::sort(brokers_.begin(), brokers_.end(),
            [](const broker_info& x, const broker_info& y) { return x.id < y.id; });
}

result<raw_connection*> broker_pool::get(int32_t id, deadline d) {
  if (auto it = open_.find(id); it != open_.end()) return &it->second;
  const broker_info* b = find(id);
  if (b == nullptr) return fail(errc::not_found, fmt::format("Broker {} is not known", id));
  auto conn = raw_connection::open(b->host, b->port, settings_, d);
  if (!conn) return std::move(conn).error();
  auto [it, inserted] = open_.emplace(id, std::move(*conn));
  return &it->second;
}

}  // namespace sluice::cli
