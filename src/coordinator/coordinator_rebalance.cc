// The rebalance machinery: starting a rebalance, completing its join phase (next generation,
// protocol selection, leader election), distributing the leader's assignment, and the timers
// that drive it (sessions, join and sync timeouts, the initial delay).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

void coordinator_core::maybe_prepare_rebalance(group& g, int64_t now_ms) {
  if (g.can_rebalance()) prepare_rebalance(g, now_ms);
}

void coordinator_core::prepare_rebalance(group& g, int64_t now_ms) {
  // Members waiting for an assignment will not get one: they must rejoin.
  if (g.is(group_state::completing_rebalance)) {
    reset_and_propagate_error(g, error_code::rebalance_in_progress, now_ms);
  }
  timers_.cancel(g.sync_timer);
  g.pending_sync.clear();
  timers_.cancel(g.join_timer);
  bool was_empty = g.is(group_state::empty);
  g.transition_to(group_state::preparing_rebalance, now_ms);
  spdlog::info("group {}: preparing to rebalance (generation {})", g.id(), g.generation);

  timer_key key{timer_kind::join, g.id(), "", g.incarnation()};
  if (was_empty) {
    // group.initial.rebalance.delay.ms: wait for more members before the first generation, and
    // wait again (up to the rebalance timeout in all) while new members keep coming.
    g.initial_join = true;
    g.new_member_added = false;
    g.initial_delay_ms = config_.initial_rebalance_delay_ms;
    g.initial_remaining_ms =
        std::max(g.rebalance_timeout_ms() - config_.initial_rebalance_delay_ms, 0);
    g.join_timer = timers_.schedule(now_ms + g.initial_delay_ms, std::move(key));
    return;
  }
  g.initial_join = false;
  g.join_timer = timers_.schedule(now_ms + g.rebalance_timeout_ms(), std::move(key));
  try_complete_join(g, now_ms);
}

void coordinator_core::try_complete_join(group& g, int64_t now_ms) {
  // The initial delay always runs its course; a regular join phase ends once everyone is back.
  if (g.is(group_state::preparing_rebalance) && !g.initial_join && g.all_members_joined()) {
    complete_join(g, now_ms);
  }
}

void coordinator_core::on_join_timer(group& g, int64_t now_ms) {
  if (!g.is(group_state::preparing_rebalance)) return;
  if (g.initial_join && g.new_member_added && g.initial_remaining_ms != 0) {
    g.new_member_added = false;
    int32_t delay = std::min(config_.initial_rebalance_delay_ms, g.initial_remaining_ms);
    g.initial_remaining_ms = std::max(g.initial_remaining_ms - g.initial_delay_ms, 0);
    g.initial_delay_ms = delay;
    g.join_timer =
        timers_.schedule(now_ms + delay, timer_key{timer_kind::join, g.id(), "", g.incarnation()});
    return;
  }
  complete_join(g, now_ms);
}

namespace {

// The leader must be a member that rejoined; elect another if it did not. False when nobody did.
bool elect_joined_leader(group& g) {
  if (!g.leader_id) return false;
  if (const member* leader = g.find(*g.leader_id); leader && leader->awaiting_join) return true;
  for (const auto& [id, m] : g.members()) {
    if (m.awaiting_join) {
      spdlog::info("group {}: leader {} did not rejoin, {} leads now", g.id(), *g.leader_id, id);
      g.leader_id = id;
      return true;
    }
  }
  return false;
}

}  // namespace

void coordinator_core::complete_join(group& g, int64_t now_ms) {
  timers_.cancel(g.join_timer);
  g.initial_join = false;
  // Dynamic members that did not rejoin in time are out. Static members stay: they may come back
  // with their instance id and pick up where they left.
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members())
    if (!m.awaiting_join && !m.is_static()) gone.push_back(id);
  for (const auto& id : gone) {
    spdlog::info("group {}: member {} did not rejoin in time and is removed", g.id(), id);
    remove_member(g, id);
  }
  if (!elect_joined_leader(g) && g.size() > 0) {
    // Only static members that have not rejoined are left: wait for them (their sessions still
    // run out if they are really gone).
    g.join_timer = timers_.schedule(now_ms + g.rebalance_timeout_ms(),
                                    timer_key{timer_kind::join, g.id(), "", g.incarnation()});
    return;
  }

  ++g.generation;
  g.pending_sync.clear();
  if (g.size() == 0) {
    g.protocol_name.reset();
    g.refresh_subscribed_topics();
    g.transition_to(group_state::empty, now_ms);
    spdlog::info("group {}: generation {} is empty", g.id(), g.generation);
    store_group(g, {}, now_ms, [gid = g.id()](append_status status, int64_t) {
      // Harmless if lost: the previous generation's record comes back on reload and its members
      // time out.
      if (status != append_status::ok) spdlog::warn("group {}: empty metadata not written", gid);
    });
    return;
  }
  g.protocol_name = g.select_protocol();
  g.refresh_subscribed_topics();
  g.transition_to(group_state::completing_rebalance, now_ms);
  spdlog::info("group {}: generation {} with {} members, protocol {}", g.id(), g.generation,
               g.size(), *g.protocol_name);
  for (auto& [id, m] : g.members()) {
    answer_join(m, current_generation_outcome(g, m, g.is_leader(id), g.leader_id));
    schedule_session(g, m, now_ms, m.session_timeout_ms);
    m.is_new = false;
    g.pending_sync.insert(id);
  }
  g.sync_timer =
      timers_.schedule(now_ms + g.rebalance_timeout_ms(),
                       timer_key{timer_kind::sync, g.id(), "", g.incarnation(), g.generation});
}

