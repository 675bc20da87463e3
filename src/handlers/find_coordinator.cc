// FindCoordinator (key 10), v0–v6: the broker leading the key's partition of __consumer_offsets
// (groups) or __transaction_state (transactional ids); the answer itself is computed by
// coordinator/find_coordinator.cc. The first request for a group or a transactional id creates
// the topic, as Kafka does; with fewer live brokers than its replication factor that fails and
// clients get COORDINATOR_NOT_AVAILABLE until enough brokers register. A group key needs DESCRIBE
// on the group, a transactional id DESCRIBE on it (else GROUP_ or
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED and no node), as in Kafka.
#include "coordinator/find_coordinator.h"

#include <spdlog/spdlog.h>

#include <atomic>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

namespace {

coordinator::internal_topic_view view_of(const broker_services& services,
                                         std::string_view topic_name, const std::string& listener) {
  coordinator::internal_topic_view view;
  auto topic = services.metadata.topic(std::string(topic_name));
  if (!topic) return view;
  view.exists = true;
  view.partitions = static_cast<int32_t>(topic->partitions.size());
  auto brokers = services.metadata.brokers();
  view.leader = [topic = std::move(*topic), brokers = std::move(brokers),
                 listener](int32_t partition) -> std::optional<coordinator::coordinator_endpoint> {
    if (partition < 0 || partition >= static_cast<int32_t>(topic.partitions.size()))
      return std::nullopt;
    int32_t leader = topic.partitions[static_cast<size_t>(partition)].leader;
    for (const auto& b : brokers) {
      if (b.id != leader) continue;
      for (const auto& e : b.endpoints)
        if (e.listener_name == listener)
          return coordinator::coordinator_endpoint{b.id, e.host, e.port};
      if (!b.endpoints.empty())
        return coordinator::coordinator_endpoint{b.id, b.endpoints.front().host,
                                                 b.endpoints.front().port};
    }
    return std::nullopt;
  };
  return view;
}

// Creates an internal topic on first use, as Kafka does; with fewer live brokers than its
// replication factor that fails and clients get COORDINATOR_NOT_AVAILABLE until enough register.
void create_internal_topic(broker_services& services, cluster::new_topic spec,
                           std::string_view replication_key) {
  auto created = services.metadata.create_topic(spec, false);
  if (created || created.code() == cluster::errc::topic_exists) return;
  static std::atomic<int> warned{0};
  const int bit = spec.name == cluster::consumer_offsets_topic ? 1 : 2;
  if (!(warned.fetch_or(bit) & bit))
    spdlog::warn(
        "cannot create {} yet: {} ({}={}); its coordinators stay unavailable until it can "
        "be created",
        spec.name, created.message(), replication_key, spec.replication_factor);
}

void create_offsets_topic(broker_services& services) {
  cluster::new_topic spec;
  spec.name = std::string(cluster::consumer_offsets_topic);
  spec.partitions = services.settings.offsets_topic_partitions;
  spec.replication_factor = services.settings.offsets_topic_replication_factor;
  spec.configs = {{"cleanup.policy", "compact"},
                  {"compression.type", "producer"},
                  {"segment.bytes", "104857600"}};
  create_internal_topic(services, std::move(spec), "offsets.topic.replication.factor");
}

// __transaction_state with the configs Kafka gives it.
void create_transaction_state_topic(broker_services& services) {
  const auto& s = services.settings;
  cluster::new_topic spec;
  spec.name = std::string(cluster::transaction_state_topic);
  spec.partitions = s.transaction_state_partitions;
  spec.replication_factor = s.transaction_state_replication_factor;
  spec.configs = {{"cleanup.policy", "compact"},
                  {"compression.type", "uncompressed"},
                  {"min.insync.replicas", std::to_string(s.transaction_state_min_isr)},
                  {"segment.bytes", std::to_string(s.transaction_state_segment_bytes)},
                  {"unclean.leader.election.enable", "false"}};
  create_internal_topic(services, std::move(spec), "transaction.state.log.replication.factor");
}

}  // namespace

void handle_find_coordinator(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::find_coordinator_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const auto& listener = ctx.connection->listener_name;
  auto offsets = view_of(ctx.services, cluster::consumer_offsets_topic, listener);
  auto transactions = view_of(ctx.services, cluster::transaction_state_topic, listener);
  auto answer = coordinator::find_coordinator(request, ctx.api_version(), offsets, transactions);

  // Keys the principal may not DESCRIBE get Kafka's authorization error and no node.
  const access acl(ctx);
  const bool transactional = request.key_type == 1;
  const auto type = transactional ? resource_type::transactional_id : resource_type::group;
  const auto refused_code = static_cast<int16_t>(authorization_error(type));
  auto refused = [&](const std::string& key) {
    return request.key_type <= 1 && !acl.allows(acl_operation::describe, type, key);
  };
  bool any_allowed = false;
  auto& response = answer.response;
  if (ctx.api_version() < 4) {
    any_allowed = !refused(request.key);
    if (!any_allowed) {
      response.error_code = refused_code;
      response.error_message = std::nullopt;
      response.node_id = -1;
      response.host.clear();
      response.port = -1;
    }
  } else {
    for (auto& c : response.coordinators) {
      if (!refused(c.key)) {
        any_allowed = true;
        continue;
      }
      c.error_code = refused_code;
      c.error_message = std::nullopt;
      c.node_id = -1;
      c.host.clear();
      c.port = -1;
    }
  }
  if (any_allowed && answer.offsets_topic_missing) create_offsets_topic(ctx.services);
  if (any_allowed && answer.transaction_topic_missing) create_transaction_state_topic(ctx.services);
  reply.send(response);
}

}  // namespace sluice::handlers
