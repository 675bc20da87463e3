#include "coordinator/group.h"

#include <algorithm>
#include <cctype>

#include "base/assert.h"
#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::coordinator {

std::string_view to_string(group_state s) {
  switch (s) {
    case group_state::empty:
      return "Empty";
    case group_state::preparing_rebalance:
      return "PreparingRebalance";
    case group_state::completing_rebalance:
      return "CompletingRebalance";
    case group_state::stable:
      return "Stable";
    case group_state::dead:
      return "Dead";
  }
  return "Unknown";
}

std::optional<group_state> parse_group_state(std::string_view name) {
  auto equal_ci = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (auto s : {group_state::empty, group_state::preparing_rebalance,
                 group_state::completing_rebalance, group_state::stable, group_state::dead}) {
    if (equal_ci(name, to_string(s))) return s;
  }
  return std::nullopt;
}

group::group(std::string id, int32_t partition, uint64_t incarnation, int64_t now_ms)
    : id_(std::move(id)),
      partition_(partition),
      incarnation_(incarnation),
      state_timestamp_(now_ms) {}

void group::transition_to(group_state next, int64_t now_ms) {
  bool legal = false;
  switch (next) {
    case group_state::empty:
      legal = state_ == group_state::preparing_rebalance;
      break;
    case group_state::preparing_rebalance:
      legal = can_rebalance();
      break;
    case group_state::completing_rebalance:
      legal = state_ == group_state::preparing_rebalance;
      break;
    case group_state::stable:
      legal = state_ == group_state::completing_rebalance;
      break;
    case group_state::dead:
      legal = true;
      break;
  }
  SLUICE_ASSERT(legal, "illegal group state transition");
  state_ = next;
  state_timestamp_ = now_ms;
}

bool group::can_rebalance() const {
  return state_ == group_state::stable || state_ == group_state::completing_rebalance ||
         state_ == group_state::empty;
}

member& group::get(const std::string& member_id) {
  auto it = members_.find(member_id);
  SLUICE_ASSERT(it != members_.end(), "no such member");
  return it->second;
}

member* group::find(const std::string& member_id) {
  auto it = members_.find(member_id);
  return it == members_.end() ? nullptr : &it->second;
}

member& group::add(member m) {
  SLUICE_ASSERT(!members_.contains(m.id), "member added twice");
  if (m.instance_id) {
    SLUICE_ASSERT(!static_members_.contains(*m.instance_id), "static member added twice");
    static_members_[*m.instance_id] = m.id;
  }
  if (members_.empty()) protocol_type = m.protocol_type;
  if (!leader_id) leader_id = m.id;
  pending_members.erase(m.id);
  std::string id = m.id;
  return members_.emplace(id, std::move(m)).first->second;
}

std::optional<member> group::remove(const std::string& member_id) {
  std::optional<member> removed;
  if (auto it = members_.find(member_id); it != members_.end()) {
    removed = std::move(it->second);
    members_.erase(it);
    if (removed->instance_id) static_members_.erase(*removed->instance_id);
  }
  if (is_leader(member_id)) {
    leader_id.reset();
    if (!members_.empty()) leader_id = members_.begin()->first;
  }
  pending_members.erase(member_id);
  pending_sync.erase(member_id);
  return removed;
}

member& group::replace_static_member(const std::string& instance_id, const std::string& old_id,
                                     const std::string& new_id) {
  auto node = members_.extract(old_id);
  SLUICE_ASSERT(!node.empty(), "replacing a member that does not exist");
  node.key() = new_id;
  node.mapped().id = new_id;
  auto& m = members_.insert(std::move(node)).position->second;
  if (is_leader(old_id)) leader_id = new_id;
  if (pending_sync.erase(old_id)) pending_sync.insert(new_id);
  static_members_[instance_id] = new_id;
  return m;
}

