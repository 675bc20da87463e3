// inter_broker_clients: one blocking net::broker_client per broker, found through the metadata
// store's registrations on the inter-broker listener (reconnected when a broker's endpoint
// changes). For the broker's own worker threads that call other brokers (transaction markers,
// transaction verification).
//
// Thread-safety: client_for() from one worker thread at a time (a client is used by one thread);
// close_all() from any thread, so a call in flight returns at once at shutdown.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "cluster/metadata_store.h"
#include "net/client_security.h"

namespace sluice::net {
class broker_client;
}

namespace sluice::server {

class inter_broker_clients {
 public:
  inter_broker_clients(cluster::metadata_store& metadata, std::string listener_name,
                       std::string client_id, std::chrono::milliseconds request_timeout,
                       net::client_security security = {});
  ~inter_broker_clients();
  inter_broker_clients(const inter_broker_clients&) = delete;
  inter_broker_clients& operator=(const inter_broker_clients&) = delete;

  // The client for `broker`, or null when it is not registered (try again later).
  net::broker_client* client_for(int32_t broker);
  void close_all();

 private:
  cluster::metadata_store& metadata_;
  const std::string listener_name_;
  const std::string client_id_;
  const std::chrono::milliseconds request_timeout_;
  const net::client_security security_;
  std::mutex mutex_;
  bool closed_ = false;  // mutex_
  std::map<int32_t, std::pair<cluster::broker_endpoint, std::unique_ptr<net::broker_client>>>
      clients_;  // mutex_ for the map; a client itself is used without it
};

}  // namespace sluice::server
