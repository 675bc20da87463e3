// KIP-932's share group membership APIs: ShareGroupHeartbeat (76) and ShareGroupDescribe (77),
// decoded here, authorized as Kafka's KafkaApis does, and answered by the group coordinator.
//
// Authorization: a heartbeat needs READ on the group (else GROUP_AUTHORIZATION_FAILED) and
// DESCRIBE on every topic it subscribes to (else TOPIC_AUTHORIZATION_FAILED); ShareGroupDescribe
// needs DESCRIBE per group (refused groups answered GROUP_AUTHORIZATION_FAILED here, the others by
// the coordinator, in request order).
#include "coordinator/group_coordinator.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/describe_authorized_groups.h"
#include "handlers/feature_gates.h"
#include "handlers/forward.h"
#include "handlers/handlers.h"
#include "protocol/generated/share_group_describe.h"
#include "protocol/generated/share_group_heartbeat.h"

namespace sluice::handlers {

using protocol::error_code;

void handle_share_group_heartbeat(request_context& ctx, protocol::reader& body, responder reply) {
  coordinator::client_info client{ctx.client_id(), "/" + ctx.connection->client_host, {}};
  forward<protocol::share_group_heartbeat_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [&ctx, &client](auto& g, protocol::share_group_heartbeat_request request, int16_t v,
                      auto done) {
        if (auto off = refuse_if_disabled<protocol::share_group_heartbeat_response>(
                ctx.services.metadata, cluster::share_version_feature, "The share group protocol"))
          return done(std::move(*off));
        if (auto refused =
                heartbeat_refusal(access(ctx), request.group_id, request.subscribed_topic_names)) {
          protocol::share_group_heartbeat_response out;
          out.error_code = static_cast<int16_t>(*refused);
          return done(std::move(out));
        }
        g.share_group_heartbeat(std::move(request), v, std::move(client), std::move(done));
      });
}

void handle_share_group_describe(request_context& ctx, protocol::reader& body, responder reply) {
  describe_authorized_groups<protocol::share_group_describe_request,
                             protocol::share_group_describe_response>(
      ctx, body, std::move(reply), [](auto& g, const auto& request, int16_t v, auto done) {
        g.share_group_describe(request, v, std::move(done));
      });
}

}  // namespace sluice::handlers
