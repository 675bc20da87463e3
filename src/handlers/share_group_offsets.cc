// DescribeShareGroupOffsets (90), v0-1: where each share partition of a share group stands —
// its start offset (the first record not yet delivered for good), the leader epoch of its last
// write, and (v1, KIP-1226) its lag: the records from the start offset to the high watermark not
// yet acknowledged or archived (-1 when this broker does not lead the partition, so cannot see its
// high watermark). Asked of the group's coordinator; the states are read from the share
// coordinators through the persister, as Kafka's group coordinator reads them with
// ReadShareGroupStateSummary. Without topics, every partition of the topics its members have
// subscribed to that has a kept state; a named partition without one answers start offset -1.
// Authorization: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED), DESCRIBE on each topic
// (else TOPIC_AUTHORIZATION_FAILED for its partitions).
#include <memory>
#include <mutex>

#include "coordinator/group_coordinator.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "handlers/response_join.h"
#include "protocol/generated/describe_share_group_offsets.h"
#include "replication/replica_manager.h"
#include "share/state_persister.h"

namespace sluice::handlers {

using protocol::error_code;
using response_t = protocol::describe_share_group_offsets_response;
using group_out = response_t::describe_share_group_offsets_response_group;
using topic_out = group_out::describe_share_group_offsets_response_topic;
using partition_out = topic_out::describe_share_group_offsets_response_partition;

namespace {

// Records of [start, high_watermark) not yet acknowledged or archived.
int64_t lag_of(const share::persisted_state& state, int64_t high_watermark) {
  if (state.start_offset < 0 || high_watermark < state.start_offset) return -1;
  return high_watermark - state.start_offset -
         share::delivery_complete_count(state, high_watermark);
}

// Partitions without a kept state are left out where the request named no topics.
void leave_out_unkept(response_t& response) {
  for (auto& g : response.groups) {
    for (auto& t : g.topics)
      std::erase_if(t.partitions, [](const partition_out& p) { return p.error_code == -1; });
    std::erase_if(g.topics, [](const topic_out& t) { return t.partitions.empty(); });
  }
}

}  // namespace

void handle_describe_share_group_offsets(request_context& ctx, protocol::reader& body,
                                         responder reply) {
  protocol::describe_share_group_offsets_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (ctx.services.groups == nullptr || ctx.services.share_persister == nullptr)
    return reply.close();
  const access acl(ctx);
  auto join = std::make_shared<response_join<response_t>>(std::move(reply), leave_out_unkept);
  struct read_at {
    size_t group, topic, partition;
    share::share_partition_key key;
    std::string topic_name;
    bool omit_if_unkept;
  };
  std::vector<read_at> reads;
  for (const auto& g : request.groups) {
    auto& out = join->response().groups.emplace_back();
    out.group_id = g.group_id;
    if (!acl.allows_group(acl_operation::describe, g.group_id)) {
      out.error_code = code_of(error_code::group_authorization_failed);
      continue;
    }
    auto subscribed = ctx.services.groups->share_group_topics(g.group_id);
    if (!subscribed) {
      out.error_code = code_of(subscribed.error().code);
      continue;
    }
    std::vector<std::pair<std::string, std::optional<std::vector<int32_t>>>> wanted;
    if (g.topics) {
      for (const auto& t : *g.topics) wanted.emplace_back(t.topic_name, t.partitions);
    } else {
      for (const auto& t : subscribed.value()) wanted.emplace_back(t, std::nullopt);
    }
    for (const auto& [name, partitions] : wanted) {
      auto& t = out.topics.emplace_back();
      t.topic_name = name;
      auto meta = ctx.services.metadata.topic(name);
      const bool allowed = acl.allows_topic(acl_operation::describe, name);
      std::vector<int32_t> indexes;
      if (partitions) {
        indexes = *partitions;
      } else if (meta) {
        for (int32_t p = 0; p < static_cast<int32_t>(meta->partitions.size()); ++p)
          indexes.push_back(p);
      }
      if (meta) t.topic_id = meta->id;
      for (int32_t p : indexes) {
        auto& po = t.partitions.emplace_back();
        po.partition_index = p;
        po.start_offset = -1;
        po.leader_epoch = -1;
        if (!allowed) {
          po.error_code = code_of(error_code::topic_authorization_failed);
        } else if (!meta || p < 0 || p >= static_cast<int32_t>(meta->partitions.size())) {
          po.error_code = code_of(error_code::unknown_topic_or_partition);
        } else {
          reads.push_back({join->response().groups.size() - 1,
                           out.topics.size() - 1,
                           t.partitions.size() - 1,
                           {g.group_id, meta->id, p},
                           name,
                           !partitions.has_value()});
        }
      }
    }
  }
  join->expect(reads.size());
  auto& replicas = ctx.services.replicas;
  for (const auto& r : reads) {
    ctx.services.share_persister->read(
        r.key, -1, [join, r, &replicas](sluice::result<share::persisted_state, error_code> state) {
          int64_t high_watermark = -1;
          if (state && state.value().start_offset >= 0)
            if (auto view = replicas.describe(r.topic_name, r.key.partition); view && view->leader)
              high_watermark = view->high_watermark;
          join->complete([&](response_t& response) {
            auto& po = response.groups[r.group].topics[r.topic].partitions[r.partition];
            if (!state) {
              po.error_code = code_of(state.error().code);
            } else if (state.value().start_offset < 0 && r.omit_if_unkept) {
              po.error_code = -1;  // left out (leave_out_unkept)
            } else {
              po.start_offset = state.value().start_offset;
              po.leader_epoch = state.value().leader_epoch;
              if (high_watermark >= 0) po.lag = lag_of(state.value(), high_watermark);
            }
          });
        });
  }
  join->complete();
}

}  // namespace sluice::handlers
