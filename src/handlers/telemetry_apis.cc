// KIP-714 client telemetry: GetTelemetrySubscriptions (71), PushTelemetry (72) and
// ListConfigResources (74, v0–1; ListClientMetricsResources in Kafka 3.9), answered from
// telemetry/client_telemetry. As Kafka, 71 and 72 need no ACL; 74 needs DESCRIBE_CONFIGS on the
// cluster (else CLUSTER_AUTHORIZATION_FAILED). Kafka 3.9's ZooKeeper-mode brokers serve none of
// them; Sluice serves them in both modes, keeping client-metrics resources with the other client
// configs (/config/client-metrics/<name> in ZooKeeper).
#include <chrono>

#include "coordinator/group_configs.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/config_resources.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/get_telemetry_subscriptions.h"
#include "protocol/generated/list_config_resources.h"
#include "protocol/generated/push_telemetry.h"
#include "replication/replica_manager.h"
#include "telemetry/client_telemetry.h"

namespace sluice::handlers {

using protocol::error_code;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

telemetry::client_metadata client_of(const request_context& ctx) {
  telemetry::client_metadata c;
  c.client_id = std::string(ctx.client_id());
  std::tie(c.software_name, c.software_version) = ctx.connection->session->client_software();
  c.source_address = ctx.connection->client_host;
  c.source_port = ctx.connection->client_port;
  return c;
}

}  // namespace

void handle_get_telemetry_subscriptions(request_context& ctx, protocol::reader& body,
                                        responder reply) {
  protocol::get_telemetry_subscriptions_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (ctx.services.telemetry == nullptr) return reply.close();
  auto answer = ctx.services.telemetry->get_subscriptions(request.client_instance_id,
                                                          client_of(ctx), now_ms());
  protocol::get_telemetry_subscriptions_response response;
  response.error_code = code_of(answer.error);
  if (answer.error == error_code::none) {
    response.client_instance_id = answer.client_instance_id;
    response.subscription_id = answer.subscription_id;
    response.accepted_compression_types = answer.accepted_compression;
    response.push_interval_ms = answer.push_interval_ms;
    response.telemetry_max_bytes = answer.max_bytes;
    response.delta_temporality = answer.delta_temporality;
    response.requested_metrics = answer.requested_metrics;
  }
  reply.send(response);
}

void handle_push_telemetry(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::push_telemetry_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (ctx.services.telemetry == nullptr) return reply.close();
  auto [error, message] = ctx.services.telemetry->push(
      request.client_instance_id, request.subscription_id, request.terminating,
      request.compression_type, request.metrics, client_of(ctx), now_ms());
  protocol::push_telemetry_response response;
  response.error_code = code_of(error);
  reply.send(response);
}

// v0: the client-metrics resources; v1: the resources of the types asked for (none: every type
// this broker lists) — groups with configs, client metrics, broker loggers and brokers (this
// broker), topics, in Kafka's order.
void handle_list_config_resources(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::list_config_resources_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  protocol::list_config_resources_response response;
  if (!access(ctx).allows_cluster(acl_operation::describe_configs)) {
    response.error_code = code_of(error_code::cluster_authorization_failed);
    return reply.send(response);
  }
  std::vector<int8_t> types = request.resource_types;
  const std::vector<int8_t> supported = {32, 16, 8, 4, 2};
  if (ctx.api_version() == 0) types = {16};
  if (types.empty()) types = supported;
  for (int8_t t : types) {
    if (std::find(supported.begin(), supported.end(), t) == supported.end()) {
      response.error_code = code_of(error_code::unsupported_version);
      return reply.send(response);
    }
  }
  auto wanted = [&](config_resource t) {
    return std::find(types.begin(), types.end(), static_cast<int8_t>(t)) != types.end();
  };
  auto add = [&](std::string name, config_resource t) {
    auto& out = response.config_resources.emplace_back();
    out.resource_name = std::move(name);
    out.resource_type = static_cast<int8_t>(t);
  };
  if (wanted(config_resource::group) && ctx.services.group_configs != nullptr)
    for (auto& name : ctx.services.group_configs->groups())
      add(std::move(name), config_resource::group);
  if (wanted(config_resource::client_metrics) && ctx.services.telemetry != nullptr)
    for (auto& name : ctx.services.telemetry->subscription_names())
      add(std::move(name), config_resource::client_metrics);
  const std::string self = std::to_string(ctx.services.settings.broker_id);
  if (wanted(config_resource::broker_logger)) add(self, config_resource::broker_logger);
  if (wanted(config_resource::broker)) add(self, config_resource::broker);
  if (wanted(config_resource::topic))
    for (const auto& t : ctx.services.metadata.topics()) add(t.name, config_resource::topic);
  reply.send(response);
}

}  // namespace sluice::handlers