std::optional<member> coordinator_core::remove_member(group& g, const std::string& member_id) {
  if (auto it = g.pending_members.find(member_id); it != g.pending_members.end()) {
    timers_.cancel(it->second);
  }
  std::optional<member> removed = g.remove(member_id);
  if (removed) {
    timers_.cancel(removed->session_timer);
    answer_join(*removed, join_outcome{.error = error_code::unknown_member_id});
    if (removed->awaiting_sync) {
      auto sync = std::move(*removed->awaiting_sync);
      removed->awaiting_sync.reset();
      respond(std::move(sync.done),
              make_sync_response(sync.version, error_code::unknown_member_id));
    }
  }
  if (g.pending_sync.empty()) timers_.cancel(g.sync_timer);
  return removed;
}

void coordinator_core::remove_member_and_update(group& g, const std::string& member_id,
                                                int64_t now_ms) {
  remove_member(g, member_id);
  switch (g.state()) {
    case group_state::dead:
    case group_state::empty:
      break;
    case group_state::stable:
    case group_state::completing_rebalance:
      maybe_prepare_rebalance(g, now_ms);
      break;
    case group_state::preparing_rebalance:
      try_complete_join(g, now_ms);
      break;
  }
}

void coordinator_core::remove_pending_member(group& g, const std::string& member_id,
                                             int64_t now_ms) {
  remove_member(g, member_id);
  if (g.is(group_state::preparing_rebalance)) try_complete_join(g, now_ms);
}

void coordinator_core::schedule_session(group& g, member& m, int64_t now_ms, int32_t timeout_ms) {
  timers_.cancel(m.session_timer);
  m.session_timer = timers_.schedule(
      now_ms + timeout_ms, timer_key{timer_kind::member_session, g.id(), m.id, g.incarnation()});
}

void coordinator_core::on_session_expired(group& g, timer_id id, const std::string& member_id,
                                          int64_t now_ms) {
  member* m = g.find(member_id);
  if (!m || m->session_timer != id) return;
  m->session_timer = no_timer;
  // A member whose JoinGroup or SyncGroup the coordinator holds is waiting on us, not dead; its
  // session restarts when it is answered. A new member is held to its join timeout.
  if (!m->is_new && (m->awaiting_join || m->awaiting_sync)) return;
  spdlog::info("group {}: member {} timed out and is removed", g.id(), member_id);
  remove_member_and_update(g, member_id, now_ms);
}

void coordinator_core::reset_and_propagate_error(group& g, error_code e, int64_t now_ms) {
  for (auto& [id, m] : g.members()) m.assignment.clear();
  propagate_assignment(g, e, now_ms);
}

void coordinator_core::set_and_propagate_assignment(
    group& g, std::map<std::string, protocol::bytes> assignment, int64_t now_ms) {
  for (auto& [id, m] : g.members()) {
    auto it = assignment.find(id);
    m.assignment = it == assignment.end() ? protocol::bytes{} : std::move(it->second);
  }
  propagate_assignment(g, error_code::none, now_ms);
}

void coordinator_core::propagate_assignment(group& g, error_code e, int64_t now_ms) {
  for (auto& [id, m] : g.members()) {
    if (!m.awaiting_sync) continue;
    auto sync = std::move(*m.awaiting_sync);
    m.awaiting_sync.reset();
    if (e == error_code::none) {
      respond(std::move(sync.done),
              make_sync_response(sync.version, e, g.protocol_type, g.protocol_name, m.assignment));
    } else {
      respond(std::move(sync.done), make_sync_response(sync.version, e));
    }
    // Its session was on hold while it waited.
    schedule_session(g, m, now_ms, m.session_timeout_ms);
  }
}

void coordinator_core::remove_pending_sync(group& g, const std::string& member_id) {
  g.pending_sync.erase(member_id);
  if (g.pending_sync.empty()) timers_.cancel(g.sync_timer);
}

void coordinator_core::on_sync_expired(group& g, int32_t generation, int64_t now_ms) {
  if (generation != g.generation || g.pending_sync.empty()) return;
  if (!g.is(group_state::completing_rebalance) && !g.is(group_state::stable)) return;
  std::vector<std::string> missing(g.pending_sync.begin(), g.pending_sync.end());
  for (const auto& id : missing) {
    spdlog::info("group {}: member {} did not SyncGroup in time and is removed", g.id(), id);
    remove_member(g, id);
  }
  prepare_rebalance(g, now_ms);
}

void coordinator_core::store_group(group& g,
                                   const std::map<std::string, protocol::bytes>& assignment,
                                   int64_t now_ms, append_continuation then) {
  std::vector<log_record> records;
  records.push_back(group_metadata_record(g.id(), g.to_record(assignment), now_ms));
  append(g.partition(), std::move(records), std::move(then));
}

void coordinator_core::after_load(group& g, int64_t now_ms) {
  if (g.size() > static_cast<size_t>(config_.max_group_size)) {
    // group.max.size was lowered: let the members commit and rejoin, the extra ones are refused.
    prepare_rebalance(g, now_ms);
  }
  for (auto& [id, m] : g.members()) schedule_session(g, m, now_ms, m.session_timeout_ms);
  after_consumer_load(g, now_ms);
}

}  // namespace sluice::coordinator
