#include "server/inter_broker_clients.h"

#include "net/broker_client.h"

namespace sluice::server {

inter_broker_clients::inter_broker_clients(cluster::metadata_store& metadata,
                                           std::string listener_name, std::string client_id,
                                           std::chrono::milliseconds request_timeout,
                                           net::client_security security)
    : metadata_(metadata),
      listener_name_(std::move(listener_name)),
      client_id_(std::move(client_id)),
      request_timeout_(request_timeout),
      security_(std::move(security)) {}

inter_broker_clients::~inter_broker_clients() = default;

net::broker_client* inter_broker_clients::client_for(int32_t broker) {
  std::optional<cluster::broker_endpoint> endpoint;
  for (const auto& b : metadata_.brokers()) {
    if (b.id != broker) continue;
    for (const auto& e : b.endpoints)
      if (e.listener_name == listener_name_) endpoint = e;
    if (!endpoint && !b.endpoints.empty()) endpoint = b.endpoints.front();
  }
  if (!endpoint) return nullptr;
  std::lock_guard lock(mutex_);
  if (closed_) return nullptr;
  auto& slot = clients_[broker];
  if (!slot.second || slot.first.host != endpoint->host || slot.first.port != endpoint->port) {
    net::broker_client_options o;
    o.host = endpoint->host;
    o.port = static_cast<uint16_t>(endpoint->port);
    o.client_id = client_id_;
    o.request_timeout = request_timeout_;
    o.security = security_;
    slot = {*endpoint, std::make_unique<net::broker_client>(o)};
  }
  return slot.second.get();
}

void inter_broker_clients::close_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [id, c] : clients_)
    if (c.second) c.second->close();
}

}  // namespace sluice::server