std::optional<std::string> group::static_member_id(const std::string& instance_id) const {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

size_t group::awaiting_join_count() const {
  return static_cast<size_t>(std::count_if(members_.begin(), members_.end(), [](const auto& e) {
    return e.second.awaiting_join.has_value();
  }));
}

bool group::all_members_joined() const {
  return awaiting_join_count() == members_.size() && pending_members.empty();
}

int32_t group::rebalance_timeout_ms() const {
  int32_t timeout = 0;
  for (const auto& [id, m] : members_) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

std::unordered_set<std::string> group::candidate_protocols() const {
  std::unordered_set<std::string> candidates;
  if (members_.empty()) return candidates;
  for (const auto& p : members_.begin()->second.protocols) candidates.insert(p.name);
  for (const auto& [id, m] : members_) {
    std::erase_if(candidates, [&](const std::string& name) { return !m.metadata_for(name); });
  }
  return candidates;
}

bool group::supports_protocols(std::string_view type,
                               const std::vector<member_protocol>& protocols) const {
  if (is(group_state::empty)) return !type.empty() && !protocols.empty();
  if (protocol_type != type) return false;
  auto candidates = candidate_protocols();
  return std::any_of(protocols.begin(), protocols.end(),
                     [&](const member_protocol& p) { return candidates.contains(p.name); });
}

std::string group::select_protocol() const {
  SLUICE_ASSERT(!members_.empty(), "selecting a protocol for a group without members");
  auto candidates = candidate_protocols();
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) {
    if (const std::string* choice = m.vote(candidates)) ++votes[*choice];
  }
  SLUICE_ASSERT(!votes.empty(), "members share no protocol");
  int most = 0;
  for (const auto& [name, count] : votes) most = std::max(most, count);
  if (leader_id) {
    if (const member* leader = members_.contains(*leader_id) ? &members_.at(*leader_id) : nullptr) {
      for (const auto& p : leader->protocols) {
        if (auto it = votes.find(p.name); it != votes.end() && it->second == most) return p.name;
      }
    }
  }
  for (const auto& [name, count] : votes)
    if (count == most) return name;
  return votes.begin()->first;
}

void group::refresh_subscribed_topics() {
  subscribed_topics.reset();
  if (protocol_type != consumer_protocol_type) return;
  if (members_.empty()) {
    subscribed_topics.emplace();
    return;
  }
  if (!protocol_name) return;
  std::set<std::string> topics;
  for (const auto& [id, m] : members_) {
    const protocol::bytes* metadata = m.metadata_for(*protocol_name);
    if (!metadata) return;
    // Every version of the consumer subscription starts with version 0's fields, so reading it as
    // version 0 works for versions not invented yet.
    protocol::reader r(*metadata);
    int16_t version = r.read_int16();
    protocol::consumer_protocol_subscription subscription;
    if (!r.ok() || version < 0 || !subscription.decode(r, 0).ok() || !r.ok()) return;
    topics.insert(subscription.topics.begin(), subscription.topics.end());
  }
  subscribed_topics = std::move(topics);
}

bool group::is_subscribed_to(const std::string& topic) const {
  return !subscribed_topics || subscribed_topics->contains(topic);
}

bool group::has_pending_commit(const topic_partition& tp) const {
  if (pending_commits.contains(tp)) return true;
  for (const auto& [producer, tps] : txn_offsets)
    if (tps.contains(tp)) return true;
  return false;
}

std::vector<topic_partition> group::expired_offsets(int64_t now_ms, int64_t retention_ms) const {
  // Which clock the retention runs from depends on the group, as in Kafka:
  //  - an empty group with a protocol: since it became empty (or since the commit, for records
  //    written without a state timestamp);
  //  - a stable consumer group whose subscriptions are known: since the commit, for topics it no
  //    longer subscribes to;
  //  - a group without a protocol (offsets committed by a non-group consumer): since the commit.
  // Other groups keep their offsets. Offsets with an expire timestamp (old clients) expire then.
  enum class base { state_change, commit } from;
  const std::set<std::string>* keep_topics = nullptr;
  if (protocol_type && is(group_state::empty)) {
    from = base::state_change;
  } else if (protocol_type == consumer_protocol_type && subscribed_topics &&
             is(group_state::stable)) {
    from = base::commit;
    keep_topics = &*subscribed_topics;
  } else if (!protocol_type) {
    from = base::commit;
  } else {
    return {};
  }
  std::vector<topic_partition> expired;
  for (const auto& [tp, c] : offsets) {
    if (keep_topics && keep_topics->contains(tp.topic)) continue;
    if (pending_commits.contains(tp)) continue;
    bool due = false;
    if (c.expire_timestamp) {
      due = now_ms >= *c.expire_timestamp;
    } else {
      int64_t start = from == base::state_change ? state_timestamp_.value_or(c.commit_timestamp)
                                                 : c.commit_timestamp;
      due = now_ms - start >= retention_ms;
    }
    if (due) expired.push_back(tp);
  }
  return expired;
}

protocol::group_metadata_value group::to_record(
    const std::map<std::string, protocol::bytes>& assignment) const {
  protocol::group_metadata_value v;
  v.protocol_type = protocol_type.value_or("");
  v.generation = generation;
  v.protocol_ = protocol_name;
  v.leader = leader_id;
  v.current_state_timestamp = state_timestamp_.value_or(-1);
  for (const auto& [id, m] : members_) {
    protocol::group_metadata_value::member_metadata mm;
    mm.member_id = m.id;
    mm.group_instance_id = m.instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout = m.rebalance_timeout_ms;
    mm.session_timeout = m.session_timeout_ms;
    if (protocol_name) {
      if (const protocol::bytes* metadata = m.metadata_for(*protocol_name))
        mm.subscription = *metadata;
    }
    if (auto it = assignment.find(m.id); it != assignment.end()) mm.assignment = it->second;
    v.members.push_back(std::move(mm));
  }
  return v;
}

void group::load_record(const protocol::group_metadata_value& value) {
  members_.clear();
  static_members_.clear();
  pending_members.clear();
  pending_sync.clear();
  protocol_type.reset();
  if (!value.protocol_type.empty()) protocol_type = value.protocol_type;
  generation = value.generation;
  protocol_name = value.protocol_;
  leader_id = value.leader;
  if (value.current_state_timestamp != -1) {
    state_timestamp_ = value.current_state_timestamp;
  } else {
    state_timestamp_.reset();
  }
  for (const auto& mm : value.members) {
    member m;
    m.id = mm.member_id;
    m.instance_id = mm.group_instance_id;
    m.client_id = mm.client_id;
    m.client_host = mm.client_host;
    // Version 0 records have no rebalance timeout; the session timeout stood in for it.
    m.rebalance_timeout_ms = mm.rebalance_timeout == -1 ? mm.session_timeout : mm.rebalance_timeout;
    m.session_timeout_ms = mm.session_timeout;
    m.protocol_type = value.protocol_type;
    if (protocol_name) m.protocols.push_back(member_protocol{*protocol_name, mm.subscription});
    m.assignment = mm.assignment;
    if (m.instance_id) static_members_[*m.instance_id] = m.id;
    std::string id = m.id;
    members_.emplace(std::move(id), std::move(m));
  }
  state_ = members_.empty() ? group_state::empty : group_state::stable;
  refresh_subscribed_topics();
  has_metadata_record = true;
}

void group::clear_metadata() {
  members_.clear();
  static_members_.clear();
  pending_members.clear();
  pending_sync.clear();
  generation = 0;
  protocol_type.reset();
  protocol_name.reset();
  leader_id.reset();
  subscribed_topics.reset();
  state_ = group_state::empty;
  has_metadata_record = false;
}

}  // namespace sluice::coordinator
