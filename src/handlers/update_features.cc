// UpdateFeatures (57), v0–2: changes the cluster's finalized feature levels (cluster/features.h)
// — upgrades, safe and unsafe downgrades, and deletions (a level below 1 with a downgrade type) —
// validated as Kafka's controller validates them and written to /feature (or the embedded store)
// together, or not at all. ALTER on the cluster, else CLUSTER_AUTHORIZATION_FAILED.
// Any broker serves it (the store write is cluster-wide), where Kafka asks the controller.
// ValidateOnly (v1+) writes nothing — honoured, where Kafka 3.9's ZooKeeper controller ignored it.
// Blocking (a store write): runs on a request worker.
#include "protocol/generated/update_features.h"
#include "cluster/features.h"
#include "cluster/metadata_store.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"

namespace sluice::handlers {

using protocol::error_code;

void handle_update_features(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::update_features_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  protocol::update_features_response response;
  auto refuse = [&](error_code e, std::string message) {
    response.error_code = code_of(e);
    response.error_message = std::move(message);
    reply.send(response);
  };
  if (!access(ctx).allows_cluster(acl_operation::alter))
    return refuse(error_code::cluster_authorization_failed, "Cluster authorization failed.");
  std::vector<cluster::feature_update> updates;
  for (const auto& u : request.feature_updates) {
    cluster::feature_update update;
    update.name = u.feature;
    update.level = u.max_version_level;
    if (ctx.api_version() == 0) {
      update.type = u.allow_downgrade ? cluster::upgrade_type::safe_downgrade
                                      : cluster::upgrade_type::upgrade;
    } else if (u.upgrade_type >= 1 && u.upgrade_type <= 3) {
      update.type = static_cast<cluster::upgrade_type>(u.upgrade_type);
    } else {
      update.type = cluster::upgrade_type::unknown;
    }
    updates.push_back(std::move(update));
  }
  if (updates.empty())
    return refuse(error_code::invalid_request, "Feature updates can not be null or empty.");

  // All or nothing, as Kafka 4.x's controller: the first update that cannot be made fails the
  // request and nothing is written (Kafka 3.9's ZooKeeper controller wrote the others).
  std::optional<cluster::feature_update_result> refused;
  auto edit =
      [&](const cluster::feature_levels& current) -> cluster::result<cluster::feature_levels> {
    auto outcome = cluster::apply_feature_updates(current, updates);
    refused.reset();
    for (const auto& r : outcome.results)
      if (r.code != error_code::none) {
        refused = r;
        return sluice::fail(cluster::errc::invalid_request, r.message);
      }
    return outcome.levels;
  };
  if (request.validate_only && ctx.api_version() >= 1) {
    (void)edit(ctx.services.metadata.features().levels);
  } else if (auto written = ctx.services.metadata.update_features(edit); !written && !refused) {
    return refuse(error_code::feature_update_failed,
                  "Unable to update finalized features due to an unexpected server error.");
  }
  if (refused) return refuse(refused->code, refused->message);
  for (const auto& u : updates) {
    auto& out = response.results.emplace_back();
    out.feature = u.name;
    out.error_message = std::nullopt;
  }
  response.error_message = std::nullopt;
  reply.send(response);
}

}  // namespace sluice::handlers
