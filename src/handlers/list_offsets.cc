// ListOffsets (key 2), v0–v11: earliest (-2), latest (-1), max timestamp (-3, v7+), earliest
// local (-4), the tiered-storage positions (-5, -6: none without tiered storage), or by timestamp.
// v10's TimeoutMs bounds a remote-storage lookup, which never happens here.
// v0 answers with an offsets array of at most max_num_offsets: for latest and earliest that one
// offset, as Kafka 3.9; for a timestamp Kafka listed segment base offsets by file modification
// time, this broker the first offset at or after the timestamp (empty when none).
// Each topic needs DESCRIBE (else TOPIC_AUTHORIZATION_FAILED), as in Kafka.
#include "protocol/generated/list_offsets.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_list_offsets(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::list_offsets_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  bool read_committed = version >= 2 && request.isolation_level == 1;

  const access acl(ctx);
  const auto allowed = acl.allowed(acl_operation::describe, resource_type::topic, request.topics,
                                   [](const auto& t) -> const std::string& { return t.name; });
  protocol::list_offsets_response response;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.topics.emplace_back();
    topic_out.name = topic.name;
    for (const auto& part : topic.partitions) {
      auto& out = topic_out.partitions.emplace_back();
      out.partition_index = part.partition_index;
      if (!allowed.contains(topic.name)) {
        out.error_code = code_of(protocol::error_code::topic_authorization_failed);
        continue;
      }
      if (version == 0 && part.max_num_offsets < 0) {
        out.error_code = code_of(protocol::error_code::invalid_request);
        continue;
      }
      if (part.timestamp == -3 && version < 7) {
        out.error_code = code_of(protocol::error_code::unsupported_version);
        continue;
      }
      auto found = ctx.services.replicas.list_offset(topic.name, part.partition_index,
                                                     part.timestamp, read_committed,
                                                     version >= 4 ? part.current_leader_epoch : -1);
      if (!found) {
        out.error_code = code_of(to_kafka(found.code()));
        continue;
      }
      if (version == 0) {
        if (part.max_num_offsets > 0 && found->offset >= 0)
          out.old_style_offsets.push_back(found->offset);
        continue;
      }
      out.offset = found->offset;
      out.timestamp = found->timestamp;
      if (version >= 4) out.leader_epoch = found->leader_epoch;
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
