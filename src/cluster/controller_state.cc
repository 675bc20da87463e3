#include "cluster/controller_state.h"

#include <algorithm>

#include "protocol/error_code.h"

namespace sluice::cluster {
namespace {

constexpr int32_t no_leader = -1;
constexpr int32_t leader_during_delete = -2;  // UpdateMetadata's leader for a topic being deleted
constexpr int32_t epoch_during_delete = -2;   // StopReplica's leader epoch: delete regardless
constexpr int8_t control_request_incremental = 1;

int16_t code(protocol::error_code e) {
  return static_cast<int16_t>(e);
}

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int16_t security_protocol_code(const std::string& name) {
  if (name == "SSL") return 1;
  if (name == "SASL_PLAINTEXT") return 2;
  if (name == "SASL_SSL") return 3;
  return 0;  // PLAINTEXT
}

partition_view view_of(const std::vector<int32_t>& replicas, const stored_partition_state& s) {
  partition_view v;
  v.replicas = replicas;
  v.has_state = true;
  v.leader = s.state.leader;
  v.leader_epoch = s.state.leader_epoch;
  v.isr = s.state.isr;
  v.controller_epoch = s.state.controller_epoch;
  v.zk_version = s.version;
  return v;
}

// `old` with the state znode as read (its replica set and any reassignment kept).
partition_view refreshed(const partition_view& old, const stored_partition_state& s) {
  partition_view v = view_of(old.replicas, s);
  v.adding = old.adding;
  v.removing = old.removing;
  return v;
}

std::vector<int32_t> without(const std::vector<int32_t>& from, const std::vector<int32_t>& drop) {
  std::vector<int32_t> out;
  for (int32_t r : from)
    if (!contains(drop, r)) out.push_back(r);
  return out;
}

bool subset_of(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  return std::all_of(a.begin(), a.end(), [&](int32_t x) { return contains(b, x); });
}

std::string id_list(const std::vector<int32_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out + "]";
}

}  // namespace

std::vector<int32_t> partition_view::target() const {
  return without(replicas, removing);
}

std::vector<int32_t> partition_view::origin() const {
  return without(replicas, adding);
}

bool controller_actions::empty() const {
  return assignment_writes.empty() && state_writes.empty() && topic_removals.empty() &&
         deletion_marker_removals.empty() && requests.empty() && alter_partition_replies.empty() &&
         shutdown_replies.empty() && elect_leaders_replies.empty() && reassignment_replies.empty();
}

void controller_actions::append(controller_actions other) {
  auto move_all = [](auto& to, auto& from) {
    for (auto& x : from) to.push_back(std::move(x));
  };
  move_all(assignment_writes, other.assignment_writes);
  move_all(state_writes, other.state_writes);
  move_all(topic_removals, other.topic_removals);
  move_all(deletion_marker_removals, other.deletion_marker_removals);
  move_all(requests, other.requests);
  move_all(alter_partition_replies, other.alter_partition_replies);
  move_all(shutdown_replies, other.shutdown_replies);
  move_all(elect_leaders_replies, other.elect_leaders_replies);
  move_all(reassignment_replies, other.reassignment_replies);
}

controller_state::controller_state(controller_state_options options)
    : options_(std::move(options)) {}

partition_view controller_state::loaded_view(const loaded_topic& t, int32_t p) {
  partition_view v;
  const auto& replicas = t.assignment.at(p);
  auto s = t.states.find(p);
  if (s != t.states.end()) {
    v = view_of(replicas, s->second);
  } else {
    v.replicas = replicas;
  }
  if (auto a = t.adding.find(p); a != t.adding.end()) v.adding = a->second;
  if (auto r = t.removing.find(p); r != t.removing.end()) v.removing = r->second;
  return v;
}

// ---- queries ------------------------------------------------------------------------------------

bool controller_state::is_live(int32_t broker) const {
  return live_.contains(broker);
}

bool controller_state::eligible_leader(int32_t broker) const {
  return is_live(broker) && !shutting_down_.contains(broker);
}

bool controller_state::unclean_allowed(const topic_entry& topic) const {
  return topic.unclean_leader_election.value_or(options_.unclean_leader_election);
}

partition_view* controller_state::find(const std::string& topic, int32_t p) {
  auto t = topics_.find(topic);
  if (t == topics_.end()) return nullptr;
  auto it = t->second.partitions.find(p);
  return it == t->second.partitions.end() ? nullptr : &it->second;
}

const partition_view* controller_state::partition(const std::string& topic, int32_t p) const {
  return const_cast<controller_state*>(this)->find(topic, p);
}

std::vector<std::string> controller_state::topic_names() const {
  std::vector<std::string> names;
  for (const auto& [name, t] : topics_) names.push_back(name);
  return names;
}

std::set<int32_t> controller_state::live_broker_ids() const {
  std::set<int32_t> ids;
  for (const auto& [id, b] : live_) ids.insert(id);
  return ids;
}

controller_state::partition_list controller_state::all_partitions() const {
  partition_list out;
  for (const auto& [name, t] : topics_) {
    for (const auto& [p, view] : t.partitions) {
      if (view.has_state) out.emplace_back(name, p);
    }
  }
  return out;
}

protocol::error_code controller_state::check_broker_epoch(int32_t broker, int64_t epoch) const {
  if (!active_) return protocol::error_code::not_controller;
  auto it = live_.find(broker);
  if (it == live_.end()) return protocol::error_code::broker_id_not_registered;
  if (epoch != -1 && epoch != it->second.epoch) return protocol::error_code::stale_broker_epoch;
  return protocol::error_code::none;
}

// ---- the election rules -------------------------------------------------------------------------

// What a partition's state should become given who is live: an uninitialized partition gets its
// first state; a partition whose leader is gone or shutting down gets a new leader from the ISR
// (or none); dead members leave the ISR (but the last member stays).
std::optional<controller_state::change> controller_state::reconcile_partition(
    const std::string& topic, const topic_entry& entry, int32_t number,
    const partition_view& p) const {
  change c{topic, number, p, false};
  partition_view& next = c.proposed;
  if (!p.has_state) {
    std::vector<int32_t> live_replicas;
    for (int32_t r : p.replicas) {
      if (eligible_leader(r)) live_replicas.push_back(r);
    }
    if (live_replicas.empty()) return std::nullopt;  // stays new until a replica registers
    next.leader = live_replicas.front();
    next.isr = live_replicas;
    next.leader_epoch = 0;
    c.is_new = true;
    return c;
  }
  std::vector<int32_t> live_isr;
  for (int32_t r : p.isr) {
    if (is_live(r)) live_isr.push_back(r);
  }
  const bool leader_ok = p.leader != no_leader && eligible_leader(p.leader);
  if (leader_ok) {
    if (live_isr == p.isr) return std::nullopt;
    next.isr = live_isr;  // contains the leader
  } else {
    std::optional<int32_t> candidate;
    for (int32_t r : p.replicas) {
      if (eligible_leader(r) && contains(p.isr, r)) {
        candidate = r;
        break;
      }
    }
    if (candidate) {
      next.leader = *candidate;
      next.isr = live_isr;
    } else if (p.leader != no_leader && is_live(p.leader)) {
      // Shutting down with nobody to take over: it keeps leading; only dead members leave.
      if (live_isr == p.isr) return std::nullopt;
      next.isr = live_isr;
    } else if (unclean_allowed(entry) &&
               std::any_of(p.replicas.begin(), p.replicas.end(),
                           [&](int32_t r) { return eligible_leader(r); })) {
      for (int32_t r : p.replicas) {
        if (eligible_leader(r)) {
          next.leader = r;
          break;
        }
      }
      next.isr = {next.leader};
    } else {
      next.leader = no_leader;
      if (!live_isr.empty()) {
        next.isr = live_isr;
      } else if (!p.isr.empty()) {
        // Keep the last member, who has every committed record: the last leader if it was one.
        next.isr = {contains(p.isr, p.leader) ? p.leader : p.isr.back()};
      }
      if (next.leader == p.leader && next.isr == p.isr) return std::nullopt;
    }
  }
  next.leader_epoch = p.leader_epoch + 1;
  return c;
}

std::vector<controller_state::change> controller_state::reconcile_all() const {
  std::vector<change> changes;
  for (const auto& [name, t] : topics_) {
    for (const auto& [number, p] : t.partitions) {
      if (auto c = reconcile_partition(name, t, number, p)) changes.push_back(std::move(*c));
    }
  }
  return changes;
}

// ---- batches: writes, then requests -------------------------------------------------------------

controller_actions controller_state::run(batch b) {
  SLUICE_ASSERT(!pending_.has_value(), "controller_state: an event arrived with writes pending");
  if (b.changes.empty()) return finish(b, {}, {}, {});
  controller_actions out;
  for (const auto& c : b.changes) {
    const partition_view* current = partition(c.topic, c.partition);
    SLUICE_ASSERT(current != nullptr, "controller_state: change for an unknown partition");
    state_write w;
    w.topic = c.topic;
    w.partition = c.partition;
    w.state.leader = c.proposed.leader;
    w.state.leader_epoch = c.proposed.leader_epoch;
    w.state.isr = c.proposed.isr;
    w.state.controller_epoch = epoch_;
    if (current->has_state) w.expected_version = current->zk_version;
    out.state_writes.push_back(std::move(w));
  }
  pending_ = std::move(b);
  return out;
}

controller_actions controller_state::writes_done(const std::vector<state_write_result>& results) {
  SLUICE_ASSERT(pending_.has_value(), "controller_state: writes_done without writes");
  SLUICE_ASSERT(results.size() == pending_->changes.size(), "controller_state: result count");
  batch b = std::move(*pending_);
  pending_.reset();
  partition_list written;
  std::vector<bool> ok(b.changes.size(), false);
  std::vector<bool> is_new;
  for (size_t i = 0; i < b.changes.size(); ++i) {
    const change& c = b.changes[i];
    partition_view* view = find(c.topic, c.partition);
    if (view == nullptr) continue;
    const state_write_result& r = results[i];
    if (r.ok) {
      *view = c.proposed;
      view->has_state = true;
      view->zk_version = r.new_version;
      view->controller_epoch = epoch_;
      ok[i] = true;
      written.emplace_back(c.topic, c.partition);
      is_new.push_back(c.is_new);
    } else {
      reconcile_needed_ = true;
      if (r.current) {
        *view = refreshed(*view, *r.current);
      } else {
        view->has_state = false;
      }
    }
  }
  controller_actions out = finish(b, written, ok, is_new);
  if (!pending_ && reconcile_needed_) {
    reconcile_needed_ = false;
    batch again;
    again.changes = reconcile_all();
    out.append(run(std::move(again)));
  }
  return out;
}

controller_actions controller_state::finish(batch& b, const partition_list& written,
                                            const std::vector<bool>& ok,
                                            const std::vector<bool>& is_new) {
  controller_actions out;
  if (b.send_leader_and_isr && !written.empty())
    add_leader_and_isr(out, written, is_new, std::nullopt);
  if (b.send_update_metadata && (!written.empty() || b.update_metadata_even_if_unchanged))
    add_update_metadata(out, written, std::nullopt);
  if (b.then) out.append(b.then(ok));
  if (!pending_) out.append(continue_reassignments());
  return out;
}

// ---- requests to brokers ------------------------------------------------------------------------

void controller_state::add_leader_and_isr(controller_actions& out, const partition_list& partitions,
                                          const std::vector<bool>& is_new,
                                          std::optional<int32_t> only_broker) {
  std::map<int32_t, protocol::leader_and_isr_request> by_broker;
  std::map<int32_t, std::map<std::string, size_t>> topic_slot;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& [topic, number] = partitions[i];
    const partition_view* p = partition(topic, number);
    if (p == nullptr || !p->has_state) continue;
    for (int32_t broker : p->replicas) {
      if (!is_live(broker) || (only_broker && broker != *only_broker)) continue;
      auto [it, fresh] = by_broker.try_emplace(broker);
      auto& request = it->second;
      if (fresh) {
        request.controller_id = options_.broker_id;
        request.controller_epoch = epoch_;
        request.broker_epoch = live_.at(broker).epoch;
        request.type = control_request_incremental;
      }
      auto [slot, new_topic] = topic_slot[broker].try_emplace(topic, request.topic_states.size());
      if (new_topic) {
        auto& ts = request.topic_states.emplace_back();
        ts.topic_name = topic;
        ts.topic_id = topics_.at(topic).id;
      }
      auto& ps = request.topic_states[slot->second].partition_states.emplace_back();
      ps.partition_index = number;
      ps.controller_epoch = epoch_;
      ps.leader = p->leader;
      ps.leader_epoch = p->leader_epoch;
      ps.isr = p->isr;
      ps.partition_epoch = p->zk_version;
      ps.replicas = p->replicas;
      ps.adding_replicas = p->adding;
      ps.removing_replicas = p->removing;
      ps.is_new = i < is_new.size() && is_new[i];
      if (p->leader >= 0 && is_live(p->leader)) {
        const bool listed = std::any_of(request.live_leaders.begin(), request.live_leaders.end(),
                                        [&](const auto& l) { return l.broker_id == p->leader; });
        if (!listed) {
          auto& leader = request.live_leaders.emplace_back();
          leader.broker_id = p->leader;
          for (const auto& e : live_.at(p->leader).info.endpoints) {
            if (e.listener_name == options_.inter_broker_listener) {
              leader.host_name = e.host;
              leader.port = e.port;
            }
          }
        }
      }
    }
  }
  for (auto& [broker, request] : by_broker) out.requests.push_back({broker, std::move(request)});
}

