// DeleteRecords (key 21), v0–v2: advances partitions' log start offsets.
#include "protocol/generated/delete_records.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_delete_records(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::delete_records_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  protocol::delete_records_response response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& part : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = part.partition_index;
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
