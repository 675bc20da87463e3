#include "coordinator/consumer_group.h"

#include <algorithm>

namespace sluice::coordinator {

std::string_view to_string(member_state s) {
  switch (s) {
    case member_state::stable:
      return "STABLE";
    case member_state::unrevoked_partitions:
      return "UNREVOKED_PARTITIONS";
    case member_state::unreleased_partitions:
      return "UNRELEASED_PARTITIONS";
    case member_state::unknown:
      break;
  }
  return "UNKNOWN";
}

std::string_view to_string(consumer_group_state s) {
  switch (s) {
    case consumer_group_state::empty:
      return "Empty";
    case consumer_group_state::assigning:
      return "Assigning";
    case consumer_group_state::reconciling:
      return "Reconciling";
    case consumer_group_state::stable:
      return "Stable";
  }
  return "Unknown";
}

bool consumer_member::same_subscription(const consumer_member& o) const {
  return instance_id == o.instance_id && rack_id == o.rack_id && client_id == o.client_id &&
         client_host == o.client_host && subscribed_topic_names == o.subscribed_topic_names &&
         subscribed_topic_regex == o.subscribed_topic_regex &&
         server_assignor == o.server_assignor && rebalance_timeout_ms == o.rebalance_timeout_ms &&
         classic == o.classic;
}

bool consumer_member::same_assignment(const consumer_member& o) const {
  return epoch == o.epoch && previous_epoch == o.previous_epoch && state == o.state &&
         assigned == o.assigned && pending_revocation == o.pending_revocation;
}

const consumer_member* consumer_group::find(const std::string& member_id) const {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

consumer_group_state consumer_group::state() const {
  if (members_.empty()) return consumer_group_state::empty;
  if (epoch_ > assignment_epoch_) return consumer_group_state::assigning;
  for (const auto& [id, m] : members_) {
    if (m.epoch.value() != assignment_epoch_.value() || m.state != member_state::stable)
      return consumer_group_state::reconciling;
  }
  return consumer_group_state::stable;
}

bool consumer_group::is_owned(const protocol::uuid& topic, int32_t partition) const {
  return owners_.contains({topic, partition});
}

std::string consumer_group::member_of_instance(const std::string& instance_id) const {
  for (const auto& [id, m] : members_)
    if (m.instance_id == instance_id) return id;
  return "";
}

bool consumer_group::all_classic_except(const std::string& except) const {
  for (const auto& [id, m] : members_)
    if (id != except && !m.classic) return false;
  return true;
}

bool consumer_group::supports_classic_protocols(
    std::string_view type, const std::vector<member_protocol>& protocols) const {
  if (members_.empty()) return !type.empty() && !protocols.empty();
  if (type != consumer_protocol_type) return false;
  size_t classic_members = 0;
  std::map<std::string, size_t> supporters;
  for (const auto& [id, m] : members_) {
    if (!m.classic) continue;
    ++classic_members;
    std::set<std::string> names;
    for (const auto& p : m.classic->protocols) names.insert(p.name);
    for (const auto& n : names) ++supporters[n];
  }
  for (const auto& p : protocols) {
    auto it = supporters.find(p.name);
    if ((it == supporters.end() ? 0 : it->second) == classic_members) return true;
  }
  return false;
}

bool consumer_group::waits_on_unreleased_partition(const consumer_member& m) const {
  for (const auto& [topic, partitions] : m.target) {
    auto mine = m.assigned.find(topic);
    for (int32_t p : partitions) {
      if (mine != m.assigned.end() && mine->second.contains(p)) continue;
      auto owner = owners_.find({topic, p});
      if (owner != owners_.end() && owner->second != m.id) return true;
    }
  }
  return false;
}

void consumer_group::set_owner(const partition_assignment& a, const std::string& member_id) {
  for (const auto& [topic, partitions] : a)
    for (int32_t p : partitions) owners_[{topic, p}] = member_id;
}

void consumer_group::clear_owner(const partition_assignment& a) {
  for (const auto& [topic, partitions] : a)
    for (int32_t p : partitions) owners_.erase({topic, p});
}

void consumer_group::apply(const consumer_record_body& record) {
  exists_ = true;
  if (auto* r = std::get_if<group_epoch_record>(&record)) {
    if (r->deleted) {
      *this = consumer_group{};
      return;
    }
    epoch_ = r->epoch;
    metadata_hash_ = r->metadata_hash;
  } else if (auto* r = std::get_if<member_subscription_record>(&record)) {
    if (r->deleted) {
      auto it = members_.find(r->member.id);
      if (it != members_.end()) {
        clear_owner(it->second.assigned);
        clear_owner(it->second.pending_revocation);
        members_.erase(it);
      }
      return;
    }
    consumer_member& m = members_[r->member.id];
    const consumer_member& s = r->member;
    m.id = s.id;
    m.instance_id = s.instance_id;
    m.rack_id = s.rack_id;
    m.client_id = s.client_id;
    m.client_host = s.client_host;
    m.subscribed_topic_names = s.subscribed_topic_names;
    m.subscribed_topic_regex = s.subscribed_topic_regex;
    m.server_assignor = s.server_assignor;
    m.rebalance_timeout_ms = s.rebalance_timeout_ms;
    m.classic = s.classic;
  } else if (auto* r = std::get_if<regex_record>(&record)) {
    if (r->deleted) {
      regex_topics.erase(r->regex);
      return;
    }
    regex_topics[r->regex] = r->topics;
    regex_resolved_ms = r->timestamp;
  } else if (auto* r = std::get_if<target_epoch_record>(&record)) {
    if (r->deleted) {
      assignment_epoch_ = group_epoch{0};
      assignment_timestamp_ = 0;
      return;
    }
    assignment_epoch_ = r->assignment_epoch;
    assignment_timestamp_ = r->assignment_timestamp;
  } else if (auto* r = std::get_if<target_member_record>(&record)) {
    auto it = members_.find(r->member_id);
    if (r->deleted) {
      if (it != members_.end()) it->second.target.clear();
      return;
    }
    // A target may be written before the member's own records on replay of a partial log.
    consumer_member& m = it != members_.end() ? it->second : members_[r->member_id];
    m.id = r->member_id;
    m.target = r->target;
  } else if (auto* r = std::get_if<current_assignment_record>(&record)) {
    auto it = members_.find(r->member_id);
    if (r->deleted) {
      if (it != members_.end()) {
        clear_owner(it->second.assigned);
        clear_owner(it->second.pending_revocation);
        it->second.assigned.clear();
        it->second.pending_revocation.clear();
      }
      return;
    }
    consumer_member& m = it != members_.end() ? it->second : members_[r->member_id];
    m.id = r->member_id;
    clear_owner(m.assigned);
    clear_owner(m.pending_revocation);
    m.epoch = r->epoch;
    m.previous_epoch = r->previous_epoch;
    m.state = r->state;
    m.assigned = r->assigned;
    m.pending_revocation = r->pending_revocation;
    set_owner(m.assigned, m.id);
    set_owner(m.pending_revocation, m.id);
  }
}

bool is_subset(const partition_assignment& owned, const partition_assignment& assignment) {
  for (const auto& [topic, partitions] : owned) {
    if (partitions.empty()) continue;
    auto it = assignment.find(topic);
    if (it == assignment.end()) return false;
    for (int32_t p : partitions)
      if (!it->second.contains(p)) return false;
  }
  return true;
}

namespace {

// Whether the member (by what it reported, or assumed so when it did not say) still owns any of
// `revoking`.
bool owns_any(const std::optional<partition_assignment>& owned,
              const partition_assignment& revoking) {
  if (!owned) return true;
  for (const auto& [topic, partitions] : *owned) {
    auto it = revoking.find(topic);
    if (it == revoking.end()) continue;
    for (int32_t p : partitions)
      if (it->second.contains(p)) return true;
  }
  return false;
}

consumer_member next_assignment(const consumer_member& member, member_epoch epoch,
                                group_epoch target_epoch,
                                const std::optional<partition_assignment>& owned,
                                const std::function<bool(const protocol::uuid&, int32_t)>& taken) {
  partition_assignment keep, revoke, add;
  bool unreleased = false;
  std::set<protocol::uuid> topics;
  for (const auto& [t, ps] : member.target) topics.insert(t);
  for (const auto& [t, ps] : member.assigned) topics.insert(t);
  for (const auto& topic : topics) {
    static const std::set<int32_t> none;
    auto ti = member.target.find(topic);
    auto ai = member.assigned.find(topic);
    const auto& target = ti == member.target.end() ? none : ti->second;
    const auto& current = ai == member.assigned.end() ? none : ai->second;
    for (int32_t p : current) (target.contains(p) ? keep : revoke)[topic].insert(p);
    for (int32_t p : target) {
      if (current.contains(p)) continue;
      if (taken(topic, p)) {
        unreleased = true;
      } else {
        add[topic].insert(p);
      }
    }
  }
  consumer_member next = member;
  auto move_to = [&](member_epoch e) {
    if (e != next.epoch) {
      next.previous_epoch = next.epoch;
      next.epoch = e;
    }
  };
  if (!revoke.empty() && owns_any(owned, revoke)) {
    // Keep the epoch and ask the member to give the partitions up first.
    move_to(epoch);
    next.state = member_state::unrevoked_partitions;
    next.assigned = keep;
    next.pending_revocation = revoke;
    return next;
  }
  for (auto& [topic, partitions] : add) keep[topic].insert(partitions.begin(), partitions.end());
  move_to(member_epoch(target_epoch.value()));
  next.state = unreleased ? member_state::unreleased_partitions : member_state::stable;
  next.assigned = keep;
  next.pending_revocation.clear();
  return next;
}

}  // namespace

consumer_member reconcile(const consumer_member& member, group_epoch target_epoch,
                          const std::optional<partition_assignment>& owned,
                          const std::function<bool(const protocol::uuid&, int32_t)>& is_owned) {
  // A partition is taken when another member owns it; the member's own do not count.
  auto taken = [&](const protocol::uuid& topic, int32_t p) {
    auto mine = member.assigned.find(topic);
    if (mine != member.assigned.end() && mine->second.contains(p)) return false;
    auto pending = member.pending_revocation.find(topic);
    if (pending != member.pending_revocation.end() && pending->second.contains(p)) return false;
    return is_owned(topic, p);
  };
  switch (member.state) {
    case member_state::stable:
      if (member.epoch.value() == target_epoch.value()) return member;
      return next_assignment(member, member.epoch, target_epoch, owned, taken);
    case member_state::unrevoked_partitions:
      if (owns_any(owned, member.pending_revocation)) return member;
      return next_assignment(member, member.epoch.next(), target_epoch, owned, taken);
    case member_state::unreleased_partitions:
      return next_assignment(member, member.epoch, target_epoch, owned, taken);
    case member_state::unknown:
      break;
  }
  return next_assignment(member, member_epoch(target_epoch.value()), target_epoch, owned, taken);
}

}  // namespace sluice::coordinator
