// CreateTopics (key 19), v2–v7 (Kafka 4 dropped v0–1). Each topic is created (or only validated)
// through the metadata store with its partition count and replication factor (-1: the broker's
// defaults) or an explicit replica assignment, and its config overrides. Per-topic errors carry
// Kafka's messages; v5+ answers with the topic's partition count, replication factor and every
// config with its source, v7+ with its id. Names given twice, internal topics and null config
// values are refused before the store is asked. Authorization as Kafka's: CREATE on the cluster,
// or on the topic (else TOPIC_AUTHORIZATION_FAILED, "Authorization failed."); without
// DESCRIBE_CONFIGS on the topic, v5+ answers leave out its configs, partition count and
// replication factor and carry topic_config_error_code TOPIC_AUTHORIZATION_FAILED.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/mutation_quota.h"
#include "handlers/registry.h"
#include "protocol/generated/create_topics.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using request_t = protocol::create_topics_request;
using response_t = protocol::create_topics_response;
using topic_result = response_t::creatable_topic_result;

constexpr std::string_view cluster_metadata_topic = "__cluster_metadata";

struct topic_error {
  error_code code;
  std::string message;
};

// The replicas of each partition, by partition index; indices must be 0..n-1, each once.
std::optional<topic_error> assignment_of(const request_t::creatable_topic& topic,
                                         std::vector<std::vector<int32_t>>& out) {
  std::map<int32_t, std::vector<int32_t>> by_index;
  for (const auto& a : topic.assignments) {
    if (!by_index.emplace(a.partition_index, a.broker_ids).second)
      return topic_error{error_code::invalid_replica_assignment,
                         fmt::format("Found multiple manual partition assignments for partition {}",
                                     a.partition_index)};
  }
  int32_t expected = 0;
  for (auto& [index, brokers] : by_index) {
    if (index != expected++)
      return topic_error{error_code::invalid_replica_assignment,
                         "partitions should be a consecutive 0-based integer sequence"};
    out.push_back(std::move(brokers));
  }
  return std::nullopt;
}

// Kafka's checks that do not need the store.
std::optional<topic_error> precheck(const request_t::creatable_topic& topic, int occurrences) {
  if (occurrences > 1)
    return topic_error{error_code::invalid_request, "Found multiple entries for this topic."};
  if (cluster::is_internal_topic(topic.name) || topic.name == cluster_metadata_topic)
    return topic_error{error_code::invalid_request,
                       fmt::format("Creation of internal topic {} is prohibited.", topic.name)};
  std::vector<std::string> nulls;
  for (const auto& c : topic.configs)
    if (!c.value) nulls.push_back(c.name);
  if (!nulls.empty())
    return topic_error{
        error_code::invalid_config,
        fmt::format("Null value not supported for topic configs: {}", fmt::join(nulls, ","))};
  return std::nullopt;
}

// v5+: what the topic was created with (also for validate_only, as Kafka answers).
void describe_created(const cluster::topic_metadata& t, const config_provider& configs,
                      topic_result& out) {
  out.num_partitions = static_cast<int32_t>(t.partitions.size());
  out.replication_factor =
      t.partitions.empty() ? -1 : static_cast<int16_t>(t.partitions.front().replicas.size());
  std::vector<topic_result::creatable_topic_configs> entries;
  for (const auto& e : configs.topic_configs(t.configs)) {
    auto& c = entries.emplace_back();
    c.name = e.name;
    c.value = e.sensitive ? std::nullopt : e.value;
    c.read_only = e.read_only;
    c.config_source = static_cast<int8_t>(e.from);
    c.is_sensitive = e.sensitive;
  }
  out.configs = std::move(entries);
}

}  // namespace

void handle_create_topics(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  request_t request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  auto& services = ctx.services;

  std::map<std::string, int> occurrences;
  for (const auto& topic : request.topics) ++occurrences[topic.name];

  const access acl(ctx);
  const bool cluster_create = acl.allows_cluster(acl_operation::create);
  response_t response;
  // controller_mutation_rate (KIP-599): strict from v6, which knows THROTTLING_QUOTA_EXCEEDED.
  mutation_quota mutations(ctx, version >= 6);
  for (const auto& topic : request.topics) {
    auto& out = response.topics.emplace_back();
    out.name = topic.name;
    out.error_message = std::nullopt;  // null unless there is an error, as Kafka answers
    auto refuse = [&](const topic_error& e) {
      out.error_code = code_of(e.code);
      out.error_message = e.message;
    };
    const bool describe_configs = topic.name == cluster_metadata_topic ||
                                  acl.allows_topic(acl_operation::describe_configs, topic.name);
    if (!describe_configs && version >= 5)
      out.topic_config_error_code = code_of(error_code::topic_authorization_failed);
    if (auto e = precheck(topic, occurrences[topic.name])) {
      refuse(*e);
      continue;
    }
    if (!cluster_create && !acl.allows_topic(acl_operation::create, topic.name)) {
      refuse({error_code::topic_authorization_failed, "Authorization failed."});
      continue;
    }
    cluster::new_topic spec;
    spec.name = topic.name;
    spec.partitions = topic.num_partitions;
    spec.replication_factor = topic.replication_factor;
    if (auto e = assignment_of(topic, spec.assignment)) {
      refuse(*e);
      continue;
    }
    for (const auto& c : topic.configs) spec.configs[c.name] = *c.value;
    if (!request.validate_only && mutations.refused()) {
      refuse({error_code::throttling_quota_exceeded, "The throttling quota has been exceeded."});
      out.topic_config_error_code = 0;
      continue;
    }

    auto created = services.metadata.create_topic(spec, request.validate_only);
    if (!created) {
      refuse({to_kafka(created.code()), created.message()});
      out.topic_config_error_code = 0;  // Kafka resets it when the creation failed
      continue;
    }
    if (!request.validate_only) mutations.record(static_cast<int64_t>(created->partitions.size()));
    // Without DESCRIBE_CONFIGS Kafka leaves the configs, partitions and replication factor out.
    if (version >= 5 && describe_configs) describe_created(*created, services.configs, out);
    if (version >= 7) out.topic_id = created->id;  // zero when only validated
  }
  if (auto t = mutations.throttle(); t.count() > 0) {
    response.throttle_time_ms = static_cast<int32_t>(t.count());
    reply.throttle(t);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