void controller_state::add_update_metadata(controller_actions& out,
                                           const partition_list& partitions,
                                           std::optional<int32_t> only_broker) {
  protocol::update_metadata_request request;
  request.controller_id = options_.broker_id;
  request.controller_epoch = epoch_;
  for (const auto& [id, b] : live_) {
    auto& broker = request.live_brokers.emplace_back();
    broker.id = id;
    for (const auto& e : b.info.endpoints) {
      auto& ep = broker.endpoints.emplace_back();
      ep.port = e.port;
      ep.host = e.host;
      ep.listener = e.listener_name;
      ep.security_protocol = security_protocol_code(e.security_protocol);
    }
    if (b.info.rack) {
      broker.rack = *b.info.rack;
    } else {
      broker.rack.reset();
    }
  }
  std::map<std::string, size_t> topic_slot;
  for (const auto& [topic, number] : partitions) {
    const partition_view* p = partition(topic, number);
    if (p == nullptr || !p->has_state) continue;
    auto [slot, fresh] = topic_slot.try_emplace(topic, request.topic_states.size());
    if (fresh) {
      auto& ts = request.topic_states.emplace_back();
      ts.topic_name = topic;
      ts.topic_id = topics_.at(topic).id;
    }
    auto& ps = request.topic_states[slot->second].partition_states.emplace_back();
    ps.partition_index = number;
    ps.controller_epoch = epoch_;
    ps.leader = p->leader;
    ps.leader_epoch = p->leader_epoch;
    ps.isr = p->isr;
    ps.zk_version = p->zk_version;
    ps.replicas = p->replicas;
    for (int32_t r : p->replicas) {
      if (!is_live(r)) ps.offline_replicas.push_back(r);
    }
  }
  for (const auto& [id, b] : live_) {
    if (only_broker && id != *only_broker) continue;
    protocol::update_metadata_request copy = request;
    copy.broker_epoch = b.epoch;
    out.requests.push_back({id, std::move(copy)});
  }
}

