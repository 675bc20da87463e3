// ElectLeaders (key 43), v0–v2: preferred (0) or unclean (1) leader election. In cluster mode the
// active controller runs the elections (other brokers answer NOT_CONTROLLER; clients send this to
// the controller Metadata names). On one broker every partition is already led by its only,
// preferred replica, so each named partition answers ELECTION_NOT_NEEDED (or
// UNKNOWN_TOPIC_OR_PARTITION); a request for all partitions (null) lists only partitions where an
// election happened or failed — none there — as Kafka does. Needs ALTER on the cluster: refused,
// the request's error and each named partition's is CLUSTER_AUTHORIZATION_FAILED.
#include "protocol/generated/elect_leaders.h"

#include "cluster/controller.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

void handle_elect_leaders(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::elect_leaders_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  protocol::elect_leaders_response response;
  if (!access(ctx).allows_cluster(acl_operation::alter)) {
    const auto refused = code_of(protocol::error_code::cluster_authorization_failed);
    if (version >= 1) response.error_code = refused;
    if (request.topic_partitions) {
      for (const auto& wanted : *request.topic_partitions) {
        auto& out = response.replica_election_results.emplace_back();
        out.topic = wanted.topic;
        for (int32_t p : wanted.partitions) {
          auto& result = out.partition_result.emplace_back();
          result.partition_id = p;
          result.error_code = refused;
          result.error_message = std::nullopt;
        }
      }
    }
    return reply.send(response);
  }
  if (cluster::controller* controller = ctx.services.controller) {
    if (!controller->active()) {
      if (version >= 1) response.error_code = code_of(protocol::error_code::not_controller);
      if (version == 0 && request.topic_partitions) {  // v0 has per-partition errors only
        for (const auto& wanted : *request.topic_partitions) {
          auto& out = response.replica_election_results.emplace_back();
          out.topic = wanted.topic;
          for (int32_t p : wanted.partitions) {
            auto& result = out.partition_result.emplace_back();
            result.partition_id = p;
            result.error_code = code_of(protocol::error_code::not_controller);
          }
        }
      }
      return reply.send(response);
    }
    return controller->elect_leaders(
        std::move(request), version,
        [reply = std::move(reply)](protocol::elect_leaders_response answer) mutable {
          reply.send(answer);
        });
  }
  if (request.topic_partitions) {
    for (const auto& wanted : *request.topic_partitions) {
      auto& out = response.replica_election_results.emplace_back();
      out.topic = wanted.topic;
      auto topic = ctx.services.metadata.topic(wanted.topic);
      for (int32_t p : wanted.partitions) {
        auto& result = out.partition_result.emplace_back();
        result.partition_id = p;
        bool exists = topic && p >= 0 && p < static_cast<int32_t>(topic->partitions.size());
        if (!exists) {
          result.error_code = code_of(protocol::error_code::unknown_topic_or_partition);
          result.error_message = "The partition does not exist.";
        } else if (topic->partitions[static_cast<size_t>(p)].leader < 0) {
          result.error_code = code_of(protocol::error_code::eligible_leaders_not_available);
          result.error_message = "No eligible replica is alive.";
        } else {
          result.error_code = code_of(protocol::error_code::election_not_needed);
          result.error_message = "Leader election not needed for topic partition.";
        }
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
