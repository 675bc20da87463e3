// DescribeLogDirs (key 35), v1–v4 (Kafka 4 dropped v0): every log dir of this broker with the
// partitions it holds — all of them, or those the request names — and their sizes on disk. On one
// broker no replica lags (offset_lag 0) and no partition is being moved (is_future_key false:
// AlterReplicaLogDirs moves a replica before it answers).
// v4 adds the file system's total and usable bytes (statvfs; -1 when it cannot be read). Needs
// DESCRIBE on the cluster: refused, the answer lists no dirs (v3+: CLUSTER_AUTHORIZATION_FAILED).
#include <sys/statvfs.h>

#include <filesystem>
#include <map>
#include <set>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/log_dir_paths.h"
#include "handlers/registry.h"
#include "protocol/generated/describe_log_dirs.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

namespace {

using response_t = protocol::describe_log_dirs_response;
using dir_result = response_t::describe_log_dirs_result;

void add_space(dir_result& out) {
  struct statvfs fs {};
  if (::statvfs(out.log_dir.c_str(), &fs) != 0) return;  // stays -1
  out.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
  out.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace

void handle_describe_log_dirs(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::describe_log_dirs_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  if (!access(ctx).allows_cluster(acl_operation::describe)) {
    response_t refused;
    refused.error_code = static_cast<int16_t>(protocol::error_code::cluster_authorization_failed);
    return reply.send(refused);
  }

  // Which partitions to report: null means all.
  std::optional<std::set<std::pair<std::string, int32_t>>> wanted;
  if (request.topics) {
    wanted.emplace();
    for (const auto& t : *request.topics)
      for (int32_t p : t.partitions) wanted->emplace(t.topic, p);
  }

  response_t response;
  std::map<std::string, size_t> dir_index;
  for (const auto& dir : ctx.services.replicas.log_dirs()) {
    auto& out = response.results.emplace_back();
    out.log_dir = normalise_log_dir(dir);
    if (version >= 4) add_space(out);
    dir_index.emplace(out.log_dir, response.results.size() - 1);
  }

  // Group each dir's partitions by topic, in name and partition order.
  std::map<size_t, std::map<std::string, std::map<int32_t, int64_t>>> by_dir;
  for (const auto& s : ctx.services.replicas.summaries()) {
    if (wanted && !wanted->contains({s.topic, s.partition})) continue;
    auto it = dir_index.find(normalise_log_dir(s.log_dir));
    if (it == dir_index.end()) continue;
    by_dir[it->second][s.topic][s.partition] = s.size_bytes;
  }
  for (auto& [index, topics] : by_dir) {
    for (auto& [name, partitions] : topics) {
      auto& topic = response.results[index].topics.emplace_back();
      topic.name = name;
      for (auto& [partition, size] : partitions) {
        auto& p = topic.partitions.emplace_back();
        p.partition_index = partition;
        p.partition_size = size;
      }
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
