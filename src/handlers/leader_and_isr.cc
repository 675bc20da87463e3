// LeaderAndIsr (key 4), v2–v7: the controller tells this broker which partitions it leads and
// which it follows (topic-grouped states from v2, topic ids from v5). Each partition's outcome is
// the replica manager's; a broker without a controller (embedded mode) refuses the whole request
// with STALE_CONTROLLER_EPOCH, since no controller can be current for it.
// Needs CLUSTER_ACTION (else CLUSTER_AUTHORIZATION_FAILED), as every inter-broker request.
#include "protocol/generated/leader_and_isr.h"

#include <map>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/controller_requests.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_leader_and_isr(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::leader_and_isr_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::leader_and_isr_response refused;
    refused.error_code = code_of(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }
  protocol::leader_and_isr_response response;
  if (from_stale_controller(ctx.services, request.controller_epoch)) {
    response.error_code = code_of(protocol::error_code::stale_controller_epoch);
    return reply.send(response);
  }
  std::vector<replication::partition_role> roles;
  std::map<std::string, protocol::uuid> topic_ids;
  for (const auto& topic : request.topic_states) {
    topic_ids[topic.topic_name] = topic.topic_id;
    for (const auto& p : topic.partition_states) {
      replication::partition_role role;
      role.topic = topic.topic_name;
      role.topic_id = topic.topic_id;
      role.partition = p.partition_index;
      role.controller_epoch = p.controller_epoch;
      role.leader = p.leader;
      role.leader_epoch = p.leader_epoch;
      role.isr = p.isr;
      role.partition_epoch = p.partition_epoch;
      role.replicas = p.replicas;
      role.is_new = p.is_new;
      roles.push_back(std::move(role));
    }
  }
  auto outcomes = ctx.services.replicas.apply_leader_and_isr(
      request.controller_id, request.controller_epoch, std::move(roles));
  // v5+ groups errors by topic id; earlier versions list them flat with topic names.
  std::map<std::string, size_t> topic_slot;
  for (const auto& o : outcomes) {
    if (version < 5) {
      auto& e = response.partition_errors.emplace_back();
      e.topic_name = o.topic;
      e.partition_index = o.partition;
      e.error_code = controller_partition_error(o.error);
      continue;
    }
    auto [it, fresh] = topic_slot.try_emplace(o.topic, response.topics.size());
    if (fresh) response.topics.emplace_back().topic_id = topic_ids[o.topic];
    auto& e = response.topics[it->second].partition_errors.emplace_back();
    e.partition_index = o.partition;
    e.error_code = controller_partition_error(o.error);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
