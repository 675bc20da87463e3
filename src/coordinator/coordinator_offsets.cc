// Offsets: OffsetCommit, OffsetFetch, OffsetDelete, the retention sweep, and applying offset and
// group records — the one path both live commits and replayed logs take.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

// ---- records --------------------------------------------------------------------------------

void coordinator_core::apply_offset(group& g, const topic_partition& tp,
                                    const std::optional<committed_offset>& value, uint64_t order) {
  if (value) {
    g.offsets[tp] = *value;
    g.offset_order[tp] = order;
  } else {
    g.offsets.erase(tp);
    g.offset_order.erase(tp);
  }
}

void coordinator_core::apply_record(int32_t partition, decoded_record record,
                                    const std::optional<txn_tag>& txn) {
  auto group_for = [&](const std::string& id) -> group* {
    if (partition_for(id) != partition) {
      spdlog::warn(
          "group coordinator: __consumer_offsets-{} holds a record of group {}, which "
          "belongs to partition {}; skipped",
          partition, id, partition_for(id));
      return nullptr;
    }
    return &create_group(id, 0);
  };
  if (auto* offset = std::get_if<offset_commit_entry>(&record)) {
    group* g = group_for(offset->group);
    if (!g) return;
    uint64_t order = next_log_order_++;
    if (txn && offset->value) {
      // Held until the transaction's marker, which comes later in this log.
      g->txn_offsets[txn->producer_id][offset->tp] = {*offset->value, order, true};
    } else {
      apply_offset(*g, offset->tp, offset->value, order);
    }
  } else if (auto* metadata = std::get_if<group_metadata_entry>(&record)) {
    if (group* g = group_for(metadata->group)) {
      if (metadata->value) {
        g->load_record(*metadata->value);
      } else {
        g->clear_metadata();
      }
    }
  } else if (auto* consumer = std::get_if<consumer_record>(&record)) {
    if (group* g = group_for(consumer->group)) {
      if (!g->consumer) g->consumer.emplace();
      g->consumer->apply(consumer->body);
      if (!g->consumer->exists()) g->consumer.reset();  // the group's tombstone
    }
  } else if (auto* share = std::get_if<share_record>(&record)) {
    if (partition_for(share->group) != partition || groups_.contains(share->group)) return;
    auto it = share_groups_.find(share->group);
    if (it == share_groups_.end()) it = create_share_group(share->group);
    if (!apply_share_record(it->second, share->body)) share_groups_.erase(it);
  }
  // foreign_entry: records of streams groups, not kept by this coordinator.
}

// ---- OffsetCommit ---------------------------------------------------------------------------

void coordinator_core::offset_commit(const protocol::offset_commit_request& request,
                                     int16_t version, int64_t now_ms,
                                     completion<protocol::offset_commit_response> done) {
  // The response mirrors the request; each partition gets its error below.
  protocol::offset_commit_response response;
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
      if (p.committed_leader_epoch >= 0) c.leader_epoch = p.committed_leader_epoch;
      c.metadata = p.committed_metadata.value_or("");
      // v1 may carry the commit time; the others are stamped now. v2-v4 may ask for a retention.
      c.commit_timestamp = p.commit_timestamp != -1 ? p.commit_timestamp : now_ms;
      if (request.retention_time_ms != -1) c.expire_timestamp = now_ms + request.retention_time_ms;
      entries.push_back(entry{ti, pi, topic_partition{t.name, p.partition_index}, std::move(c)});
    }
  }
  auto set_errors = [&](const std::vector<entry>& which, error_code e) {
    for (const auto& en : which)
      response.topics[en.topic].partitions[en.partition].error_code = code(e);
  };
  auto finish = [&](error_code e) {
    set_errors(entries, e);
    respond(std::move(done), std::move(response));
  };
  if (entries.empty()) return finish(error_code::none);
  if (auto e = check_group(request.group_id, true)) return finish(*e);

  int32_t generation = request.generation_id_or_member_epoch;
  group* g = lookup(request.group_id);
  if (!g) {
    // A consumer that manages its partitions itself (generation -1) may keep offsets under any
    // group id; a group member of a group that no longer exists is stale.
    if (generation >= 0) return finish(error_code::illegal_generation);
    g = &create_group(request.group_id, now_ms);
  }
  if (g->is(group_state::dead)) return finish(error_code::coordinator_not_available);
  if (g->is_consumer_group() && !g->consumer->empty()) {
    // A consumer group (KIP-848): the member and its current epoch, as Kafka's ConsumerGroup
    // checks them; members of the consumer protocol commit with v9 and up.
    const consumer_member* m = g->consumer->find(request.member_id);
    if (!m) return finish(error_code::unknown_member_id);
    if (version < 9 && !m->classic) return finish(error_code::unsupported_version);
    if (auto e = validate_consumer_member(*g, request.member_id, generation)) return finish(*e);
  } else if (generation < 0 && g->is(group_state::empty)) {
    // no membership to check
  } else if (generation >= 0 || !request.member_id.empty() || request.group_instance_id) {
    if (auto e = validate_current_member(*g, request.member_id, request.group_instance_id)) {
      return finish(*e);
    }
    if (generation != g->generation) return finish(error_code::illegal_generation);
  } else {
    return finish(error_code::unknown_member_id);  // only members commit for a non-empty group
  }
  switch (g->state()) {
    case group_state::empty:
      break;
    case group_state::stable:
    case group_state::preparing_rebalance: {
      // A commit keeps the member alive like a heartbeat; during a rebalance it is still
      // accepted (the member learns of the rebalance from its heartbeat).
      member& m = g->get(request.member_id);
      schedule_session(*g, m, now_ms, m.session_timeout_ms);
      break;
    }
    case group_state::completing_rebalance:
      // The member has its new generation but not its assignment yet.
      return finish(error_code::rebalance_in_progress);
    case group_state::dead:
      return finish(error_code::coordinator_not_available);
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

  uint64_t commit_id = next_commit_id_++;
  uint64_t order = next_log_order_++;
  std::vector<log_record> records;
  for (const auto& w : writes) {
    records.push_back(offset_commit_record(g->id(), w.tp, w.value, now_ms));
    g->pending_commits[w.tp].insert(commit_id);
  }
  append(g->partition(), std::move(records),
         [this, gid = g->id(), incarnation = g->incarnation(), commit_id, order,
          writes = std::move(writes), response = std::move(response),
          done = std::move(done)](append_status status, int64_t) mutable {
           group* g = lookup(gid, incarnation);
           for (const auto& w : writes) {
             bool current = false;  // not deleted while it was being written
             if (g) {
               auto it = g->pending_commits.find(w.tp);
               if (it != g->pending_commits.end() && it->second.erase(commit_id)) {
                 current = true;
                 if (it->second.empty()) g->pending_commits.erase(it);
               }
             }
             if (status == append_status::ok && current) apply_offset(*g, w.tp, w.value, order);
             response.topics[w.topic].partitions[w.partition].error_code =
                 code(commit_error(status));
           }
           respond(std::move(done), std::move(response));
         });
}

