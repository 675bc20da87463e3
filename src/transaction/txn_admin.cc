// DescribeTransactions and ListTransactions (KIP-664; ListTransactions v1's duration filter is
// KIP-994): what the admin tools see of the ids this coordinator owns.
#include <set>

#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {

void txn_coordinator_core::describe_transactions(
    const protocol::describe_transactions_request& request, int16_t /*version*/,
    completion<protocol::describe_transactions_response> done) {
  protocol::describe_transactions_response r;
  for (const auto& id : request.transactional_ids) {
    auto& s = r.transaction_states.emplace_back();
    s.transactional_id = id;
    if (!active_) {
      s.error_code = static_cast<int16_t>(error_code::coordinator_not_available);
      continue;
    }
    if (id.empty()) {
      s.error_code = static_cast<int16_t>(error_code::invalid_request);
      continue;
    }
    auto found = lookup(id);
    if (found.error != error_code::none) {
      s.error_code = static_cast<int16_t>(found.error);
      continue;
    }
    const txn_metadata* m = found.txn;
    if (!m || m->state() == txn_state::dead) {
      s.error_code = static_cast<int16_t>(error_code::transactional_id_not_found);
      continue;
    }
    s.transaction_state = std::string(to_string(m->state()));
    s.transaction_timeout_ms = m->current.timeout_ms;
    s.transaction_start_time_ms = m->current.start_ms;
    s.producer_id = m->pid().value();
    s.producer_epoch = m->epoch().value();
    for (const auto& tp : m->current.partitions) {
      if (s.topics.empty() || s.topics.back().topic != tp.topic) {
        s.topics.emplace_back().topic = tp.topic;
      }
      s.topics.back().partitions.push_back(tp.partition);
    }
  }
  respond(std::move(done), std::move(r));
}

void txn_coordinator_core::list_transactions(
    const protocol::list_transactions_request& request, int16_t /*version*/, int64_t now_ms,
    completion<protocol::list_transactions_response> done) {
  protocol::list_transactions_response r;
  auto answer = [&](error_code e) {
    r.error_code = static_cast<int16_t>(e);
    respond(std::move(done), std::move(r));
  };
  if (!active_) return answer(error_code::coordinator_not_available);
  for (const auto& [p, ps] : partitions_) {
    if (ps.loading) return answer(error_code::coordinator_load_in_progress);
  }
  std::set<txn_state> states;
  for (const auto& name : request.state_filters) {
    if (auto s = txn_state_from_name(name)) {
      states.insert(*s);
    } else {
      r.unknown_state_filters.push_back(name);
    }
  }
  std::set<int64_t> pids(request.producer_id_filters.begin(), request.producer_id_filters.end());
  for (const auto& [p, ps] : partitions_) {
    for (const auto& [id, m] : ps.txns) {
      if (m.state() == txn_state::dead) continue;
      if (!pids.empty() && !pids.contains(m.pid().value())) continue;
      // Any state filter given (known or not) restricts the answer to the known ones.
      if (!request.state_filters.empty() && !states.contains(m.state())) continue;
      // Only transactions running longer than the filter (Kafka compares with the start time
      // whatever the state).
      if (request.duration_filter >= 0 && now_ms - m.current.start_ms <= request.duration_filter) {
        continue;
      }
      auto& s = r.transaction_states.emplace_back();
      s.transactional_id = id;
      s.producer_id = m.pid().value();
      s.transaction_state = std::string(to_string(m.state()));
    }
  }
  answer(error_code::none);
}

}  // namespace sluice::transaction
