// AddPartitionsToTxn (v0-3 from producers; v4+ batched from brokers, with KIP-890's verify_only)
// and AddOffsetsToTxn (the group's __consumer_offsets partition joins the transaction, KIP-447's
// TxnOffsetCommit then writes there).
#include <algorithm>
#include <memory>

#include "coordinator/partitioner.h"
#include "transaction/txn_coordinator_core.h"

namespace sluice::transaction {
namespace {

using partition_errors = std::map<topic_partition, error_code>;
using topic_results =
    std::vector<protocol::add_partitions_to_txn_response::add_partitions_to_txn_topic_result>;

topic_results to_topic_results(const partition_errors& errors) {
  topic_results out;
  for (const auto& [tp, e] : errors) {
    if (out.empty() || out.back().name != tp.topic) out.emplace_back().name = tp.topic;
    auto& r = out.back().results_by_partition.emplace_back();
    r.partition_index = tp.partition;
    r.partition_error_code = static_cast<int16_t>(e);
  }
  return out;
}

partition_errors all(const std::set<topic_partition>& tps, error_code e) {
  partition_errors out;
  for (const auto& tp : tps) out.emplace(tp, e);
  return out;
}

std::set<topic_partition> partitions_of(
    const std::vector<protocol::add_partitions_to_txn_request::add_partitions_to_txn_topic>&
        topics) {
  std::set<topic_partition> out;
  for (const auto& t : topics) {
    for (int32_t p : t.partitions) out.insert(topic_partition{t.name, p});
  }
  return out;
}

// Before v2 clients do not know PRODUCER_FENCED; they handle INVALID_PRODUCER_EPOCH alike.
error_code for_version(error_code e, int16_t version) {
  return version < 2 && e == error_code::producer_fenced ? error_code::invalid_producer_epoch : e;
}

}  // namespace

void txn_coordinator_core::add_partitions_to_txn(
    const protocol::add_partitions_to_txn_request& request, int16_t version, int64_t now_ms,
    completion<protocol::add_partitions_to_txn_response> done) {
  if (version < 4) {
    add_one(request.v3_and_below_transactional_id, producer_id{request.v3_and_below_producer_id},
            producer_epoch{request.v3_and_below_producer_epoch}, false,
            partitions_of(request.v3_and_below_topics), version, now_ms,
            [this, done = std::move(done)](partition_errors errors) mutable {
              protocol::add_partitions_to_txn_response r;
              r.results_by_topic_v3_and_below = to_topic_results(errors);
              respond(std::move(done), std::move(r));
            });
    return;
  }
  // One answer for the whole batch, once every transaction in it has its result.
  struct batch {
    protocol::add_partitions_to_txn_response response;
    size_t remaining = 0;
    completion<protocol::add_partitions_to_txn_response> done;
  };
  auto b = std::make_shared<batch>();
  b->remaining = request.transactions.size();
  b->done = std::move(done);
  b->response.results_by_transaction.resize(request.transactions.size());
  if (b->remaining == 0) {
    respond(std::move(b->done), std::move(b->response));
    return;
  }
  for (size_t i = 0; i < request.transactions.size(); ++i) {
    const auto& t = request.transactions[i];
    b->response.results_by_transaction[i].transactional_id = t.transactional_id;
    add_one(t.transactional_id, producer_id{t.producer_id}, producer_epoch{t.producer_epoch},
            t.verify_only, partitions_of(t.topics), version, now_ms,
            [this, b, i](partition_errors errors) {
              b->response.results_by_transaction[i].topic_results = to_topic_results(errors);
              if (--b->remaining == 0) respond(std::move(b->done), std::move(b->response));
            });
  }
}

void txn_coordinator_core::add_one(const std::string& transactional_id, producer_id pid,
                                   producer_epoch epoch, bool verify_only,
                                   std::set<topic_partition> tps, int16_t version, int64_t now_ms,
                                   unique_function<void(partition_errors)> done) {
  // Partitions that do not exist fail the whole transaction's request; the others are reported
  // as not attempted.
  if (hooks_.partition_exists) {
    partition_errors errors;
    bool any_missing = false;
    for (const auto& tp : tps) {
      bool exists = hooks_.partition_exists(tp);
      any_missing |= !exists;
      errors.emplace(tp, exists ? error_code::operation_not_attempted
                                : error_code::unknown_topic_or_partition);
    }
    if (any_missing) return done(std::move(errors));
  }
  if (verify_only) return done(verify_partitions(transactional_id, pid, epoch, tps));
  auto requested = tps;
  add_partitions(transactional_id, pid, epoch, tps, now_ms,
                 [done = std::move(done), requested = std::move(requested), version](
                     error_code e) mutable { done(all(requested, for_version(e, version))); });
}

void txn_coordinator_core::add_partitions(const std::string& transactional_id, producer_id pid,
                                          producer_epoch epoch,
                                          const std::set<topic_partition>& tps, int64_t now_ms,
                                          error_callback done) {
  if (transactional_id.empty()) return done(error_code::invalid_request);
  auto found = lookup(transactional_id);
  if (found.error != error_code::none) return done(found.error);
  txn_metadata* m = found.txn;
  if (!m || m->pid() != pid) return done(error_code::invalid_producer_id_mapping);
  if (m->epoch() != epoch) return done(error_code::producer_fenced);
  if (m->pending) return done(error_code::concurrent_transactions);
  txn_state s = m->state();
  if (s == txn_state::prepare_commit || s == txn_state::prepare_abort ||
      s == txn_state::prepare_epoch_fence) {
    return done(error_code::concurrent_transactions);
  }
  if (s == txn_state::ongoing &&
      std::includes(m->current.partitions.begin(), m->current.partitions.end(), tps.begin(),
                    tps.end())) {
    return done(error_code::none);  // already in the transaction: nothing to write
  }
  write(*m, prepare_add_partitions(*m, tps, now_ms), now_ms, false,
        [done = std::move(done)](error_code e, txn_metadata*, int64_t) mutable { done(e); });
}

txn_coordinator_core::partition_errors txn_coordinator_core::verify_partitions(
    const std::string& transactional_id, producer_id pid, producer_epoch epoch,
    const std::set<topic_partition>& tps) {
  if (transactional_id.empty()) return all(tps, error_code::invalid_request);
  auto found = lookup(transactional_id);
  if (found.error != error_code::none) return all(tps, found.error);
  const txn_metadata* m = found.txn;
  if (!m || m->pid() != pid) return all(tps, error_code::invalid_producer_id_mapping);
  if (m->epoch() != epoch) return all(tps, error_code::producer_fenced);
  txn_state s = m->state();
  if (s == txn_state::prepare_commit || s == txn_state::prepare_abort) {
    return all(tps, error_code::concurrent_transactions);
  }
  // No look at the pending state: partitions count once their Ongoing record is written.
  // Kafka 3.8+ answers TRANSACTION_ABORTABLE for a partition outside the transaction (3.6-3.7
  // answered INVALID_TXN_STATE); the partition leader maps it for its producer's version.
  partition_errors out;
  for (const auto& tp : tps) {
    out.emplace(tp, m->current.partitions.contains(tp) ? error_code::none
                                                       : error_code::transaction_abortable);
  }
  return out;
}

void txn_coordinator_core::add_offsets_to_txn(
    const protocol::add_offsets_to_txn_request& request, int16_t version, int64_t now_ms,
    completion<protocol::add_offsets_to_txn_response> done) {
  int32_t partition =
      hooks_.group_partition
          ? hooks_.group_partition(request.group_id)
          : coordinator::partition_for(request.group_id, config_.offsets_topic_partitions);
  std::set<topic_partition> tps{topic_partition{"__consumer_offsets", partition}};
  add_partitions(request.transactional_id, producer_id{request.producer_id},
                 producer_epoch{request.producer_epoch}, tps, now_ms,
                 [this, version, done = std::move(done)](error_code e) mutable {
                   protocol::add_offsets_to_txn_response r;
                   r.error_code = static_cast<int16_t>(for_version(e, version));
                   respond(std::move(done), std::move(r));
                 });
}

}  // namespace sluice::transaction