// ---- OffsetFetch ----------------------------------------------------------------------------

fetched_group coordinator_core::fetch_offsets(
    const std::string& group_id, const std::optional<std::vector<fetched_topic>>& wanted,
    bool require_stable, int16_t version) const {
  fetched_group out;
  out.group_id = group_id;
  if (auto e = check_group(group_id, true)) {
    out.error = *e;
    // v0-v1 have no group-level error: every requested partition carries it.
    if (version < 2 && wanted) {
      out.topics = *wanted;
      for (auto& t : out.topics)
        for (auto& p : t.partitions) p.error = *e;
    }
    return out;
  }
  const group* g = find_group(group_id);
  auto fill = [&](const topic_partition& tp, fetched_partition& p) {
    if (!g) return;
    if (require_stable && g->has_pending_commit(tp)) {
      p.error = error_code::unstable_offset_commit;
      return;
    }
    auto it = g->offsets.find(tp);
    if (it == g->offsets.end()) return;
    p.offset = it->second.offset;
    p.leader_epoch = it->second.leader_epoch.value_or(-1);
    p.metadata = it->second.metadata;
  };
  if (wanted) {
    out.topics = *wanted;
    for (auto& t : out.topics)
      for (auto& p : t.partitions) fill(topic_partition{t.name, p.partition}, p);
    return out;
  }
  // Every committed offset of the group (v2+ with null topics).
  if (!g) return out;
  for (const auto& [tp, c] : g->offsets) {
    if (out.topics.empty() || out.topics.back().name != tp.topic) {
      out.topics.push_back(fetched_topic{tp.topic, {}});
    }
    fetched_partition p;
    p.partition = tp.partition;
    fill(tp, p);
    out.topics.back().partitions.push_back(std::move(p));
  }
  return out;
}

void coordinator_core::offset_fetch(const protocol::offset_fetch_request& request, int16_t version,
                                    completion<protocol::offset_fetch_response> done) {
  auto wanted_of = [](const auto& topics) {
    std::optional<std::vector<fetched_topic>> wanted;
    if (!topics) return wanted;
    wanted.emplace();
    for (const auto& t : *topics) {
      fetched_topic ft{t.name, {}};
      for (int32_t p : t.partition_indexes)
        ft.partitions.push_back(fetched_partition{.partition = p});
      wanted->push_back(std::move(ft));
    }
    return wanted;
  };
  std::vector<fetched_group> groups;
  if (version < 8) {
    groups.push_back(fetch_offsets(request.group_id, wanted_of(request.topics),
                                   request.require_stable, version));
  } else {
    for (const auto& rg : request.groups) {
      // v9+: a member of a consumer group says who it is; a stale one is refused (KIP-848).
      const group* g = find_group(rg.group_id);
      if ((rg.member_id || rg.member_epoch >= 0) && g && g->is_consumer_group() &&
          !check_group(rg.group_id, true)) {
        if (auto e = validate_consumer_member(*g, rg.member_id.value_or(""), rg.member_epoch)) {
          groups.push_back(fetched_group{.group_id = rg.group_id, .error = *e});
          continue;
        }
      }
      groups.push_back(
          fetch_offsets(rg.group_id, wanted_of(rg.topics), request.require_stable, version));
    }
  }
  respond(std::move(done), make_offset_fetch_response(version, std::move(groups)));
}

