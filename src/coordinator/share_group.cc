#include "coordinator/share_group.h"

#include <algorithm>

namespace sluice::coordinator {

std::map<std::string, partition_assignment> assign_share_partitions(
    const std::map<std::string, share_member>& members,
    const std::map<std::string, protocol::uuid>& topic_ids,
    const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, partition_assignment> out;
  for (const auto& [id, m] : members) out[id];  // every member has an entry, maybe empty
  for (const auto& [topic, count] : partition_counts) {
    auto id = topic_ids.find(topic);
    if (id == topic_ids.end() || count <= 0) continue;
    std::vector<const share_member*> subscribers;
    for (const auto& [member_id, m] : members) {
      if (std::binary_search(m.subscribed_topic_names.begin(), m.subscribed_topic_names.end(),
                             topic))
        subscribers.push_back(&m);
    }
    if (subscribers.empty()) continue;
    const auto n = static_cast<int32_t>(subscribers.size());
    if (n <= count) {
      for (int32_t p = 0; p < count; ++p) out[subscribers[p % n]->id][id->second].insert(p);
    } else {
      for (int32_t i = 0; i < n; ++i) out[subscribers[i]->id][id->second].insert(i % count);
    }
  }
  return out;
}

}  // namespace sluice::coordinator

namespace sluice::coordinator {

bool apply_share_record(share_group& sg, const share_record_body& record) {
  if (const auto* r = std::get_if<share_epoch_record>(&record)) {
    if (r->deleted) return false;
    sg.epoch = r->epoch;
    sg.metadata_hash = r->metadata_hash;
  } else if (const auto* r = std::get_if<share_member_record>(&record)) {
    if (r->deleted) {
      sg.members.erase(r->member.id);
      return true;
    }
    share_member& m = sg.members[r->member.id];
    m.id = r->member.id;
    m.rack_id = r->member.rack_id;
    m.client_id = r->member.client_id;
    m.client_host = r->member.client_host;
    m.subscribed_topic_names = r->member.subscribed_topic_names;
  } else if (const auto* r = std::get_if<share_target_epoch_record>(&record)) {
    sg.assignment_epoch = r->deleted ? 0 : r->assignment_epoch;
  } else if (const auto* r = std::get_if<share_target_member_record>(&record)) {
    if (r->deleted) {
      sg.target.erase(r->member_id);
    } else {
      sg.target[r->member_id] = r->target;
    }
  } else if (const auto* r = std::get_if<share_current_assignment_record>(&record)) {
    auto it = sg.members.find(r->member_id);
    if (r->deleted || it == sg.members.end()) return true;
    it->second.epoch = r->epoch;
    it->second.previous_epoch = r->previous_epoch;
    it->second.assigned = r->assigned;
  } else if (const auto* r = std::get_if<share_topics_record>(&record)) {
    sg.topics_seen.clear();
    if (!r->deleted)
      for (const auto& t : r->initialized) sg.topics_seen.insert(t.name);
  }
  return true;
}

std::vector<share_record_body> share_records_between(
    const share_group& before, const share_group& after, int64_t now_ms,
    const std::function<std::optional<share_topic_state>(const std::string&)>& topic_state) {
  std::vector<share_record_body> out;
  auto same_subscription = [](const share_member& a, const share_member& b) {
    return a.rack_id == b.rack_id && a.client_id == b.client_id && a.client_host == b.client_host &&
           a.subscribed_topic_names == b.subscribed_topic_names;
  };
  for (const auto& [id, m] : after.members) {
    auto it = before.members.find(id);
    if (it == before.members.end() || !same_subscription(it->second, m))
      out.push_back(share_member_record{.member = m});
  }
  if (before.topics_seen != after.topics_seen) {
    share_topics_record topics;
    for (const auto& name : after.topics_seen)
      if (auto t = topic_state(name)) topics.initialized.push_back(std::move(*t));
    out.push_back(std::move(topics));
  }
  if (before.epoch != after.epoch || before.metadata_hash != after.metadata_hash)
    out.push_back(share_epoch_record{.epoch = after.epoch, .metadata_hash = after.metadata_hash});
  if (before.target != after.target || before.assignment_epoch != after.assignment_epoch) {
    for (const auto& [id, target] : after.target) {
      auto it = before.target.find(id);
      if (it == before.target.end() || it->second != target)
        out.push_back(share_target_member_record{.member_id = id, .target = target});
    }
    for (const auto& [id, target] : before.target)
      if (!after.target.contains(id))
        out.push_back(share_target_member_record{.member_id = id, .deleted = true});
    out.push_back(share_target_epoch_record{.assignment_epoch = after.assignment_epoch,
                                            .assignment_timestamp = now_ms});
  }
  for (const auto& [id, m] : after.members) {
    auto it = before.members.find(id);
    if (it == before.members.end() || it->second.epoch != m.epoch ||
        it->second.previous_epoch != m.previous_epoch || it->second.assigned != m.assigned)
      out.push_back(share_current_assignment_record{.member_id = id,
                                                    .epoch = m.epoch,
                                                    .previous_epoch = m.previous_epoch,
                                                    .assigned = m.assigned});
  }
  for (const auto& [id, m] : before.members) {
    if (after.members.contains(id)) continue;
    out.push_back(share_current_assignment_record{.member_id = id, .deleted = true});
    share_member gone;
    gone.id = id;
    out.push_back(share_member_record{.member = gone, .deleted = true});
  }
  return out;
}

std::vector<share_record_body> share_group_tombstones(const share_group& sg) {
  std::vector<share_record_body> out;
  for (const auto& [id, m] : sg.members) {
    out.push_back(share_current_assignment_record{.member_id = id, .deleted = true});
    out.push_back(share_target_member_record{.member_id = id, .deleted = true});
    share_member gone;
    gone.id = id;
    out.push_back(share_member_record{.member = gone, .deleted = true});
  }
  out.push_back(share_topics_record{.deleted = true});
  out.push_back(share_target_epoch_record{.deleted = true});
  out.push_back(share_epoch_record{.deleted = true});
  return out;
}

}  // namespace sluice::coordinator
