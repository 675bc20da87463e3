// What the controller-to-broker APIs (LeaderAndIsr, StopReplica) answer alike.
#pragma once

#include <cstdint>
#include <optional>

#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

// No controller can be current for a broker without one (embedded mode), nor one older than the
// newest this broker has heard from.
inline bool from_stale_controller(broker_services& services, int32_t controller_epoch) {
  return services.controller == nullptr || controller_epoch < services.replicas.controller_epoch();
}

// A refused role (a stale controller or leader epoch) is STALE_CONTROLLER_EPOCH, as Kafka answers
// the controller; other errors map as everywhere.
inline int16_t controller_partition_error(const std::optional<replication::errc>& e) {
  if (e == replication::errc::fenced_leader_epoch)
    return code_of(protocol::error_code::stale_controller_epoch);
  return code_of(e);
}

}  // namespace sluice::handlers
