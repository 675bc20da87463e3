// InitProducerId (key 22), v0–v6. Without a transactional id (an idempotent producer) the answer
// is a fresh producer id from this broker's block (cluster/producer_id_manager.h) with epoch 0,
// whatever producer id and epoch the request carries — Kafka's coordinator does the same, since an
// idempotent producer's state lives in the partitions, not with a coordinator. A producer id
// without an epoch (or the reverse) is INVALID_REQUEST. With a transactional id the request goes
// to the transaction coordinator. Runs on a request worker: claiming a block of ids may wait on
// ZooKeeper. Authorization as Kafka 3.x's: WRITE on the transactional id (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED); without one IDEMPOTENT_WRITE on the cluster or WRITE on
// at least one topic (KIP-679; else CLUSTER_AUTHORIZATION_FAILED). v6 (KIP-939) answers as a Kafka
// 4.x broker with two-phase commit off (transaction.two.phase.commit.enable=false, its default):
// EnableTwoPCFlag gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED, KeepPreparedTxn UNSUPPORTED_VERSION,
// and OngoingTxnProducerId/Epoch stay -1.
#include <spdlog/spdlog.h>

#include "cluster/producer_id_manager.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/init_producer_id.h"
#include "transaction/txn_coordinator.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;

constexpr int64_t no_producer_id = -1;
constexpr int16_t no_producer_epoch = -1;

protocol::init_producer_id_response error_response(error_code e) {
  protocol::init_producer_id_response r;
  r.error_code = code_of(e);
  r.producer_id = no_producer_id;
  r.producer_epoch = no_producer_epoch;
  return r;
}

}  // namespace

void handle_init_producer_id(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::init_producer_id_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const access acl(ctx);
  if (request.transactional_id) {
    if (!acl.allows_transactional_id(acl_operation::write, *request.transactional_id))
      return reply.send(error_response(error_code::transactional_id_authorization_failed));
  } else if (!acl.allows_cluster(acl_operation::idempotent_write) &&
             !acl.allows_any(acl_operation::write, resource_type::topic)) {
    return reply.send(error_response(error_code::cluster_authorization_failed));
  }
  if ((request.producer_id == no_producer_id) != (request.producer_epoch == no_producer_epoch))
    return reply.send(error_response(error_code::invalid_request));

  if (request.transactional_id && !request.transactional_id->empty()) {
    if (request.enable2_pc)
      return reply.send(error_response(error_code::transactional_id_authorization_failed));
    if (request.keep_prepared_txn)
      return reply.send(error_response(error_code::unsupported_version));
  }
  if (request.transactional_id) {
    auto* transactions = ctx.services.transactions;
    if (transactions == nullptr)
      return reply.send(error_response(error_code::coordinator_not_available));
    return transactions->init_producer_id(
        request, ctx.api_version(),
        [reply = std::move(reply)](protocol::init_producer_id_response response) mutable {
          reply.send(response);
        });
  }

  auto id = ctx.services.producer_ids->next();
  if (!id) {
    spdlog::warn("InitProducerId from {}: no producer id available: {}", ctx.client_id(),
                 id.message());
    // Retriable for every client, unlike Kafka's UNKNOWN_SERVER_ERROR for the same failure.
    return reply.send(error_response(error_code::coordinator_not_available));
  }
  protocol::init_producer_id_response response;
  response.producer_id = *id;
  response.producer_epoch = 0;
  reply.send(response);
}

}  // namespace sluice::handlers
