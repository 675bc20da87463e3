// AllocateProducerIds (key 67, v0): a broker asks the controller for a block of producer ids, as
// Kafka 3.x brokers do (KIP-730) instead of claiming /latest_producer_id_block themselves. The
// active controller checks that the sender is registered with that broker epoch
// (BROKER_ID_NOT_REGISTERED, STALE_BROKER_EPOCH), then claims the next block of 1000 for it from
// /latest_producer_id_block (conditionally on the version read, as every claimer does; so blocks
// never overlap with those brokers claim directly). Other brokers answer NOT_CONTROLLER. On one
// broker (no ZooKeeper) the block comes from the embedded store, for that broker only. Needs
// CLUSTER_ACTION.
#include "protocol/generated/allocate_producer_ids.h"

#include <spdlog/spdlog.h>

#include "cluster/controller.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {
namespace {

using response_t = protocol::allocate_producer_ids_response;

response_t claim_block(cluster::metadata_store& store, int32_t broker) {
  response_t response;
  auto block = store.allocate_producer_ids(broker);
  if (!block) {
    spdlog::warn("AllocateProducerIds for broker {}: {}", broker, block.message());
    response.error_code = code_of(protocol::error_code::unknown_server_error);
    return response;
  }
  response.producer_id_start = block->first;
  response.producer_id_len = static_cast<int32_t>(block->size());
  return response;
}

}  // namespace

void handle_allocate_producer_ids(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::allocate_producer_ids_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    response_t refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  if (cluster::controller* controller = ctx.services.controller) {
    cluster::metadata_store& store = ctx.services.metadata;
    const int32_t broker = request.broker_id;
    return controller->check_broker_epoch(
        broker, request.broker_epoch,
        [&store, broker, reply = std::move(reply)](protocol::error_code checked) mutable {
          if (checked != protocol::error_code::none) {
            response_t refused;
            refused.error_code = code_of(checked);
            return reply.send(refused);
          }
          reply.send(claim_block(store, broker));
        });
  }
  if (request.broker_id != ctx.services.settings.broker_id) {
    response_t refused;
    refused.error_code = code_of(protocol::error_code::broker_id_not_registered);
    return reply.send(refused);
  }
  reply.send(claim_block(ctx.services.metadata, request.broker_id));
}

}  // namespace sluice::handlers
