// DescribeProducers (key 61), v0: the active producers of each partition, from the producer state
// of this broker's replica, leader or follower, as Kafka answers (kafka-transactions.sh
// describe-producers --broker-id and find-hanging use it). A partition this broker does not host
// answers UNKNOWN_TOPIC_OR_PARTITION, a topic the principal may not READ
// TOPIC_AUTHORIZATION_FAILED.
#include "protocol/generated/describe_producers.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_describe_producers(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::describe_producers_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const access acl(ctx);
  protocol::describe_producers_response response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    const bool readable = acl.allows_topic(acl_operation::read, topic.name);
    for (int32_t index : topic.partition_indexes) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = index;
      if (!readable) {
        out.error_code = code_of(protocol::error_code::topic_authorization_failed);
        out.error_message = "Topic authorization failed.";
        continue;
      }
      auto producers = ctx.services.replicas.active_producers(topic.name, index);
      if (!producers) {
        out.error_code = code_of(producers.code());
        out.error_message = std::string(replication::to_string(producers.code()));
        continue;
      }
      for (const auto& p : *producers) {
        auto& state = out.active_producers.emplace_back();
        state.producer_id = p.producer_id;
        state.producer_epoch = p.producer_epoch;
        state.last_sequence = p.last_sequence;
        state.last_timestamp = p.last_timestamp;
        state.coordinator_epoch = p.coordinator_epoch;
        state.current_txn_start_offset = p.current_txn_start_offset;
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