void controller_state::add_stop_replica(controller_actions& out, int32_t broker,
                                        const partition_list& partitions, bool delete_partitions) {
  if (partitions.empty() || !is_live(broker)) return;
  protocol::stop_replica_request request;
  request.controller_id = options_.broker_id;
  request.controller_epoch = epoch_;
  request.broker_epoch = live_.at(broker).epoch;
  std::map<std::string, size_t> topic_slot;
  for (const auto& [topic, number] : partitions) {
    auto [slot, fresh] = topic_slot.try_emplace(topic, request.topic_states.size());
    if (fresh) request.topic_states.emplace_back().topic_name = topic;
    auto& ps = request.topic_states[slot->second].partition_states.emplace_back();
    ps.partition_index = number;
    const partition_view* p = partition(topic, number);
    ps.leader_epoch = delete_partitions || p == nullptr ? epoch_during_delete : p->leader_epoch;
    ps.delete_partition = delete_partitions;
  }
  out.requests.push_back({broker, std::move(request)});
}

// ---- events -------------------------------------------------------------------------------------

controller_actions controller_state::became_controller(int32_t epoch,
                                                       std::vector<live_broker> brokers,
                                                       std::vector<loaded_topic> topics,
                                                       std::vector<std::string> pending_deletions) {
  resigned();
  active_ = true;
  epoch_ = epoch;
  for (auto& b : brokers) {
    const int32_t id = b.info.id;
    live_[id] = std::move(b);
  }
  for (auto& t : topics) {
    topic_entry entry;
    entry.id = t.id;
    entry.unclean_leader_election = t.unclean_leader_election;
    for (const auto& [p, replicas] : t.assignment) entry.partitions[p] = loaded_view(t, p);
    topics_[t.name] = std::move(entry);
  }
  controller_actions out = deletions_requested(pending_deletions);
  // Reconcile first, then tell every live broker the whole (reconciled) state once.
  batch b;
  b.changes = reconcile_all();
  b.send_leader_and_isr = false;
  b.send_update_metadata = false;
  b.then = [this](const std::vector<bool>&) {
    controller_actions full;
    const partition_list everything = all_partitions();
    add_leader_and_isr(full, everything, {}, std::nullopt);
    add_update_metadata(full, everything, std::nullopt);
    return full;
  };
  out.append(run(std::move(b)));
  return out;
}

