#include "handlers/mutation_quota.h"

#include <algorithm>

#include "handlers/broker_services.h"
#include "quota/client_quotas.h"

namespace sluice::handlers {
namespace {

sampled_rate::time_ms now_ms() {
  return std::chrono::duration_cast<sampled_rate::time_ms>(
      std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace

mutation_quota::mutation_quota(const request_context& ctx, bool strict)
    : quota_(ctx.services.quotas != nullptr && ctx.services.quotas->controller_mutation.enabled()
                 ? &ctx.services.quotas->controller_mutation
                 : nullptr),
      strict_(strict) {
  if (quota_ != nullptr) {
    user_ = quota::quota_user(ctx.connection->session->principal());
    client_id_ = ctx.client_id();
  }
}

bool mutation_quota::refused() {
  if (quota_ == nullptr || !strict_) return false;
  auto t = quota_->check(user_, client_id_, now_ms());
  refused_throttle_ = std::max(refused_throttle_, t);
  return t.count() > 0;
}

void mutation_quota::record(int64_t partitions) {
  if (quota_ != nullptr && partitions > 0)
    quota_->record(user_, client_id_, static_cast<double>(partitions), now_ms());
}

std::chrono::milliseconds mutation_quota::throttle() {
  if (quota_ == nullptr) return std::chrono::milliseconds(0);
  if (strict_) return refused_throttle_;
  return quota_->throttle_time(user_, client_id_, now_ms());
}

}  // namespace sluice::handlers
