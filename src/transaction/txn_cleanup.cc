// The two periodic sweeps: ongoing transactions older than their timeout are aborted under a
// bumped epoch (so their producer is fenced), and ids idle past transactional.id.expiration.ms
// are removed with a tombstone.
#include <spdlog/spdlog.h>

#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {

void txn_coordinator_core::abort_timed_out(int64_t now_ms) {
  std::vector<std::string> timed_out;
  for (const auto& [p, ps] : partitions_) {
    if (ps.loading) continue;
    for (const auto& [id, m] : ps.txns) {
      if (!m.pending && m.state() == txn_state::ongoing &&
          m.current.start_ms + m.current.timeout_ms < now_ms) {
        timed_out.push_back(id);
      }
    }
  }
  for (const auto& id : timed_out) {
    auto found = lookup(id);
    if (!found.txn || found.txn->pending || found.txn->state() != txn_state::ongoing) continue;
    spdlog::info("transaction coordinator: aborting {}: its transaction timed out", id);
    fence_and_abort(*found.txn, now_ms, [id](error_code e) {
      if (e != error_code::none) {
        spdlog::info("transaction coordinator: aborting timed-out {} did not happen: {}", id,
                     protocol::error_name(e));
      }
    });
  }
}

void txn_coordinator_core::remove_expired(int64_t now_ms) {
  for (auto& [p, ps] : partitions_) {
    if (ps.loading) continue;
    std::vector<std::pair<std::string, producer_epoch>> ids;
    std::vector<log_record> records;
    size_t bytes = 0;
    for (auto& [id, m] : ps.txns) {
      if (m.pending || !expiration_allowed(m.state()) ||
          m.current.last_update_ms > now_ms - config_.id_expiration_ms) {
        continue;
      }
      auto tombstone = txn_log_tombstone(id, now_ms);
      size_t size = tombstone.key.size() + 32;  // a record's framing is at most this
      if (!records.empty() && bytes + size > static_cast<size_t>(config_.tombstone_batch_bytes)) {
        write_tombstones(p, ps.load_id, std::move(ids), std::move(records));
        ids.clear();
        records.clear();
        bytes = 0;
      }
      m.pending = txn_state::dead;
      ids.emplace_back(id, m.epoch());
      records.push_back(std::move(tombstone));
      bytes += size;
    }
    if (!records.empty()) write_tombstones(p, ps.load_id, std::move(ids), std::move(records));
  }
}

void txn_coordinator_core::write_tombstones(int32_t partition, uint64_t load_id,
                                            std::vector<std::pair<std::string, producer_epoch>> ids,
                                            std::vector<log_record> records) {
  spdlog::info("transaction coordinator: expiring {} transactional ids of __transaction_state-{}",
               ids.size(), partition);
  append(
      partition, std::move(records),
      [this, partition, load_id, ids = std::move(ids)](append_status status, int64_t) {
        for (const auto& [id, epoch] : ids) {
          txn_metadata* m = live(id, partition, load_id);
          if (!m) continue;
          if (status == append_status::ok && m->pending == txn_state::dead && m->epoch() == epoch) {
            // The same removal a replayed tombstone makes.
            apply_entry(partitions_.at(partition), partition, txn_entry{id, std::nullopt});
          } else {
            m->pending.reset();
          }
        }
      });
}

}  // namespace sluice::transaction