void controller_state::resigned() {
  active_ = false;
  epoch_ = -1;
  live_.clear();
  shutting_down_.clear();
  topics_.clear();
  deleting_.clear();
  pending_.reset();
  reconcile_needed_ = false;
}

controller_actions controller_state::brokers_changed(std::vector<live_broker> brokers) {
  if (!active_) return {};
  std::map<int32_t, live_broker> next;
  for (auto& b : brokers) {
    const int32_t id = b.info.id;
    next[id] = std::move(b);
  }
  std::vector<int32_t> gone;     // dead, or restarted (a new registration epoch)
  std::vector<int32_t> started;  // new, or restarted
  for (const auto& [id, b] : live_) {
    auto it = next.find(id);
    if (it == next.end() || it->second.epoch != b.epoch) gone.push_back(id);
  }
  for (const auto& [id, b] : next) {
    auto it = live_.find(id);
    if (it == live_.end() || it->second.epoch != b.epoch) started.push_back(id);
  }
  if (gone.empty() && started.empty()) {
    live_ = std::move(next);  // endpoints or racks may have changed
    return {};
  }
  // First as if the restarted brokers had only died, then their start.
  for (int32_t id : gone) {
    live_.erase(id);
    shutting_down_.erase(id);
  }
  batch b;
  b.changes = reconcile_all();
  b.update_metadata_even_if_unchanged = !gone.empty();
  b.then = [this, next = std::move(next), started](const std::vector<bool>&) mutable {
    live_ = std::move(next);
    return on_brokers_started(started);
  };
  return run(std::move(b));
}

controller_actions controller_state::on_brokers_started(const std::vector<int32_t>& started) {
  controller_actions out;
  if (started.empty()) return out;
  const partition_list everything = all_partitions();
  std::set<int32_t> started_set(started.begin(), started.end());
  // The others learn the new broker set; the started ones the whole state and their roles.
  for (const auto& [id, b] : live_) {
    if (!started_set.contains(id)) add_update_metadata(out, {}, id);
  }
  for (int32_t id : started) {
    add_update_metadata(out, everything, id);
    add_leader_and_isr(out, everything, {}, id);
  }
  std::vector<std::string> deleting_topics;
  for (const auto& [name, remaining] : deleting_) deleting_topics.push_back(name);
  for (const auto& name : deleting_topics) {
    for (int32_t id : started) out.append(continue_deletion(name, id));
  }
  // Partitions that had no live replica may now get a leader (or their first state).
  batch b;
  b.changes = reconcile_all();
  out.append(run(std::move(b)));
  return out;
}

controller_actions controller_state::unclean_leader_election_default_changed(bool enabled) {
  options_.unclean_leader_election = enabled;
  if (!active_ || !enabled) return {};
  batch b;
  b.changes = reconcile_all();
  return run(std::move(b));
}

controller_actions controller_state::topic_changed(const std::string& name,
                                                   std::optional<loaded_topic> topic) {
  if (!active_) return {};
  if (!topic) {
    topics_.erase(name);
    deleting_.erase(name);
    return {};
  }
  if (deleting_.contains(name)) return {};  // its znodes stay until the replicas are gone
  auto it = topics_.find(name);
  if (it == topics_.end() || !(it->second.id == topic->id)) {
    topic_entry entry;
    entry.id = topic->id;
    it = topics_.insert_or_assign(name, std::move(entry)).first;
  }
  topic_entry& entry = it->second;
  entry.unclean_leader_election = topic->unclean_leader_election;
  for (const auto& [p, replicas] : topic->assignment) {
    // Known partitions change only through this state machine (reassignments included).
    if (!entry.partitions.contains(p)) entry.partitions[p] = loaded_view(*topic, p);
  }
  batch b;
  b.changes = reconcile_all();
  return run(std::move(b));
}

controller_actions controller_state::deletions_requested(const std::vector<std::string>& topics) {
  controller_actions out;
  if (!active_) return out;
  std::set<std::string> unique(topics.begin(), topics.end());
  for (const auto& name : unique) {
    if (deleting_.contains(name)) continue;  // underway
    auto it = topics_.find(name);
    if (it == topics_.end() || !options_.delete_topic_enable) {
      out.deletion_marker_removals.push_back(name);
      continue;
    }
    partition_list partitions;
    auto& remaining = deleting_[name];
    for (auto& [number, p] : it->second.partitions) {
      partitions.emplace_back(name, number);
      for (int32_t r : p.replicas) remaining.emplace(r, number);
      p.leader = leader_during_delete;
    }
    add_update_metadata(out, partitions, std::nullopt);
    topics_.erase(it);
    out.append(continue_deletion(name, std::nullopt));
  }
  return out;
}

