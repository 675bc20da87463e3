// DescribeCluster (key 60), v0–v1: the cluster id, the controller and every broker with its
// endpoint on the listener the client connected to. This is a broker endpoint: a request for
// controllers (endpoint_type 2, v1) gets MISMATCHED_ENDPOINT_TYPE, an unknown type
// UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST in v0), as Kafka answers. Asked for,
// cluster_authorized_operations carries the principal's cluster operations when it may DESCRIBE
// the cluster, else 0 (with no authorizer: every cluster operation), as Kafka's.
#include <fmt/format.h>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/generated/describe_cluster.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;

constexpr int8_t broker_endpoints = 1;
constexpr int8_t controller_endpoints = 2;

}  // namespace

void handle_describe_cluster(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::describe_cluster_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  auto& store = ctx.services.metadata;

  protocol::describe_cluster_response response;
  if (request.endpoint_type != broker_endpoints) {
    bool known = request.endpoint_type == controller_endpoints;
    response.error_code = code_of(version == 0 ? error_code::invalid_request
                                               : (known ? error_code::mismatched_endpoint_type
                                                        : error_code::unsupported_endpoint_type));
    response.error_message =
        known ? "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of "
                "type CONTROLLER"
              : fmt::format("Unsupported endpoint type {}", request.endpoint_type);
    return reply.send(response);
  }

  response.cluster_id = store.cluster_id();
  const int32_t controller = store.controller_id();
  bool controller_listed = false;
  for (const auto& b : store.brokers()) {
    const cluster::broker_endpoint* chosen = nullptr;
    for (const auto& e : b.endpoints)
      if (e.listener_name == ctx.connection->listener_name) chosen = &e;
    if (chosen == nullptr) continue;  // not reachable on this listener
    auto& out = response.brokers.emplace_back();
    out.broker_id = b.id;
    out.host = chosen->host;
    out.port = chosen->port;
    out.rack = b.rack;
    controller_listed |= b.id == controller;
  }
  // Kafka reports -1 rather than a controller the client cannot see.
  response.controller_id = controller_listed ? controller : -1;
  if (request.include_cluster_authorized_operations) {
    const access acl(ctx);
    response.cluster_authorized_operations =
        acl.allows_cluster(acl_operation::describe)
            ? acl.operations(resource_type::cluster, security::cluster_resource_name)
            : 0;
  }
  reply.send(response);
}

}  // namespace sluice::handlers
