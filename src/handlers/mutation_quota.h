// mutation_quota: one CreateTopics, DeleteTopics or CreatePartitions request's use of the
// client's controller_mutation_rate (KIP-599), as Kafka's ControllerMutationQuota: strict for the
// versions that know THROTTLING_QUOTA_EXCEEDED (each mutation asked for while the client is over
// its rate is refused), permissive for older ones (every mutation is done, the client is only
// throttled). Lives on the stack of one handler call; not thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "handlers/request_context.h"

namespace sluice::quota {
class controller_mutation_quota;
}

namespace sluice::handlers {

class mutation_quota {
 public:
  mutation_quota(const request_context& ctx, bool strict);

  // Strict mode, before a mutation: true when it must be refused with THROTTLING_QUOTA_EXCEEDED.
  bool refused();
  // A mutation done: `partitions` created or deleted.
  void record(int64_t partitions);
  // The throttle the response carries (and the connection is muted for), 0 when none.
  std::chrono::milliseconds throttle();

 private:
  quota::controller_mutation_quota* quota_;  // null: no quota is enforced
  const bool strict_;
  std::string user_, client_id_;
  std::chrono::milliseconds refused_throttle_{0};
};

}  // namespace sluice::handlers