controller_actions controller_state::continue_deletion(const std::string& topic,
                                                       std::optional<int32_t> broker) {
  controller_actions out;
  auto it = deleting_.find(topic);
  if (it == deleting_.end()) return out;
  if (it->second.empty()) {
    deleting_.erase(it);
    out.topic_removals.push_back(topic);
    return out;
  }
  std::map<int32_t, partition_list> by_replica;
  for (const auto& [replica, number] : it->second) {
    if (!broker || replica == *broker) by_replica[replica].emplace_back(topic, number);
  }
  for (const auto& [replica, list] : by_replica) add_stop_replica(out, replica, list, true);
  return out;
}

controller_actions controller_state::replicas_deleted(int32_t broker, const std::string& topic,
                                                      const std::vector<int32_t>& partitions) {
  auto it = deleting_.find(topic);
  if (!active_ || it == deleting_.end()) return {};
  for (int32_t p : partitions) it->second.erase({broker, p});
  if (!it->second.empty()) return {};
  deleting_.erase(it);
  controller_actions out;
  out.topic_removals.push_back(topic);
  return out;
}

controller_actions controller_state::alter_partition(
    uint64_t reply_id, const protocol::alter_partition_request& request, int16_t version) {
  controller_actions out;
  protocol::alter_partition_response response;
  if (!active_) {
    response.error_code = code(protocol::error_code::not_controller);
    out.alter_partition_replies.emplace_back(reply_id, std::move(response));
    return out;
  }
  auto sender = live_.find(request.broker_id);
  if (sender == live_.end() ||
      (request.broker_epoch != -1 && request.broker_epoch != sender->second.epoch)) {
    response.error_code = code(protocol::error_code::stale_broker_epoch);
    out.alter_partition_replies.emplace_back(reply_id, std::move(response));
    return out;
  }
  struct slot {
    size_t topic = 0;
    size_t partition = 0;
    std::optional<size_t> change;  // index into the batch
  };
  std::vector<slot> slots;
  batch b;
  b.send_leader_and_isr = false;  // the leader learns the result from the reply
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.topic_name = t.topic_name;
    rt.topic_id = t.topic_id;
    std::string name = t.topic_name;
    if (version >= 2) {
      name.clear();
      for (const auto& [n, entry] : topics_) {
        if (entry.id == t.topic_id) name = n;
      }
    }
    for (const auto& pd : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = pd.partition_index;
      slot s{response.topics.size() - 1, rt.partitions.size() - 1, std::nullopt};
      const partition_view* p = name.empty() ? nullptr : partition(name, pd.partition_index);
      auto fill_current = [&] {
        rp.leader_id = p->leader;
        rp.leader_epoch = p->leader_epoch;
        rp.isr = p->isr;
        rp.partition_epoch = p->zk_version;
      };
      std::vector<int32_t> new_isr = pd.new_isr;
      if (version >= 3) {
        new_isr.clear();
        for (const auto& m : pd.new_isr_with_epochs) new_isr.push_back(m.broker_id);
      }
      if (p == nullptr || !p->has_state) {
        rp.error_code = code(protocol::error_code::unknown_topic_or_partition);
      } else if (p->leader != request.broker_id) {
        rp.error_code = code(protocol::error_code::not_leader_or_follower);
      } else if (pd.leader_epoch != p->leader_epoch) {
        rp.error_code = code(protocol::error_code::fenced_leader_epoch);
      } else if (new_isr == p->isr) {
        fill_current();  // already applied (a retry): answer with the current state
      } else if (pd.partition_epoch != p->zk_version) {
        rp.error_code = code(protocol::error_code::invalid_update_version);
      } else {
        bool eligible = !new_isr.empty() && contains(new_isr, p->leader);
        for (int32_t r : new_isr) {
          if (!contains(p->replicas, r) || !eligible_leader(r)) eligible = false;
        }
        if (version >= 3) {
          for (const auto& m : pd.new_isr_with_epochs) {
            auto b_it = live_.find(m.broker_id);
            if (m.broker_epoch != -1 && b_it != live_.end() && b_it->second.epoch != m.broker_epoch)
              eligible = false;
          }
        }
        std::set<int32_t> distinct(new_isr.begin(), new_isr.end());
        if (distinct.size() != new_isr.size()) eligible = false;
        if (!eligible) {
          rp.error_code = code(protocol::error_code::ineligible_replica);
        } else {
          change c{name, pd.partition_index, *p, false};
          c.proposed.isr = new_isr;
          s.change = b.changes.size();
          b.changes.push_back(std::move(c));
        }
      }
      slots.push_back(s);
    }
  }
  b.then = [this, reply_id, response = std::move(response), slots,
            changes = b.changes](const std::vector<bool>& ok) mutable {
    controller_actions done;
    for (const auto& s : slots) {
      if (!s.change) continue;
      auto& rp = response.topics[s.topic].partitions[s.partition];
      if (!ok[*s.change]) {
        rp.error_code = code(protocol::error_code::invalid_update_version);
        continue;
      }
      const partition_view* p = partition(changes[*s.change].topic, changes[*s.change].partition);
      rp.leader_id = p->leader;
      rp.leader_epoch = p->leader_epoch;
      rp.isr = p->isr;
      rp.partition_epoch = p->zk_version;
    }
    done.alter_partition_replies.emplace_back(reply_id, std::move(response));
    return done;
  };
  return run(std::move(b));
}

