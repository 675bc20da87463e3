// AlterReplicaLogDirs (key 34), v0–2 (KIP-113): moves this broker's replicas between its log dirs.
// Per partition, as Kafka answers: a dir not in log.dirs is LOG_DIR_NOT_FOUND; a partition this
// broker does not hold yet is remembered (it is created in that dir when it arrives — how
// kafka-reassign-partitions.sh places new replicas) and answered REPLICA_NOT_AVAILABLE; a
// replica already there is NONE; otherwise the replica moves (replica_manager::move_to_log_dir:
// a rename on the same file system, else a copy) and the answer is NONE, or KAFKA_STORAGE_ERROR
// when the move failed. Kafka copies in the background and reports a "future" replica meanwhile;
// Sluice moves before it answers (runs on a request worker), so DescribeLogDirs never shows one.
// Needs ALTER on the cluster (else CLUSTER_AUTHORIZATION_FAILED for every partition).
#include "protocol/generated/alter_replica_log_dirs.h"

#include <spdlog/spdlog.h>

#include <map>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "handlers/log_dir_paths.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

void handle_alter_replica_log_dirs(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::alter_replica_log_dirs_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  const bool allowed = access(ctx).allows_cluster(acl_operation::alter);
  std::map<std::string, size_t> dirs;  // normalised path -> index in log.dirs
  const auto configured = ctx.services.replicas.log_dirs();
  for (size_t i = 0; i < configured.size(); ++i) dirs.emplace(normalise_log_dir(configured[i]), i);

  protocol::alter_replica_log_dirs_response response;
  std::map<std::string, size_t> topic_slot;
  for (const auto& dir : request.dirs) {
    auto index = dirs.find(normalise_log_dir(dir.path));
    for (const auto& t : dir.topics) {
      auto [slot, fresh] = topic_slot.try_emplace(t.name, response.results.size());
      if (fresh) response.results.emplace_back().topic_name = t.name;
      for (int32_t p : t.partitions) {
        auto& out = response.results[slot->second].partitions.emplace_back();
        out.partition_index = p;
        protocol::error_code e = protocol::error_code::none;
        if (!allowed) {
          e = protocol::error_code::cluster_authorization_failed;
        } else if (index == dirs.end()) {
          e = protocol::error_code::log_dir_not_found;
        } else if (auto moved = ctx.services.replicas.move_to_log_dir(t.name, p, index->second);
                   !moved) {
          e = moved.code() == replication::errc::unknown_topic_or_partition
                  ? protocol::error_code::replica_not_available
                  : protocol::error_code::kafka_storage_error;
          if (e == protocol::error_code::kafka_storage_error)
            spdlog::warn("AlterReplicaLogDirs {}-{} to {}: {}", t.name, p, dir.path,
                         moved.message());
        }
        out.error_code = code_of(e);
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
