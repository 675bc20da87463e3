// AlterPartition (key 56), v0–v3: a partition leader reports an ISR change (shrink after a
// follower lagged, expand when it caught up). Served by the active controller, which writes the
// partition state to ZooKeeper; other brokers answer NOT_CONTROLLER and the leader retries.
// Needs CLUSTER_ACTION (else CLUSTER_AUTHORIZATION_FAILED), as every inter-broker request.
#include "protocol/generated/alter_partition.h"

#include "cluster/controller.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

void handle_alter_partition(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::alter_partition_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::alter_partition_response refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  cluster::controller* controller = ctx.services.controller;
  if (controller == nullptr || !controller->active()) {
    protocol::alter_partition_response response;
    response.error_code = code_of(protocol::error_code::not_controller);
    return reply.send(response);
  }
  controller->alter_partition(
      std::move(request), version,
      [reply = std::move(reply)](protocol::alter_partition_response response) mutable {
        reply.send(response);
      });
}

}  // namespace sluice::handlers