controller_actions controller_state::controlled_shutdown(
    uint64_t reply_id, const protocol::controlled_shutdown_request& request) {
  controller_actions out;
  protocol::controlled_shutdown_response response;
  const int32_t broker = request.broker_id;
  auto it = live_.find(broker);
  if (!active_) {
    response.error_code = code(protocol::error_code::not_controller);
  } else if (it == live_.end()) {
    response.error_code = code(protocol::error_code::broker_not_available);
  } else if (request.broker_epoch != -1 && request.broker_epoch < it->second.epoch) {
    response.error_code = code(protocol::error_code::stale_broker_epoch);
  }
  if (response.error_code != 0) {
    out.shutdown_replies.emplace_back(reply_id, std::move(response));
    return out;
  }
  shutting_down_.insert(broker);
  batch b;
  partition_list followed;
  for (const auto& [name, t] : topics_) {
    for (const auto& [number, p] : t.partitions) {
      if (!p.has_state || !contains(p.replicas, broker)) continue;
      if (p.leader == broker) {
        if (p.replicas.size() < 2) continue;
        std::optional<int32_t> candidate;
        for (int32_t r : p.replicas) {
          if (eligible_leader(r) && contains(p.isr, r)) {
            candidate = r;
            break;
          }
        }
        if (!candidate) continue;
        change c{name, number, p, false};
        c.proposed.leader = *candidate;
        std::erase_if(c.proposed.isr, [&](int32_t r) { return shutting_down_.contains(r); });
        c.proposed.leader_epoch = p.leader_epoch + 1;
        b.changes.push_back(std::move(c));
      } else {
        followed.emplace_back(name, number);
        if (contains(p.isr, broker) && p.isr.size() > 1) {
          change c{name, number, p, false};
          std::erase(c.proposed.isr, broker);
          c.proposed.leader_epoch = p.leader_epoch + 1;
          b.changes.push_back(std::move(c));
        }
      }
    }
  }
  b.then = [this, reply_id, broker, followed](const std::vector<bool>&) {
    controller_actions done;
    add_stop_replica(done, broker, followed, false);
    protocol::controlled_shutdown_response reply;
    for (const auto& [name, t] : topics_) {
      for (const auto& [number, p] : t.partitions) {
        if (p.has_state && p.leader == broker && p.replicas.size() > 1) {
          auto& r = reply.remaining_partitions.emplace_back();
          r.topic_name = name;
          r.partition_index = number;
        }
      }
    }
    done.shutdown_replies.emplace_back(reply_id, std::move(reply));
    return done;
  };
  return run(std::move(b));
}

controller_actions controller_state::elect_leaders(uint64_t reply_id,
                                                   const protocol::elect_leaders_request& request) {
  controller_actions out;
  protocol::elect_leaders_response response;
  if (!active_) {
    response.error_code = code(protocol::error_code::not_controller);
    out.elect_leaders_replies.emplace_back(reply_id, std::move(response));
    return out;
  }
  const bool unclean = request.election_type == 1;
  std::vector<protocol::elect_leaders_request::topic_partitions_data> wanted;
  if (request.topic_partitions) {
    wanted = *request.topic_partitions;
  } else {
    for (const auto& [name, t] : topics_) {
      auto& w = wanted.emplace_back();
      w.topic = name;
      for (const auto& [number, p] : t.partitions) w.partitions.push_back(number);
    }
  }
  struct slot {
    size_t topic = 0;
    size_t partition = 0;
    size_t change = 0;
  };
  std::vector<slot> slots;
  batch b;
  for (const auto& w : wanted) {
    auto& rt = response.replica_election_results.emplace_back();
    rt.topic = w.topic;
    for (int32_t number : w.partitions) {
      auto& rp = rt.partition_result.emplace_back();
      rp.partition_id = number;
      rp.error_message.reset();
      const partition_view* p = partition(w.topic, number);
      if (p == nullptr || !p->has_state) {
        rp.error_code = code(protocol::error_code::unknown_topic_or_partition);
        rp.error_message = "The partition does not exist.";
        continue;
      }
      std::optional<int32_t> leader;
      std::vector<int32_t> isr = p->isr;
      if (!unclean) {
        const int32_t preferred = p->replicas.front();
        if (p->leader == preferred) {
          rp.error_code = code(protocol::error_code::election_not_needed);
          rp.error_message = "Leader election not needed for topic partition.";
          continue;
        }
        if (eligible_leader(preferred) && contains(p->isr, preferred)) leader = preferred;
      } else {
        if (p->leader >= 0 && eligible_leader(p->leader)) {
          rp.error_code = code(protocol::error_code::election_not_needed);
          rp.error_message = "Leader election not needed for topic partition.";
          continue;
        }
        for (int32_t r : p->replicas) {
          if (eligible_leader(r) && contains(p->isr, r)) {
            leader = r;
            break;
          }
        }
        if (!leader) {
          for (int32_t r : p->replicas) {
            if (eligible_leader(r)) {
              leader = r;
              isr = {r};
              break;
            }
          }
        }
        if (leader && isr.size() > 1) std::erase_if(isr, [&](int32_t r) { return !is_live(r); });
      }
      if (!leader) {
        rp.error_code = code(unclean ? protocol::error_code::eligible_leaders_not_available
                                     : protocol::error_code::preferred_leader_not_available);
        rp.error_message = "Failed to elect leader for partition " + w.topic + "-" +
                           std::to_string(number) + " under strategy " +
                           (unclean ? "OfflinePartitionLeaderElectionStrategy(true)"
                                    : "PreferredReplicaPartitionLeaderElectionStrategy");
        continue;
      }
      change c{w.topic, number, *p, false};
      c.proposed.leader = *leader;
      c.proposed.isr = isr;
      c.proposed.leader_epoch = p->leader_epoch + 1;
      slots.push_back({response.replica_election_results.size() - 1, rt.partition_result.size() - 1,
                       b.changes.size()});
      b.changes.push_back(std::move(c));
    }
  }
  b.then = [reply_id, response = std::move(response), slots](const std::vector<bool>& ok) mutable {
    controller_actions done;
    for (const auto& s : slots) {
      if (ok[s.change]) continue;
      auto& rp = response.replica_election_results[s.topic].partition_result[s.partition];
      rp.error_code = code(protocol::error_code::unknown_server_error);
      rp.error_message = "The partition state changed concurrently; retry.";
    }
    done.elect_leaders_replies.emplace_back(reply_id, std::move(response));
    return done;
  };
  return run(std::move(b));
}

