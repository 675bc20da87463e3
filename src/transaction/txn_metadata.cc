#include "transaction/txn_metadata.h"

#include "base/assert.h"

namespace sluice::transaction {
namespace {

txn_transit transit_to(const txn_metadata& m, txn_state next, producer_id pid, producer_epoch epoch,
                       producer_epoch last_epoch, int32_t timeout_ms,
                       std::set<topic_partition> partitions, int64_t start_ms, int64_t now_ms) {
  SLUICE_ASSERT(transition_allowed(m.state(), next), "illegal transaction state transition");
  SLUICE_ASSERT(!m.pending, "a transition while another one is being written");
  SLUICE_ASSERT(pid.value() >= 0, "a transition to a negative producer id");
  SLUICE_ASSERT(epoch.value() >= 0, "a transition to a negative producer epoch");
  txn_transit t;
  t.next.pid = pid;
  t.next.epoch = epoch;
  t.next.timeout_ms = timeout_ms;
  t.next.state = next;
  t.next.partitions = std::move(partitions);
  t.next.start_ms = start_ms;
  t.next.last_update_ms = now_ms;
  // As in Kafka, the id the transition starts from becomes the "last" producer id.
  t.last_pid = m.pid();
  t.last_epoch = last_epoch;
  return t;
}

}  // namespace

void apply(txn_metadata& m, const txn_record& record) {
  m.current = record;
}

void apply_written(txn_metadata& m, const txn_transit& t) {
  apply(m, t.next);
  if (t.next.state == txn_state::empty) {
    m.last_pid = t.last_pid;
    m.last_epoch = t.last_epoch;
  }
}

std::variant<txn_transit, error_code> prepare_epoch_bump(const txn_metadata& m, int32_t timeout_ms,
                                                         std::optional<producer_epoch> expected,
                                                         int64_t now_ms) {
  SLUICE_ASSERT(!epoch_exhausted(m.epoch()), "bumping an exhausted producer epoch");
  producer_epoch bumped{static_cast<int16_t>(m.epoch().value() + 1)};
  producer_epoch next = bumped;
  producer_epoch last = no_producer_epoch;
  if (expected) {
    if (m.epoch() == no_producer_epoch || *expected == m.epoch()) {
      last = m.epoch();
    } else if (*expected == m.last_epoch) {
      // A retry of a bump that succeeded: answer the same epoch again.
      next = m.epoch();
      last = m.last_epoch;
    } else {
      return error_code::producer_fenced;
    }
  }
  return transit_to(m, txn_state::empty, m.pid(), next, last, timeout_ms, {}, -1, now_ms);
}

txn_transit prepare_producer_id_rotation(const txn_metadata& m, producer_id new_pid,
                                         int32_t timeout_ms, int64_t now_ms,
                                         bool record_last_epoch) {
  return transit_to(m, txn_state::empty, new_pid, producer_epoch{0},
                    record_last_epoch ? m.epoch() : no_producer_epoch, timeout_ms, {}, -1, now_ms);
}

txn_transit prepare_add_partitions(const txn_metadata& m, const std::set<topic_partition>& tps,
                                   int64_t now_ms) {
  std::set<topic_partition> all = m.current.partitions;
  all.insert(tps.begin(), tps.end());
  bool starts = m.state() == txn_state::empty || m.state() == txn_state::complete_commit ||
                m.state() == txn_state::complete_abort;
  return transit_to(m, txn_state::ongoing, m.pid(), m.epoch(), m.last_epoch, m.current.timeout_ms,
                    std::move(all), starts ? now_ms : m.current.start_ms, now_ms);
}

txn_transit prepare_end(const txn_metadata& m, txn_state next, int64_t now_ms) {
  return transit_to(m, next, m.pid(), m.epoch(), m.last_epoch, m.current.timeout_ms,
                    m.current.partitions, m.current.start_ms, now_ms);
}

txn_transit prepare_complete(const txn_metadata& m, int64_t now_ms) {
  txn_state next = m.state() == txn_state::prepare_commit ? txn_state::complete_commit
                                                          : txn_state::complete_abort;
  return transit_to(m, next, m.pid(), m.epoch(), m.last_epoch, m.current.timeout_ms, {},
                    m.current.start_ms, now_ms);
}

}  // namespace sluice::transaction
