// Transactional offsets (KIP-98, KIP-447): TxnOffsetCommit writes a consumer group's offsets in a
// producer's transaction, and the transaction's marker in the same __consumer_offsets partition
// commits or aborts them. Until then they are held per producer id beside the group's committed
// offsets (OffsetFetch does not return them; with require_stable it answers
// UNSTABLE_OFFSET_COMMIT). Replay takes the same path: transactional offset records are held, the
// marker that follows them settles them.
#include <spdlog/spdlog.h>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

void coordinator_core::txn_offset_commit(const protocol::txn_offset_commit_request& request,
                                         int16_t version, int64_t now_ms,
                                         completion<protocol::txn_offset_commit_response> done) {
  protocol::txn_offset_commit_response response;
  struct entry {
    size_t topic;
    size_t partition;
    topic_partition tp;
    committed_offset value;
  };
  std::vector<entry> entries;
  for (size_t ti = 0; ti < request.topics.size(); ++ti) {
    const auto& t = request.topics[ti];
    auto& rt = response.topics.emplace_back();
    rt.name = t.name;
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& p = t.partitions[pi];
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (hooks_.partition_exists && !hooks_.partition_exists(t.name, p.partition_index)) {
        rp.error_code = code(error_code::unknown_topic_or_partition);
        continue;
      }
      committed_offset c;
      c.offset = p.committed_offset;
      if (version >= 2 && p.committed_leader_epoch >= 0) c.leader_epoch = p.committed_leader_epoch;
      c.metadata = p.committed_metadata.value_or("");
      c.commit_timestamp = now_ms;
      entries.push_back(entry{ti, pi, topic_partition{t.name, p.partition_index}, std::move(c)});
    }
  }
  auto finish = [&](error_code e) {
    for (const auto& en : entries)
      response.topics[en.topic].partitions[en.partition].error_code = code(e);
    respond(std::move(done), std::move(response));
  };
  if (entries.empty()) return finish(error_code::none);
  if (auto e = check_group(request.group_id, false)) return finish(*e);
  group* g = lookup(request.group_id);
  if (!g) g = &create_group(request.group_id, now_ms);
  if (g->is(group_state::dead)) return finish(error_code::coordinator_not_available);
  // v3+ (KIP-447) carries the member's generation; older producers send none, and a transactional
  // commit need not come from a member (Kafka's rule).
  if (g->is_consumer_group() &&
      (request.generation_id_or_member_epoch >= 0 || !request.member_id.empty())) {
    // A KIP-848 member: its current member epoch (a stale one is an illegal generation here).
    if (auto e =
            validate_consumer_member(*g, request.member_id, request.generation_id_or_member_epoch))
      return finish(*e == error_code::stale_member_epoch ? error_code::illegal_generation : *e);
  } else if (request.generation_id_or_member_epoch >= 0 || !request.member_id.empty() ||
             request.group_instance_id) {
    if (auto e = validate_current_member(*g, request.member_id, request.group_instance_id))
      return finish(*e);
    if (request.generation_id_or_member_epoch != g->generation)
      return finish(error_code::illegal_generation);
  }

  std::vector<entry> writes;
  for (auto& en : entries) {
    if (en.value.metadata.size() > static_cast<size_t>(config_.offset_metadata_max_bytes)) {
      response.topics[en.topic].partitions[en.partition].error_code =
          code(error_code::offset_metadata_too_large);
    } else {
      writes.push_back(std::move(en));
    }
  }
  if (writes.empty()) return respond(std::move(done), std::move(response));

  const uint64_t order = next_log_order_++;
  const int64_t producer = request.producer_id;
  const txn_tag tag{producer, request.producer_epoch, std::nullopt};
  std::vector<log_record> records;
  auto& held = g->txn_offsets[producer];
  for (const auto& w : writes) {
    auto record = offset_commit_record(g->id(), w.tp, w.value, now_ms);
    record.txn = tag;
    records.push_back(std::move(record));
    held[w.tp] = group::txn_offset{w.value, order, false};
  }
  append(
      g->partition(), std::move(records),
      [this, gid = g->id(), incarnation = g->incarnation(), producer, order,
       writes = std::move(writes), response = std::move(response),
       done = std::move(done)](append_status status, int64_t) mutable {
        group* g = lookup(gid, incarnation);
        auto* held = g && g->txn_offsets.contains(producer) ? &g->txn_offsets[producer] : nullptr;
        for (const auto& w : writes) {
          response.topics[w.topic].partitions[w.partition].error_code = code(commit_error(status));
          if (!held) continue;
          auto it = held->find(w.tp);
          if (it == held->end() || it->second.order != order) continue;  // superseded
          if (status == append_status::ok) {
            it->second.written = true;
          } else {
            held->erase(it);
          }
        }
        if (held && held->empty()) g->txn_offsets.erase(producer);
        respond(std::move(done), std::move(response));
      });
}

void coordinator_core::complete_transaction(int32_t partition, int64_t producer_id, bool commit) {
  // A partition still loading settles the transaction when its replay reaches the marker.
  if (!owns(partition)) return;
  apply_txn_marker(partition, producer_id, commit);
}

void coordinator_core::apply_txn_marker(int32_t partition, int64_t producer_id, bool commit) {
  for (auto& [id, g] : groups_) {
    if (g.partition() != partition) continue;
    auto held = g.txn_offsets.find(producer_id);
    if (held == g.txn_offsets.end()) continue;
    if (commit) {
      for (const auto& [tp, t] : held->second) {
        if (!t.written) continue;  // its append failed or is still in flight: never committed
        auto current = g.offset_order.find(tp);
        // A plain commit written after the transaction's wins, as in Kafka.
        if (current != g.offset_order.end() && current->second > t.order) continue;
        apply_offset(g, tp, t.value, t.order);
      }
    }
    g.txn_offsets.erase(held);
  }
}

}  // namespace sluice::coordinator
