// AlterPartitionReassignments (key 45, v0–1) and ListPartitionReassignments (key 46, v0). In
// cluster mode the active controller moves partitions (cluster/controller_state.h); other brokers
// answer NOT_CONTROLLER, and clients send these to the controller Metadata names, as with Kafka.
// On one broker every partition's only replica is this broker: a move to [this broker] is done at
// once, a move elsewhere names brokers that are not alive, nothing is ever under way. Alter needs
// ALTER on the cluster, List DESCRIBE (refused: CLUSTER_AUTHORIZATION_FAILED, per partition too).
#include "cluster/controller.h"
#include "cluster/controller_state.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/list_partition_reassignments.h"

namespace sluice::handlers {
namespace {

using alter_response = protocol::alter_partition_reassignments_response;
using list_response = protocol::list_partition_reassignments_response;

// One error for the request and each of its partitions (Kafka's getErrorResponse).
alter_response refuse_all(const protocol::alter_partition_reassignments_request& request,
                          protocol::error_code e, const std::string& message) {
  alter_response response;
  response.allow_replication_factor_change = request.allow_replication_factor_change;
  response.error_code = code_of(e);
  response.error_message = message;
  for (const auto& t : request.topics) {
    auto& rt = response.responses.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      rp.error_code = code_of(e);
      rp.error_message = message;
    }
  }
  return response;
}

// A single broker: no reassignment can be under way, and the only live broker is this one.
alter_response alter_on_one_broker(request_context& ctx,
                                   const protocol::alter_partition_reassignments_request& request) {
  alter_response response;
  response.error_message.reset();
  response.allow_replication_factor_change = request.allow_replication_factor_change;
  const int32_t self = ctx.services.settings.broker_id;
  for (const auto& t : request.topics) {
    auto& rt = response.responses.emplace_back();
    rt.name = t.name;
    auto topic = ctx.services.metadata.topic(t.name);
    for (const auto& wanted : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = wanted.partition_index;
      rp.error_message.reset();
      const bool exists = topic && wanted.partition_index >= 0 &&
                          wanted.partition_index < static_cast<int32_t>(topic->partitions.size());
      std::optional<cluster::reassignment_refusal> refused;
      if (!exists) {
        refused = cluster::reassignment_refusal{protocol::error_code::unknown_topic_or_partition,
                                                "The partition does not exist."};
      } else if (!wanted.replicas) {
        refused = cluster::reassignment_refusal{protocol::error_code::no_reassignment_in_progress,
                                                "No partition reassignment is in progress."};
      } else {
        refused = cluster::check_reassignment(*wanted.replicas, {self}, {self},
                                              request.allow_replication_factor_change);
      }
      if (refused) {
        rp.error_code = code_of(refused->code);
        rp.error_message = refused->message;
      }
    }
  }
  return response;
}

}  // namespace

void handle_alter_partition_reassignments(request_context& ctx, protocol::reader& body,
                                          responder reply) {
  protocol::alter_partition_reassignments_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (!access(ctx).allows_cluster(acl_operation::alter))
    return reply.send(refuse_all(request, protocol::error_code::cluster_authorization_failed,
                                 "Cluster authorization failed."));
  if (cluster::controller* controller = ctx.services.controller) {
    return controller->alter_reassignments(
        std::move(request),
        [reply = std::move(reply)](alter_response answer) mutable { reply.send(answer); });
  }
  reply.send(alter_on_one_broker(ctx, request));
}

void handle_list_partition_reassignments(request_context& ctx, protocol::reader& body,
                                         responder reply) {
  protocol::list_partition_reassignments_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (!access(ctx).allows_cluster(acl_operation::describe)) {
    list_response response;
    response.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    response.error_message = "Cluster authorization failed.";
    return reply.send(response);
  }
  if (cluster::controller* controller = ctx.services.controller) {
    return controller->list_reassignments(
        std::move(request),
        [reply = std::move(reply)](list_response answer) mutable { reply.send(answer); });
  }
  list_response response;
  response.error_message.reset();
  reply.send(response);
}

}  // namespace sluice::handlers