controller_actions controller_state::rebalance_leaders() {
  if (!active_) return {};
  // Per preferred leader: the share of its partitions it does not lead.
  std::map<int32_t, std::pair<int, int>> not_led_of_total;
  for (const auto& [name, t] : topics_) {
    for (const auto& [number, p] : t.partitions) {
      if (!p.has_state || p.replicas.empty()) continue;
      auto& [not_led, total] = not_led_of_total[p.replicas.front()];
      ++total;
      if (p.leader != p.replicas.front()) ++not_led;
    }
  }
  batch b;
  for (const auto& [name, t] : topics_) {
    for (const auto& [number, p] : t.partitions) {
      if (!p.has_state || p.replicas.empty()) continue;
      const int32_t preferred = p.replicas.front();
      const auto [not_led, total] = not_led_of_total[preferred];
      if (not_led * 100 <= options_.leader_imbalance_per_broker_percentage * total) continue;
      if (p.leader == preferred || !eligible_leader(preferred) || !contains(p.isr, preferred))
        continue;
      change c{name, number, p, false};
      c.proposed.leader = preferred;
      c.proposed.leader_epoch = p.leader_epoch + 1;
      b.changes.push_back(std::move(c));
    }
  }
  return run(std::move(b));
}

std::optional<reassignment_refusal> check_reassignment(const std::vector<int32_t>& target,
                                                       const std::vector<int32_t>& origin,
                                                       const std::set<int32_t>& live,
                                                       bool allow_replication_factor_change) {
  auto refuse = [](protocol::error_code e, std::string message) {
    return reassignment_refusal{e, std::move(message)};
  };
  const std::set<int32_t> distinct(target.begin(), target.end());
  if (target.empty())
    return refuse(protocol::error_code::invalid_replica_assignment,
                  "Empty replica list specified in partition reassignment.");
  if (distinct.size() != target.size())
    return refuse(
        protocol::error_code::invalid_replica_assignment,
        "Duplicate replica ids in partition reassignment replica list: " + id_list(target));
  if (*distinct.begin() < 0)
    return refuse(protocol::error_code::invalid_replica_assignment,
                  "Invalid broker id in replica list: " + id_list(target));
  const std::vector<int32_t> added = without(target, origin);
  if (std::any_of(added.begin(), added.end(), [&](int32_t r) { return !live.contains(r); }))
    return refuse(
        protocol::error_code::invalid_replica_assignment,
        "Replica assignment has brokers that are not alive. Replica list: " + id_list(added) +
            ", live broker list: " + id_list(std::vector<int32_t>(live.begin(), live.end())));
  // KIP-860 (v1): a move that must keep the replication factor.
  if (!allow_replication_factor_change && target.size() != origin.size())
    return refuse(protocol::error_code::invalid_replication_factor,
                  "The replication factor is changed from " + std::to_string(origin.size()) +
                      " to " + std::to_string(target.size()));
  return std::nullopt;
}

// ---- reassignments ------------------------------------------------------------------------------

