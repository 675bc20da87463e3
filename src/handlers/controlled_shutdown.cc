// ControlledShutdown (key 7), v1–v3: a stopping broker asks the controller to move its
// leaderships away first. Answered by the active controller; any other broker answers
// NOT_CONTROLLER (the stopping broker then retries against the current controller). v0 uses a
// header without client id and is not served.
// Needs CLUSTER_ACTION (else CLUSTER_AUTHORIZATION_FAILED), as every inter-broker request.
#include "protocol/generated/controlled_shutdown.h"

#include "cluster/controller.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

void handle_controlled_shutdown(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::controlled_shutdown_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::controlled_shutdown_response refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  cluster::controller* controller = ctx.services.controller;
  if (controller == nullptr || !controller->active()) {
    protocol::controlled_shutdown_response response;
    response.error_code = code_of(protocol::error_code::not_controller);
    return reply.send(response);
  }
  controller->controlled_shutdown(
      std::move(request), version,
      [reply = std::move(reply)](protocol::controlled_shutdown_response response) mutable {
        reply.send(response);
      });
}

}  // namespace sluice::handlers
