// OffsetForLeaderEpoch (key 23), v2–v4: where a leader epoch ends, for followers truncating
// their logs (KIP-101/279) and consumers validating positions (KIP-320). CLUSTER_ACTION allows
// every topic; without it each topic needs DESCRIBE (else TOPIC_AUTHORIZATION_FAILED), as in Kafka.
#include "protocol/generated/offset_for_leader_epoch.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_offset_for_leader_epoch(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::offset_for_leader_epoch_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const access acl(ctx);
  const bool inter_broker = acl.allows_inter_broker();
  const auto allowed = acl.allowed(acl_operation::describe, resource_type::topic, request.topics,
                                   [](const auto& t) -> const std::string& { return t.topic; });
  protocol::offset_for_leader_epoch_response response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.topic = topic.topic;
    for (const auto& part : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition = part.partition;
      if (!inter_broker && !allowed.contains(topic.topic)) {
        out.error_code = code_of(protocol::error_code::topic_authorization_failed);
        continue;
      }
      auto end = ctx.services.replicas.end_offset_for_epoch(
          topic.topic, part.partition, part.current_leader_epoch, part.leader_epoch);
      if (end) {
        out.leader_epoch = end->leader_epoch;
        out.end_offset = end->end_offset;
      } else {
        out.error_code = code_of(to_kafka(end.code()));
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
