// DescribeTopicPartitions (key 75), v0: topics and their partitions (leader, epoch, replicas,
// ISR), paged. Topics are answered in name order — all of them when the request lists none —
// starting at the cursor (topic, partition); at most response_partition_limit partitions (capped
// at 2000, at least 1) go in one answer, and next_cursor says where the next request resumes.
// Named topics that do not exist get UNKNOWN_TOPIC_OR_PARTITION (INVALID_TOPIC_EXCEPTION for a
// bad name); a cursor outside the listed topics, or with a negative partition, fails the request
// with INVALID_REQUEST, as in Kafka. Topics the principal may not DESCRIBE are skipped, and
// answered TOPIC_AUTHORIZATION_FAILED (after the page) when named; topic_authorized_operations
// carries the principal's operations on each described topic.
#include <algorithm>
#include <set>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/generated/describe_topic_partitions.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using response_t = protocol::describe_topic_partitions_response;
using topic_out = response_t::describe_topic_partitions_response_topic;
using partition_out = topic_out::describe_topic_partitions_response_partition;

constexpr int32_t max_partitions_per_response = 2000;  // Kafka's max.request.partition.size.limit

topic_out topic_error(const std::string& name, error_code code) {
  topic_out t;
  t.name = name;
  t.error_code = code_of(code);
  t.is_internal = cluster::is_internal_topic(name);
  return t;
}

partition_out describe(const cluster::partition_state& p) {
  partition_out out;
  out.partition_index = p.partition;
  out.leader_id = p.leader;
  out.leader_epoch = p.leader_epoch;
  out.replica_nodes = p.replicas;
  out.isr_nodes = p.isr;
  out.eligible_leader_replicas = std::vector<int32_t>{};
  out.last_known_elr = std::vector<int32_t>{};
  return out;
}

}  // namespace

void handle_describe_topic_partitions(request_context& ctx, protocol::reader& body,
                                      responder reply) {
  protocol::describe_topic_partitions_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  auto& store = ctx.services.metadata;

  const bool all_topics = request.topics.empty();
  const std::string cursor_topic = request.cursor ? request.cursor->topic_name : std::string();
  std::set<std::string> names;  // sorted, as Kafka pages through them
  if (all_topics) {
    for (const auto& t : store.topics())
      if (t.name >= cursor_topic) names.insert(t.name);
  } else {
    for (const auto& t : request.topics)
      if (t.name >= cursor_topic) names.insert(t.name);
  }

  response_t response;
  bool bad_cursor = request.cursor && ((!all_topics && !names.contains(cursor_topic)) ||
                                       request.cursor->partition_index < 0);
  if (bad_cursor) {
    for (const auto& t : request.topics)
      response.topics.push_back(topic_error(t.name, error_code::invalid_request));
    return reply.send(response);
  }

  const access acl(ctx);
  std::vector<std::string> refused;
  std::erase_if(names, [&](const std::string& name) {
    if (acl.allows_topic(acl_operation::describe, name)) return false;
    if (!all_topics) refused.push_back(name);
    return true;
  });

  int32_t remaining =
      std::max(std::min(max_partitions_per_response, request.response_partition_limit), 1);
  for (const auto& name : names) {
    if (remaining == 0) {
      response.next_cursor = response_t::cursor{name, 0};
      break;
    }
    auto topic = store.topic(name);
    if (!topic) {
      if (all_topics) continue;  // deleted meanwhile
      auto valid = cluster::validate_topic_name(name);
      response.topics.push_back(topic_error(name, valid ? error_code::unknown_topic_or_partition
                                                        : error_code::invalid_topic_exception));
      continue;
    }
    auto& out = response.topics.emplace_back();
    out.name = name;
    out.topic_id = topic->id;
    out.is_internal = topic->internal;
    out.topic_authorized_operations = acl.operations(resource_type::topic, name);
    auto total = static_cast<int32_t>(topic->partitions.size());
    int32_t start = request.cursor && name == cursor_topic ? request.cursor->partition_index : 0;
    auto end = static_cast<int32_t>(std::min<int64_t>(total, int64_t{start} + remaining));
    for (int32_t i = start; i < end; ++i) out.partitions.push_back(describe(topic->partitions[i]));
    if (end < total) {
      response.next_cursor = response_t::cursor{name, end};
      break;
    }
    remaining -= std::max(0, end - start);
  }
  for (const auto& name : refused) {
    auto& out =
        response.topics.emplace_back(topic_error(name, error_code::topic_authorization_failed));
    out.is_internal = false;
  }
  reply.send(response);
}

}  // namespace sluice::handlers
