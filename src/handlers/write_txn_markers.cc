// WriteTxnMarkers (key 27), v0–v1: from a transaction coordinator to the partition leaders of a
// transaction. Inter-broker: runs on a request worker. See txn_markers.h.
// Needs CLUSTER_ACTION (else every partition is CLUSTER_AUTHORIZATION_FAILED).
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/handlers.h"
#include "handlers/txn_markers.h"

namespace sluice::handlers {

namespace {
// Kafka's request.timeout.ms default, which it gives the marker appends.
constexpr int32_t marker_append_timeout_ms = 30'000;
}  // namespace

void handle_write_txn_markers(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::write_txn_markers_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (!access(ctx).allows_inter_broker()) {
    protocol::write_txn_markers_response refused;
    for (const auto& marker : request.markers) {
      auto& m = refused.markers.emplace_back();
      m.producer_id = marker.producer_id;
      for (const auto& topic : marker.topics) {
        auto& t = m.topics.emplace_back();
        t.name = topic.name;
        for (int32_t p : topic.partition_indexes)
          t.partitions.push_back({.partition_index = p,
                                  .error_code = static_cast<int16_t>(
                                      protocol::error_code::cluster_authorization_failed)});
      }
    }
    return reply.send(refused);
  }
  auto shared = std::make_shared<responder>(std::move(reply));
  write_txn_markers(
      ctx.services, std::move(request), marker_append_timeout_ms,
      [shared](protocol::write_txn_markers_response response) { shared->send(response); });
}

}  // namespace sluice::handlers
