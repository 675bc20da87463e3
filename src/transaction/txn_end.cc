// EndTxn and what follows it: PrepareCommit/PrepareAbort written (the producer is answered then),
// markers to every partition of the transaction, and CompleteCommit/CompleteAbort once they are
// all written. The coordinator's own aborts (a fenced or timed-out transaction) take the same
// road with from_client=false.
#include <spdlog/spdlog.h>

#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {

void txn_coordinator_core::end_txn(const protocol::end_txn_request& request, int16_t version,
                                   int64_t now_ms, completion<protocol::end_txn_response> done) {
  end_transaction(request.transactional_id, producer_id{request.producer_id},
                  producer_epoch{request.producer_epoch},
                  request.committed ? txn_result::commit : txn_result::abort,
                  /*from_client=*/true, now_ms,
                  [this, version, done = std::move(done)](error_code e) mutable {
                    // Before v2 clients do not know PRODUCER_FENCED.
                    if (version < 2 && e == error_code::producer_fenced) {
                      e = error_code::invalid_producer_epoch;
                    }
                    protocol::end_txn_response r;
                    r.error_code = static_cast<int16_t>(e);
                    respond(std::move(done), std::move(r));
                  });
}

void txn_coordinator_core::end_transaction(const std::string& transactional_id, producer_id pid,
                                           producer_epoch epoch, txn_result result,
                                           bool from_client, int64_t now_ms, error_callback done) {
  if (transactional_id.empty()) return done(error_code::invalid_request);
  auto found = lookup(transactional_id);
  if (found.error != error_code::none) return done(found.error);
  txn_metadata* m = found.txn;
  if (!m || m->pid() != pid) return done(error_code::invalid_producer_id_mapping);
  // A producer must send its current epoch; the coordinator's own abort may carry a bumped one.
  if ((from_client && epoch != m->epoch()) || epoch < m->epoch()) {
    return done(error_code::producer_fenced);
  }
  bool fencing = m->pending == txn_state::prepare_epoch_fence;
  if (m->pending && !fencing) return done(error_code::concurrent_transactions);

  bool commit = result == txn_result::commit;
  switch (m->state()) {
    case txn_state::ongoing:
      break;
    case txn_state::complete_commit:  // a retry of an EndTxn that completed
      return done(commit ? error_code::none : error_code::invalid_txn_state);
    case txn_state::complete_abort:
      return done(commit ? error_code::invalid_txn_state : error_code::none);
    case txn_state::prepare_commit:  // a retry while the markers are written
      return done(commit ? error_code::concurrent_transactions : error_code::invalid_txn_state);
    case txn_state::prepare_abort:
    case txn_state::prepare_epoch_fence:
      return done(commit ? error_code::invalid_txn_state : error_code::concurrent_transactions);
    case txn_state::empty:
      return done(error_code::invalid_txn_state);
    case txn_state::dead:
      spdlog::error("transaction coordinator: {} is in state Dead", transactional_id);
      return done(error_code::unknown_server_error);
  }

  txn_state next = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
  bool epoch_fence = false;
  if (fencing) {
    SLUICE_ASSERT(!commit, "an epoch fence that commits");
    // The bumped epoch takes effect now, before PrepareAbort is written: the fenced producer is
    // refused from here on even if the write fails (Kafka does the same).
    epoch_fence = true;
    m->pending.reset();
    m->current.epoch = epoch;
    m->last_epoch = no_producer_epoch;
  }
  write(*m, prepare_end(*m, next, now_ms), now_ms, false,
        [this, epoch_fence, done = std::move(done)](error_code e, txn_metadata* m,
                                                    int64_t now) mutable {
          if (e != error_code::none) {
            if (epoch_fence && m) m->failed_epoch_fence = true;
            return done(e);
          }
          done(error_code::none);
          start_markers(*m, now);
        });
}

void txn_coordinator_core::start_markers(txn_metadata& m, int64_t now_ms) {
  txn_result result =
      m.state() == txn_state::prepare_commit ? txn_result::commit : txn_result::abort;
  txn_transit complete = prepare_complete(m, now_ms);
  m.pending = complete.next.state;
  m.failed_epoch_fence = false;
  uint64_t id = next_marker_id_++;
  m.marker_id = id;
  markers_.emplace(
      id, marker_state{m.transactional_id, m.state_partition, m.load_id, std::move(complete)});
  if (m.current.partitions.empty()) {
    write_completion(id, now_ms);  // nothing was written to any partition: no markers
    return;
  }
  marker_request r;
  r.id = id;
  r.transactional_id = m.transactional_id;
  r.state_partition = m.state_partition;
  r.pid = m.pid();
  r.epoch = m.epoch();
  r.coordinator_epoch = partitions_.at(m.state_partition).epoch;
  r.result = result;
  r.partitions.assign(m.current.partitions.begin(), m.current.partitions.end());
  marker_effects_.push_back(std::move(r));
}

void txn_coordinator_core::marker_done(uint64_t marker_id, const topic_partition& tp,
                                       marker_outcome outcome, int64_t now_ms) {
  auto it = markers_.find(marker_id);
  if (it == markers_.end()) return;
  txn_metadata* m = live(it->second.transactional_id, it->second.partition, it->second.load_id);
  if (!m || m->marker_id != marker_id) {
    drop_markers(marker_id);
    return;
  }
  if (outcome == marker_outcome::fenced) {
    // A newer producer epoch or coordinator owns the transaction now; it completes it. The id
    // stays as it is (pending) until this coordinator loses the partition, as in Kafka.
    spdlog::info("transaction coordinator: markers for {} were fenced; not completing it",
                 m->transactional_id);
    drop_markers(marker_id);
    return;
  }
  // While its markers are written, the id's partitions are those still waiting for one.
  if (m->current.partitions.erase(tp) == 0) return;
  if (m->current.partitions.empty()) write_completion(marker_id, now_ms);
}

void txn_coordinator_core::drop_markers(uint64_t marker_id) {
  auto it = markers_.find(marker_id);
  if (it == markers_.end()) return;
  if (txn_metadata* m = live(it->second.transactional_id, it->second.partition, it->second.load_id);
      m && m->marker_id == marker_id) {
    m->marker_id = 0;
  }
  markers_.erase(it);
  cancelled_.push_back(marker_id);
}

void txn_coordinator_core::write_completion(uint64_t marker_id, int64_t now_ms) {
  auto it = markers_.find(marker_id);
  if (it == markers_.end()) return;
  txn_metadata* m = live(it->second.transactional_id, it->second.partition, it->second.load_id);
  if (!m) {
    markers_.erase(it);
    return;
  }
  write(*m, it->second.complete, now_ms, /*retry_unavailable=*/true,
        [this, marker_id](error_code e, txn_metadata* m, int64_t now) {
          if (e == error_code::coordinator_not_available && m) {
            completion_retries_.emplace(now + config_.complete_retry_backoff_ms, marker_id);
            return;
          }
          if (m && m->marker_id == marker_id) m->marker_id = 0;
          markers_.erase(marker_id);
          if (e != error_code::none && m) {
            // Left in PrepareCommit/PrepareAbort: the next load of the partition completes it.
            spdlog::warn("transaction coordinator: completing {} failed: {}", m->transactional_id,
                         protocol::error_name(e));
          }
        });
}

}  // namespace sluice::transaction
