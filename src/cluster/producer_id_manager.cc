#include "cluster/producer_id_manager.h"

namespace sluice::cluster {

result<int64_t> producer_id_manager::next() {
  std::lock_guard lock(mutex_);
  if (!block_ || next_ > block_->last) {
    auto claimed = store_.allocate_producer_ids(broker_id_);
    if (!claimed) return std::move(claimed).error();
    block_ = *claimed;
    next_ = claimed->first;
  }
  return next_++;
}

}  // namespace sluice::cluster
