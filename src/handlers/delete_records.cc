// DeleteRecords (key 21), v0–v2: advances partitions' log start offsets. Each topic needs DELETE
// (else TOPIC_AUTHORIZATION_FAILED), as in Kafka.
#include "protocol/generated/delete_records.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_delete_records(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::delete_records_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const access acl(ctx);
  const auto allowed = acl.allowed(acl_operation::remove, resource_type::topic, request.topics,
                                   [](const auto& t) -> const std::string& { return t.name; });
  protocol::delete_records_response response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& part : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = part.partition_index;
      if (!allowed.contains(topic.name)) {
        out.low_watermark = -1;
        out.error_code = code_of(protocol::error_code::topic_authorization_failed);
        continue;
      }
      auto low =
          ctx.services.replicas.delete_records(topic.name, part.partition_index, part.offset);
      if (low) {
        out.low_watermark = *low;
      } else {
        out.low_watermark = -1;
        out.error_code = code_of(to_kafka(low.code()));
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
