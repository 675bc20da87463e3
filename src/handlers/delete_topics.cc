// DeleteTopics (key 20), v1–v6 (Kafka 4 dropped v0). Topics are named by name (v1–v5:
// topic_names) or, from v6, by name or id. Unknown names → UNKNOWN_TOPIC_OR_PARTITION, unknown
// ids → UNKNOWN_TOPIC_ID, a name given twice → INVALID_REQUEST. With delete.topic.enable=false
// every topic gets TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3, as Kafka answers).
// Internal topics (__consumer_offsets, __transaction_state) are protected here: Kafka itself
// lets an unrestricted client delete them, which silently breaks every group, so Sluice answers
// TOPIC_AUTHORIZATION_FAILED as Kafka does for a topic the client may not delete. Authorization as
// Kafka's: DELETE on the topic (else TOPIC_AUTHORIZATION_FAILED); a topic named by id that the
// principal may not DESCRIBE is answered without its name.
#include <fmt/format.h>

#include <map>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/mutation_quota.h"
#include "handlers/registry.h"
#include "protocol/generated/delete_topics.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using response_t = protocol::delete_topics_response;
using topic_result = response_t::deletable_topic_result;

// One topic as the request names it.
struct wanted {
  std::optional<std::string> name;
  protocol::uuid id;
};

std::vector<wanted> wanted_topics(const protocol::delete_topics_request& request, int16_t version) {
  std::vector<wanted> out;
  if (version < 6) {
    for (const auto& name : request.topic_names) out.push_back({name, {}});
  } else {
    for (const auto& t : request.topics) out.push_back({t.name, t.topic_id});
  }
  return out;
}

}  // namespace

void handle_delete_topics(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::delete_topics_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  auto& store = ctx.services.metadata;

  auto topics = wanted_topics(request, version);
  std::map<std::string, int> occurrences;
  for (const auto& t : topics)
    if (t.name) ++occurrences[*t.name];

  const access acl(ctx);
  response_t response;
  std::map<std::string, bool> answered_duplicate;
  // controller_mutation_rate (KIP-599): strict from v5, which knows THROTTLING_QUOTA_EXCEEDED.
  mutation_quota mutations(ctx, version >= 5);
  for (const auto& t : topics) {
    topic_result out;
    out.name = t.name;
    if (version >= 6) out.topic_id = t.id;
    auto refuse = [&](error_code code, std::optional<std::string> message = std::nullopt) {
      out.error_code = code_of(code);
      if (version >= 5) out.error_message = std::move(message);
      response.responses.push_back(std::move(out));
    };

    if (t.name && !t.id.is_zero()) {
      refuse(error_code::invalid_request, "You may not specify both topic name and topic id.");
      continue;
    }
    std::string name;
    if (!t.name) {
      if (t.id.is_zero()) {
        refuse(error_code::invalid_request, "Neither topic name nor id were specified.");
        continue;
      }
      auto found = store.topic_by_id(t.id);
      if (!found) {
        refuse(error_code::unknown_topic_id);
        continue;
      }
      name = found->name;
      out.name = name;
    } else {
      name = *t.name;
      if (occurrences[name] > 1) {
        // One answer per duplicated name, as Kafka's controller gives.
        if (answered_duplicate[name]) continue;
        answered_duplicate[name] = true;
        refuse(error_code::invalid_request, "Duplicate topic name.");
        continue;
      }
      if (version >= 6) {
        if (auto found = store.topic(name)) out.topic_id = found->id;
      }
    }
    if (!t.name && !acl.allows_topic(acl_operation::describe, name)) {
      out.name = std::nullopt;
      refuse(error_code::topic_authorization_failed);
      continue;
    }
    if (!acl.allows_topic(acl_operation::remove, name)) {
      refuse(error_code::topic_authorization_failed);
      continue;
    }
    if (cluster::is_internal_topic(name)) {
      refuse(error_code::topic_authorization_failed,
             fmt::format("Internal topic {} cannot be deleted.", name));
      continue;
    }
    if (mutations.refused()) {
      refuse(error_code::throttling_quota_exceeded, "The throttling quota has been exceeded.");
      continue;
    }
    const auto before = store.topic(name);
    auto deleted = store.delete_topic(name);
    if (!deleted) {
      switch (deleted.code()) {
        case cluster::errc::deletion_disabled:
          refuse(version < 3 ? error_code::invalid_request : error_code::topic_deletion_disabled,
                 "Topic deletion is disabled.");
          break;
        case cluster::errc::unknown_topic:
          refuse(error_code::unknown_topic_or_partition);
          break;
        default:
          refuse(to_kafka(deleted.code()), deleted.message());
      }
      continue;
    }
    if (before) mutations.record(static_cast<int64_t>(before->partitions.size()));
    response.responses.push_back(std::move(out));
  }
  if (auto t = mutations.throttle(); t.count() > 0) {
    response.throttle_time_ms = static_cast<int32_t>(t.count());
    reply.throttle(t);
  }
  reply.send(response);
}

}  // namespace sluice::handlers
