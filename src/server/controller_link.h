// controller_link: this broker's own requests to the cluster's active controller, in cluster mode:
//   - AlterPartition, when a partition this broker leads shrinks or expands its ISR
//     (replica_manager calls send_isr_change; the answer comes back through its callback);
//   - ControlledShutdown at SIGTERM, so leaderships move away before the broker stops.
// The controller is whoever metadata names (ZooKeeper's /controller); a NOT_CONTROLLER answer or
// a lost connection means "ask again, maybe someone else". One worker thread, one connection;
// never runs on a network thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cluster/metadata_store.h"
#include "net/client_security.h"
#include "replication/replica_manager.h"

namespace sluice::server {

struct controller_link_options {
  int32_t broker_id = 0;
  std::string listener_name;  // inter-broker listener: whose advertised endpoint to dial
  std::function<int64_t()> broker_epoch;
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds retry_backoff{500};
  net::client_security security;  // the inter-broker listener's
};

class controller_link {
 public:
  controller_link(controller_link_options options, const cluster::metadata_store& metadata);
  ~controller_link();  // stop()
  controller_link(const controller_link&) = delete;
  controller_link& operator=(const controller_link&) = delete;

  // Queues an AlterPartition; retried until the controller answers or stop().
  void send_isr_change(replication::isr_change change,
                       std::function<void(replication::isr_change_result)> done);

  // Blocking (the shutdown thread): asks the controller to move this broker's leaderships away.
  // Returns true once the controller answered (partitions it could not move — no other live
  // in-sync replica — are logged, not retried); false after `attempts` failed tries.
  bool controlled_shutdown(int attempts, std::chrono::milliseconds backoff);

  // The advertised endpoint of a live broker on the inter-broker listener.
  std::optional<cluster::broker_endpoint> locate(int32_t broker_id) const;

  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::server
