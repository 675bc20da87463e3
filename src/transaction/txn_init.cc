// InitProducerId: a producer id and epoch for a transactional id (or a bare producer id for an
// idempotent producer), bumping the epoch to fence older producers (KIP-98), resuming with the
// producer's own id and epoch (KIP-360), a new producer id when the epoch runs out, and aborting a
// transaction left ongoing.
#include <spdlog/spdlog.h>

#include <limits>

#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {

void txn_coordinator_core::init_producer_id(const protocol::init_producer_id_request& request,
                                            int16_t version, int64_t now_ms,
                                            completion<protocol::init_producer_id_response> done) {
  auto reply = [this, version, done = std::move(done)](error_code e, producer_id pid,
                                                       producer_epoch epoch) mutable {
    // Before v4 clients do not know PRODUCER_FENCED; they handle INVALID_PRODUCER_EPOCH alike.
    if (version < 4 && e == error_code::producer_fenced) e = error_code::invalid_producer_epoch;
    protocol::init_producer_id_response r;
    r.error_code = static_cast<int16_t>(e);
    r.producer_id = e == error_code::none ? pid.value() : -1;
    r.producer_epoch = e == error_code::none ? epoch.value() : -1;
    respond(std::move(done), std::move(r));
  };
  auto fail_with = [&reply](error_code e) { reply(e, no_producer_id, no_producer_epoch); };

  // The producer's current id and epoch (v3+): both or neither.
  std::optional<std::pair<producer_id, producer_epoch>> expected;
  bool has_id = request.producer_id != -1;
  bool has_epoch = request.producer_epoch != -1;
  if (has_id != has_epoch) return fail_with(error_code::invalid_request);
  if (has_id) {
    expected.emplace(producer_id{request.producer_id}, producer_epoch{request.producer_epoch});
  }

  if (!request.transactional_id) {
    // An idempotent producer: any fresh id, epoch 0, nothing written.
    if (!active_) return fail_with(error_code::coordinator_not_available);
    auto id = allocate_producer_id();
    if (!id) return fail_with(error_code::coordinator_load_in_progress);
    return reply(error_code::none, *id, producer_epoch{0});
  }
  if (request.transactional_id->empty()) return fail_with(error_code::invalid_request);
  if (request.transaction_timeout_ms <= 0 ||
      request.transaction_timeout_ms > config_.max_timeout_ms) {
    return fail_with(error_code::invalid_transaction_timeout);
  }
  init_transactional(request, expected, now_ms, std::move(reply));
}

void txn_coordinator_core::init_transactional(
    const protocol::init_producer_id_request& request,
    std::optional<std::pair<producer_id, producer_epoch>> expected, int64_t now_ms,
    unique_function<void(error_code, producer_id, producer_epoch)> reply) {
  const std::string& id = *request.transactional_id;
  int32_t timeout_ms = request.transaction_timeout_ms;
  auto fail_with = [&reply](error_code e) { reply(e, no_producer_id, no_producer_epoch); };

  auto found = lookup(id);
  if (found.error != error_code::none) return fail_with(found.error);
  txn_metadata* m = found.txn;
  if (!m) {
    auto pid = allocate_producer_id();
    if (!pid) return fail_with(error_code::coordinator_load_in_progress);
    // Kept even if its first record is never written: the next attempt bumps its epoch to 0.
    m = &create(id, *pid, timeout_ms, now_ms);
  }

  if (m->pending) return fail_with(error_code::concurrent_transactions);
  if (expected) {
    // The producer may resume if its id is this one (its epoch is checked below), if the id was
    // just created, or if it is the previous id and its epoch had run out (a retry of a rotation
    // whose answer was lost).
    auto [pid, epoch] = *expected;
    bool valid = m->epoch() == no_producer_epoch || pid == m->pid() ||
                 (pid == m->last_pid && epoch_exhausted(epoch));
    if (!valid) return fail_with(error_code::producer_fenced);
  }

  switch (m->state()) {
    case txn_state::prepare_commit:
    case txn_state::prepare_abort:
    case txn_state::prepare_epoch_fence:
      return fail_with(error_code::concurrent_transactions);
    case txn_state::ongoing:
      // Abort it under a bumped epoch, then let the producer retry (which bumps again).
      return fence_and_abort(*m, now_ms, [reply = std::move(reply)](error_code e) mutable {
        reply(e == error_code::none ? error_code::concurrent_transactions : e, no_producer_id,
              no_producer_epoch);
      });
    case txn_state::dead:
      spdlog::error("transaction coordinator: {} is in state Dead", id);
      return fail_with(error_code::unknown_server_error);
    case txn_state::empty:
    case txn_state::complete_commit:
    case txn_state::complete_abort:
      break;
  }

  txn_transit t;
  if (epoch_exhausted(m->epoch()) && (!expected || expected->second == m->epoch())) {
    auto pid = allocate_producer_id();
    if (!pid) return fail_with(error_code::coordinator_load_in_progress);
    t = prepare_producer_id_rotation(*m, *pid, timeout_ms, now_ms, expected.has_value());
  } else {
    std::optional<producer_epoch> expected_epoch;
    if (expected) expected_epoch = expected->second;
    auto bumped = prepare_epoch_bump(*m, timeout_ms, expected_epoch, now_ms);
    if (auto* e = std::get_if<error_code>(&bumped)) return fail_with(*e);
    t = std::get<txn_transit>(std::move(bumped));
  }
  producer_id pid = t.next.pid;
  producer_epoch epoch = t.next.epoch;
  write(*m, std::move(t), now_ms, false,
        [reply = std::move(reply), pid, epoch, id](error_code e, txn_metadata*, int64_t) mutable {
          if (e == error_code::none) {
            spdlog::info("transaction coordinator: {} initialised with producer id {} epoch {}", id,
                         pid.value(), epoch.value());
          }
          reply(e, pid, epoch);
        });
}

void txn_coordinator_core::fence_and_abort(txn_metadata& m, int64_t now_ms, error_callback done) {
  if (m.epoch().value() == std::numeric_limits<int16_t>::max()) {
    spdlog::error("transaction coordinator: cannot fence {}: its epoch is at the maximum",
                  m.transactional_id);
    return done(error_code::unknown_server_error);
  }
  // After a fence whose record failed, the in-memory epoch is already the bumped one.
  producer_epoch bumped = m.failed_epoch_fence
                              ? m.epoch()
                              : producer_epoch{static_cast<int16_t>(m.epoch().value() + 1)};
  SLUICE_ASSERT(transition_allowed(m.state(), txn_state::prepare_epoch_fence),
                "fencing an id without an ongoing transaction");
  m.pending = txn_state::prepare_epoch_fence;
  end_transaction(m.transactional_id, m.pid(), bumped, txn_result::abort, /*from_client=*/false,
                  now_ms, std::move(done));
}

}  // namespace sluice::transaction
