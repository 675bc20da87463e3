// CreatePartitions (key 37), v0–v3: grows topics to a new partition count, with the new
// partitions' replicas given explicitly or placed by the store; validate_only checks without
// changing anything. Errors per topic with Kafka's messages: an unknown topic, a count that is not
// an increase (INVALID_PARTITIONS), an assignment that does not match the increase or names
// unknown brokers (INVALID_REPLICA_ASSIGNMENT), a topic named twice (INVALID_REQUEST), a topic the
// principal may not ALTER (TOPIC_AUTHORIZATION_FAILED).
#include <fmt/format.h>

#include <map>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/mutation_quota.h"
#include "handlers/registry.h"
#include "protocol/generated/create_partitions.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using request_t = protocol::create_partitions_request;
using response_t = protocol::create_partitions_response;
using topic_result = response_t::create_partitions_topic_result;

topic_result error_result(const std::string& name, error_code code, std::string message) {
  topic_result r;
  r.name = name;
  r.error_code = code_of(code);
  r.error_message = std::move(message);
  return r;
}

topic_result grow(cluster::metadata_store& store, const request_t::create_partitions_topic& topic,
                  bool validate_only, mutation_quota& mutations) {
  auto current = store.topic(topic.name);
  if (!current)
    return error_result(topic.name, error_code::unknown_topic_or_partition,
                        fmt::format("The topic '{}' does not exist.", topic.name));
  if (!validate_only && mutations.refused())
    return error_result(topic.name, error_code::throttling_quota_exceeded,
                        "The throttling quota has been exceeded.");
  std::vector<std::vector<int32_t>> assignment;
  if (topic.assignments) {
    auto increase = topic.count - static_cast<int32_t>(current->partitions.size());
    auto given = static_cast<int32_t>(topic.assignments->size());
    if (increase > 0 && given != increase)
      return error_result(topic.name, error_code::invalid_replica_assignment,
                          fmt::format("Increasing the number of partitions by {} but {} "
                                      "assignments provided.",
                                      increase, given));
    for (const auto& a : *topic.assignments) assignment.push_back(a.broker_ids);
  }
  auto grown = store.create_partitions(topic.name, topic.count, assignment, validate_only);
  if (!grown) {
    if (grown.code() == cluster::errc::unknown_topic)
      return error_result(topic.name, error_code::unknown_topic_or_partition,
                          fmt::format("The topic '{}' does not exist.", topic.name));
    return error_result(topic.name, to_kafka(grown.code()), grown.message());
  }
  if (!validate_only)
    mutations.record(topic.count - static_cast<int64_t>(current->partitions.size()));
  topic_result ok;
  ok.name = topic.name;
  return ok;
}

}  // namespace

void handle_create_partitions(request_context& ctx, protocol::reader& body, responder reply) {
  request_t request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();

  std::map<std::string, int> occurrences;
  for (const auto& topic : request.topics) ++occurrences[topic.name];

  const access acl(ctx);
  response_t response;
  // controller_mutation_rate (KIP-599): strict from v3, which knows THROTTLING_QUOTA_EXCEEDED.
  mutation_quota mutations(ctx, ctx.api_version() >= 3);
  for (const auto& topic : request.topics) {
    if (occurrences[topic.name] > 1) continue;
    if (!acl.allows_topic(acl_operation::alter, topic.name)) {
      response.results.push_back(error_result(topic.name, error_code::topic_authorization_failed,
                                              "The topic authorization is failed."));
      continue;
    }
    response.results.push_back(
        grow(ctx.services.metadata, topic, request.validate_only, mutations));
  }
  // Kafka answers each duplicated name once, after the others.
  for (const auto& [name, count] : occurrences) {
    if (count > 1)
      response.results.push_back(
          error_result(name, error_code::invalid_request, "Duplicate topic in request."));
  }
  if (auto t = mutations.throttle(); t.count() > 0) {
    response.throttle_time_ms = static_cast<int32_t>(t.count());
    reply.throttle(t);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