controller_actions controller_state::alter_reassignments(
    uint64_t reply_id, const protocol::alter_partition_reassignments_request& request) {
  controller_actions out;
  protocol::alter_partition_reassignments_response response;
  response.error_message.reset();
  response.allow_replication_factor_change = request.allow_replication_factor_change;
  if (!active_) {
    response.error_code = code(protocol::error_code::not_controller);
    out.reassignment_replies.emplace_back(reply_id, std::move(response));
    return out;
  }
  batch b;
  std::vector<completion> completing;  // those of b.changes that complete at once
  std::map<std::string, std::map<int32_t, partition_view>> recorded;  // the topic znode writes
  std::map<int32_t, partition_list> unneeded;  // replicas a replaced reassignment had added
  for (const auto& t : request.topics) {
    auto& rt = response.responses.emplace_back();
    rt.name = t.name;
    for (const auto& wanted : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = wanted.partition_index;
      rp.error_message.reset();
      auto refuse = [&](protocol::error_code e, std::string message) {
        rp.error_code = code(e);
        rp.error_message = std::move(message);
      };
      partition_view* p = find(t.name, wanted.partition_index);
      if (p == nullptr || !p->has_state) {
        refuse(protocol::error_code::unknown_topic_or_partition, "The partition does not exist.");
        continue;
      }
      std::vector<int32_t> target;
      if (!wanted.replicas) {
        if (!p->reassigning()) {
          refuse(protocol::error_code::no_reassignment_in_progress,
                 "No partition reassignment is in progress.");
          continue;
        }
        target = p->origin();
      } else {
        target = *wanted.replicas;
        if (auto refused = check_reassignment(target, p->origin(), live_broker_ids(),
                                              request.allow_replication_factor_change)) {
          refuse(refused->code, std::move(refused->message));
          continue;
        }
      }
      // As Kafka's ReplicaAssignment.reassignTo: the full set lists the target first.
      const std::vector<int32_t> origin = p->origin();
      std::vector<int32_t> full = target;
      for (int32_t r : origin)
        if (!contains(full, r)) full.push_back(r);
      for (int32_t r : without(p->replicas, full))
        unneeded[r].emplace_back(t.name, wanted.partition_index);
      p->replicas = full;
      p->adding = without(full, origin);
      p->removing = without(full, target);
      recorded[t.name][wanted.partition_index] = *p;
      if (auto done = completion_of(t.name, wanted.partition_index, *p)) {
        completing.push_back({t.name, wanted.partition_index, p->removing, b.changes.size()});
        b.changes.push_back(std::move(*done));
      } else {
        change c{t.name, wanted.partition_index, *p, false};
        c.proposed.leader_epoch = p->leader_epoch + 1;  // every replica learns the new set
        // Replicas a replaced reassignment had added leave the ISR (and leadership) now.
        c.proposed.isr.clear();
        for (int32_t r : p->isr)
          if (contains(full, r)) c.proposed.isr.push_back(r);
        if (!contains(full, p->leader)) {
          c.proposed.leader = no_leader;
          for (int32_t r : full) {
            if (eligible_leader(r) && contains(c.proposed.isr, r)) {
              c.proposed.leader = r;
              break;
            }
          }
          if (c.proposed.isr.empty()) c.proposed.isr = p->isr;  // the only copies: kept
        }
        b.changes.push_back(std::move(c));
      }
    }
  }
  for (auto& [topic, partitions] : recorded)
    out.assignment_writes.push_back({topic, std::move(partitions)});
  for (const auto& [broker, partitions] : unneeded) add_stop_replica(out, broker, partitions, true);
  // A lost race leaves a reassignment recorded: it goes on from the state read back, so the
  // answer is success either way, as Kafka's.
  b.then = [this, reply_id, response = std::move(response),
            completing](const std::vector<bool>& ok) mutable {
    controller_actions done = after_completions(completing, ok);
    done.reassignment_replies.emplace_back(reply_id, std::move(response));
    return done;
  };
  out.append(run(std::move(b)));
  return out;
}

std::optional<controller_state::change> controller_state::completion_of(
    const std::string& topic, int32_t number, const partition_view& p) const {
  const std::vector<int32_t> target = p.target();
  if (!p.has_state || !subset_of(target, p.isr)) return std::nullopt;
  change c{topic, number, p, false};
  partition_view& next = c.proposed;
  if (!contains(target, p.leader) || !eligible_leader(p.leader)) {
    next.leader = no_leader;
    for (int32_t r : target) {
      if (eligible_leader(r) && contains(p.isr, r)) {
        next.leader = r;
        break;
      }
    }
    if (next.leader == no_leader) return std::nullopt;  // waits for a target replica to return
  }
  next.replicas = target;
  next.adding.clear();
  next.removing.clear();
  next.isr.clear();
  for (int32_t r : p.isr)
    if (contains(target, r)) next.isr.push_back(r);
  next.leader_epoch = p.leader_epoch + 1;
  return c;
}

controller_actions controller_state::after_completions(const std::vector<completion>& completed,
                                                       const std::vector<bool>& ok) {
  controller_actions out;
  std::map<std::string, std::map<int32_t, partition_view>> recorded;
  std::map<int32_t, partition_list> removed;
  for (const auto& c : completed) {
    if (!ok[c.change_index]) continue;  // left recorded; retried from the state read back
    const partition_view* p = partition(c.topic, c.partition);
    if (p == nullptr) continue;
    recorded[c.topic][c.partition] = *p;
    for (int32_t r : c.removed) removed[r].emplace_back(c.topic, c.partition);
  }
  for (auto& [topic, partitions] : recorded)
    out.assignment_writes.push_back({topic, std::move(partitions)});
  for (const auto& [broker, partitions] : removed) add_stop_replica(out, broker, partitions, true);
  return out;
}

controller_actions controller_state::continue_reassignments() {
  if (!active_ || pending_) return {};
  batch b;
  std::vector<completion> completing;
  for (const auto& [name, t] : topics_) {
    for (const auto& [number, p] : t.partitions) {
      if (!p.reassigning()) continue;
      if (auto c = completion_of(name, number, p)) {
        completing.push_back({name, number, p.removing, b.changes.size()});
        b.changes.push_back(std::move(*c));
      }
    }
  }
  if (b.changes.empty()) return {};
  b.then = [this, completing](const std::vector<bool>& ok) {
    return after_completions(completing, ok);
  };
  return run(std::move(b));
}

protocol::list_partition_reassignments_response controller_state::list_reassignments(
    const protocol::list_partition_reassignments_request& request) const {
  protocol::list_partition_reassignments_response response;
  response.error_message.reset();
  if (!active_) {
    response.error_code = code(protocol::error_code::not_controller);
    return response;
  }
  auto add = [&](const std::string& topic, int32_t number, const partition_view& p) {
    if (!p.reassigning()) return;
    if (response.topics.empty() || response.topics.back().name != topic)
      response.topics.emplace_back().name = topic;
    auto& out = response.topics.back().partitions.emplace_back();
    out.partition_index = number;
    out.replicas = p.replicas;
    out.adding_replicas = p.adding;
    out.removing_replicas = p.removing;
  };
  if (!request.topics) {
    for (const auto& [name, t] : topics_)
      for (const auto& [number, p] : t.partitions) add(name, number, p);
    return response;
  }
  for (const auto& wanted : *request.topics) {
    for (int32_t number : wanted.partition_indexes) {
      if (const partition_view* p = partition(wanted.name, number)) add(wanted.name, number, *p);
    }
  }
  return response;
}

}  // namespace sluice::cluster
