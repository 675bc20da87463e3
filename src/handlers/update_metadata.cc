// UpdateMetadata (key 6), v0–v8: the controller's push of live brokers and partition states.
// Sluice brokers keep their metadata cache current from ZooKeeper watches (zk_metadata_store), so
// the push is acknowledged after checking it comes from a controller at all; it is what a Kafka
// controller expects to send, and the watch-fed cache already holds the same state. Embedded
// mode refuses with STALE_CONTROLLER_EPOCH.
// Needs CLUSTER_ACTION (else CLUSTER_AUTHORIZATION_FAILED), as every inter-broker request.
#include "protocol/generated/update_metadata.h"

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

void handle_update_metadata(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::update_metadata_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::update_metadata_response refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  protocol::update_metadata_response response;
  if (ctx.services.controller == nullptr)
    response.error_code = code_of(protocol::error_code::stale_controller_epoch);
  reply.send(response);
}

}  // namespace sluice::handlers
