// Metadata (key 3): brokers, cluster id, controller, and topics with their partitions' leaders,
// epochs, replicas and ISR. Creates missing topics when auto.create.topics.enable allows it and
// the request does (v4+ asks explicitly; earlier versions always allow it, as in Kafka).
// Authorization as Kafka's: topics the principal may not DESCRIBE are left out of an all-topics
// answer and answered TOPIC_AUTHORIZATION_FAILED when named (existing or not, so nothing is
// disclosed); auto-creation also needs CREATE on the cluster or the topic. Asked for (v8+),
// topic_authorized_operations and (v8-v10) cluster_authorized_operations carry the principal's
// operations.
#include <spdlog/spdlog.h>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/error_code.h"
#include "protocol/generated/metadata.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using response_t = protocol::metadata_response;

response_t::metadata_response_topic describe(const cluster::topic_metadata& t, int16_t version) {
  response_t::metadata_response_topic out;
  out.name = t.name;
  if (version >= 10) out.topic_id = t.id;
  out.is_internal = t.internal;
  for (const auto& p : t.partitions) {
    response_t::metadata_response_topic::metadata_response_partition part;
    part.partition_index = p.partition;
    part.leader_id = p.leader;
    if (version >= 7) part.leader_epoch = p.leader_epoch;
    part.replica_nodes = p.replicas;
    part.isr_nodes = p.isr;
    if (p.leader < 0) part.error_code = static_cast<int16_t>(error_code::leader_not_available);
    out.partitions.push_back(std::move(part));
  }
  return out;
}

response_t::metadata_response_topic topic_error(std::optional<std::string> name, protocol::uuid id,
                                                error_code code, int16_t version) {
  response_t::metadata_response_topic out;
  out.name = std::move(name);
  if (version >= 10) out.topic_id = id;
  out.error_code = static_cast<int16_t>(code);
  return out;
}

}  // namespace

void handle_metadata(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::metadata_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  auto& services = ctx.services;
  auto& store = services.metadata;

  response_t response;
  for (const auto& b : store.brokers()) {
    // Advertise each broker's endpoint on the listener this client connected to.
    const cluster::broker_endpoint* chosen = nullptr;
    for (const auto& e : b.endpoints)
      if (e.listener_name == ctx.connection->listener_name) chosen = &e;
    if (chosen == nullptr && !b.endpoints.empty()) chosen = &b.endpoints.front();
    if (chosen == nullptr) continue;
    response_t::metadata_response_broker broker;
    broker.node_id = b.id;
    broker.host = chosen->host;
    broker.port = chosen->port;
    if (version >= 1) broker.rack = b.rack;
    response.brokers.push_back(std::move(broker));
  }
  if (version >= 2) response.cluster_id = store.cluster_id();
  if (version >= 1) response.controller_id = store.controller_id();

  const access acl(ctx);
  // Kafka looks the ops up only for topics it describes, not for error entries.
  auto add = [&](const cluster::topic_metadata& t) {
    auto& out = response.topics.emplace_back(describe(t, version));
    if (version >= 8 && request.include_topic_authorized_operations)
      out.topic_authorized_operations = acl.operations(resource_type::topic, t.name);
  };
  auto refused = [&](std::optional<std::string> name, protocol::uuid id) {
    response.topics.push_back(
        topic_error(std::move(name), id, error_code::topic_authorization_failed, version));
  };

  // v0: an empty list means every topic; v1+: null means every topic, empty means none.
  bool all_topics = !request.topics.has_value() || (version == 0 && request.topics->empty());
  if (all_topics) {
    for (const auto& t : store.topics())
      if (acl.allows_topic(acl_operation::describe, t.name)) add(t);
  } else {
    bool may_create =
        services.settings.auto_create_topics && (version < 4 || request.allow_auto_topic_creation);
    for (const auto& wanted : *request.topics) {
      if (version < 10 && (!wanted.name || wanted.name->empty())) {
        // No topic ids before v10: an empty name is an invalid topic name, as Kafka answers it.
        response.topics.push_back(
            topic_error(std::string(), {}, error_code::invalid_topic_exception, version));
        continue;
      }
      if (!wanted.name.has_value() || wanted.name->empty()) {
        if (auto t = store.topic_by_id(wanted.topic_id)) {
          // Topic ids are not secret: the error keeps the id, never the name.
          if (!acl.allows_topic(acl_operation::describe, t->name)) {
            refused(std::nullopt, wanted.topic_id);
          } else {
            add(*t);
          }
        } else {
          response.topics.push_back(
              topic_error(std::nullopt, wanted.topic_id, error_code::unknown_topic_id, version));
        }
        continue;
      }
      const std::string& name = *wanted.name;
      if (!acl.allows_topic(acl_operation::describe, name)) {
        refused(name, {});
        continue;
      }
      if (auto t = store.topic(name)) {
        add(*t);
        continue;
      }
      if (auto valid = cluster::validate_topic_name(name); !valid) {
        response.topics.push_back(
            topic_error(name, {}, error_code::invalid_topic_exception, version));
        continue;
      }
      if (!may_create || cluster::is_internal_topic(name)) {
        response.topics.push_back(
            topic_error(name, {}, error_code::unknown_topic_or_partition, version));
        continue;
      }
      if (!acl.allows_cluster(acl_operation::create) &&
          !acl.allows_topic(acl_operation::create, name)) {
        refused(name, {});
        continue;
      }
      auto created = store.create_topic({.name = name}, false);
      if (created) {
        spdlog::info("Auto-created topic {} for client {} ({})", name, ctx.client_id(),
                     ctx.connection->client_address());
        add(*created);
      } else if (created.code() == cluster::errc::topic_exists) {
        if (auto t = store.topic(name)) add(*t);
      } else {
        response.topics.push_back(topic_error(name, {}, to_kafka(created.code()), version));
      }
    }
  }
  if (version >= 8 && version <= 10 && request.include_cluster_authorized_operations)
    response.cluster_authorized_operations =
        acl.allows_cluster(acl_operation::describe)
            ? acl.operations(resource_type::cluster, security::cluster_resource_name)
            : 0;
  reply.send(response);
}

}  // namespace sluice::handlers
