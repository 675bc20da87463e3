#include "storage/cleaned_txns.h"

namespace sluice::storage {

void cleaned_txns::add_aborted(std::span<const aborted_txn> aborted) {
  for (const auto& t : aborted) pending_.emplace(t.first_offset, t);
}

void cleaned_txns::start_up_to(int64_t offset) {
  while (!pending_.empty() && pending_.begin()->first <= offset) {
    const aborted_txn& t = pending_.begin()->second;
    open_aborted_.try_emplace(t.producer_id, open_abort{t, false});
    pending_.erase(pending_.begin());
  }
}

bool cleaned_txns::on_control_batch(const protocol::batch_header& h,
                                    std::optional<protocol::control_type> type) {
  start_up_to(h.last_offset());
  if (!type) return true;  // already emptied by an earlier pass
  if (*type == protocol::control_type::abort) {
    auto it = open_aborted_.find(h.producer_id);
    if (it == open_aborted_.end()) return true;
    bool seen = it->second.seen_data;
    aborted_txn txn = it->second.txn;
    open_aborted_.erase(it);
    if (!seen) return true;
    // Its data is dropped in this pass; the marker and the index entry stay until a later pass
    // finds no data before the marker.
    index_.push_back(txn);
    return false;
  }
  if (*type == protocol::control_type::commit) return open_committed_.erase(h.producer_id) == 0;
  return false;
}

bool cleaned_txns::on_data_batch(const protocol::batch_header& h) {
  start_up_to(h.last_offset());
  if (!h.is_transactional()) return false;
  auto it = open_aborted_.find(h.producer_id);
  if (it != open_aborted_.end()) {
    it->second.seen_data = true;
    return true;
  }
  open_committed_.insert(h.producer_id);
  return false;
}

std::vector<aborted_txn> cleaned_txns::take_index_entries() {
  std::vector<aborted_txn> out;
  out.swap(index_);
  return out;
}

}  // namespace sluice::storage