// ---- removal: OffsetDelete, DeleteGroups, retention ------------------------------------------

bool coordinator_core::remove_offsets_and_maybe_group(group& g,
                                                      const std::vector<topic_partition>& tps,
                                                      bool remove_group, int64_t now_ms) {
  std::vector<log_record> records;
  for (const auto& tp : tps) {
    g.pending_commits.erase(tp);
    for (auto it = g.txn_offsets.begin(); it != g.txn_offsets.end();) {
      it->second.erase(tp);
      it = it->second.empty() ? g.txn_offsets.erase(it) : std::next(it);
    }
    if (!g.offsets.contains(tp)) continue;
    apply_offset(g, tp, std::nullopt, next_log_order_++);
    records.push_back(offset_commit_tombstone(g.id(), tp, now_ms));
  }
  int32_t partition = g.partition();
  // An empty group without offsets has nothing left to keep.
  remove_group = remove_group || (g.is(group_state::empty) && !g.has_offsets());
  if (remove_group) {
    records.push_back(group_metadata_tombstone(g.id(), now_ms));
    std::string id = g.id();
    erase_group(id);
  }
  append_and_forget(partition, std::move(records));
  return remove_group;
}

void coordinator_core::expire_offsets(int64_t now_ms) {
  std::vector<std::string> ids;
  for (const auto& [id, g] : groups_)
    if (owns(g.partition())) ids.push_back(id);
  size_t offsets_removed = 0, groups_removed = 0;
  for (const auto& id : ids) {
    group& g = groups_.at(id);
    // A consumer group keeps its offsets while it has members, and the group itself while it
    // exists (DeleteGroups removes it).
    if (g.is_consumer_group()) continue;
    auto expired = g.expired_offsets(now_ms, config_.offsets_retention_ms);
    if (expired.empty() && !(g.is(group_state::empty) && !g.has_offsets())) continue;
    offsets_removed += expired.size();
    if (remove_offsets_and_maybe_group(g, expired, false, now_ms)) ++groups_removed;
  }
  if (offsets_removed + groups_removed > 0) {
    spdlog::info("group coordinator: removed {} expired offsets and {} empty groups",
                 offsets_removed, groups_removed);
  }
}

void coordinator_core::partitions_deleted(const std::vector<topic_partition>& tps, int64_t now_ms) {
  std::vector<std::string> ids;
  for (const auto& [id, g] : groups_)
    if (owns(g.partition())) ids.push_back(id);
  for (const auto& id : ids) {
    group& g = groups_.at(id);
    bool affected = std::any_of(tps.begin(), tps.end(), [&](const topic_partition& tp) {
      return g.offsets.contains(tp) || g.has_pending_commit(tp);
    });
    if (affected) remove_offsets_and_maybe_group(g, tps, false, now_ms);
  }
}

void coordinator_core::offset_delete(const protocol::offset_delete_request& request,
                                     int16_t /*version*/, int64_t now_ms,
                                     completion<protocol::offset_delete_response> done) {
  protocol::offset_delete_response response;
  auto group_error = [&](error_code e) {
    response.error_code = code(e);
    respond(std::move(done), std::move(response));
  };
  if (auto e = check_group(request.group_id, false)) return group_error(*e);
  group* g = lookup(request.group_id);
  if (!g || g->is(group_state::dead)) return group_error(error_code::group_id_not_found);
  bool active = !g->is(group_state::empty);
  if (active && g->protocol_type != consumer_protocol_type) {
    return group_error(error_code::non_empty_group);
  }
  // An active consumer group keeps the offsets of topics it consumes.
  std::vector<topic_partition> deletable;
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.name = t.name;
    for (const auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (hooks_.partition_exists && !hooks_.partition_exists(t.name, p.partition_index)) {
        rp.error_code = code(error_code::unknown_topic_or_partition);
      } else if (active && g->is_subscribed_to(t.name)) {
        rp.error_code = code(error_code::group_subscribed_to_topic);
      } else {
        deletable.push_back(topic_partition{t.name, p.partition_index});
      }
    }
  }
  if (!deletable.empty()) remove_offsets_and_maybe_group(*g, deletable, false, now_ms);
  respond(std::move(done), std::move(response));
}

}  // namespace sluice::coordinator
