// StopReplica (key 5), v0–v4: the controller tells this broker to stop serving partitions, and
// to delete their logs when a topic is deleted or a replica moved away. v0 lists partitions
// ungrouped, v1–v2 by topic with one delete flag for all, v3+ per-partition states (leader epoch,
// delete flag). Embedded mode refuses with STALE_CONTROLLER_EPOCH.
// Needs CLUSTER_ACTION (else CLUSTER_AUTHORIZATION_FAILED), as every inter-broker request.
#include "protocol/generated/stop_replica.h"

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/controller_requests.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_stop_replica(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::stop_replica_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::stop_replica_response refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  protocol::stop_replica_response response;
  if (from_stale_controller(ctx.services, request.controller_epoch)) {
    response.error_code = code_of(protocol::error_code::stale_controller_epoch);
    return reply.send(response);
  }
  std::vector<replication::stop_replica_entry> entries;
  for (const auto& p : request.ungrouped_partitions)
    entries.push_back({p.topic_name, p.partition_index, -1, request.delete_partitions});
  for (const auto& t : request.topics)
    for (int32_t p : t.partition_indexes)
      entries.push_back({t.name, p, -1, request.delete_partitions});
  for (const auto& t : request.topic_states)
    for (const auto& p : t.partition_states)
      entries.push_back({t.topic_name, p.partition_index, p.leader_epoch, p.delete_partition});
  auto outcomes = ctx.services.replicas.stop_replicas(request.controller_id,
                                                      request.controller_epoch, std::move(entries));
  for (const auto& o : outcomes) {
    auto& e = response.partition_errors.emplace_back();
    e.topic_name = o.topic;
    e.partition_index = o.partition;
    e.error_code = controller_partition_error(o.error);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
