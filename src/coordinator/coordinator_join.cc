// JoinGroup: new members (the v4+ two-step join, static members), current members rejoining, and
// the static-member restart that replaces a member id without a rebalance.
#include <spdlog/spdlog.h>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {
namespace {

std::vector<member_protocol> protocols_of(const protocol::join_group_request& request) {
  std::vector<member_protocol> out;
  out.reserve(request.protocols.size());
  for (const auto& p : request.protocols) out.push_back(member_protocol{p.name, p.metadata});
  return out;
}

// Whether the group has room for the member: an existing member always (one already waiting in
// a rebalance too), a new one while the group (the rejoined part of it, during a rebalance) is
// below group.max.size.
bool accept_joining_member(const group& g, const std::string& member_id, int32_t max_size) {
  switch (g.state()) {
    case group_state::empty:
    case group_state::dead:
      return true;
    case group_state::preparing_rebalance: {
      auto it = g.members().find(member_id);
      if (it != g.members().end() && it->second.awaiting_join) return true;
      return g.awaiting_join_count() < static_cast<size_t>(max_size);
    }
    case group_state::completing_rebalance:
    case group_state::stable:
      return g.has(member_id) || g.size() < static_cast<size_t>(max_size);
  }
  return false;
}

}  // namespace

void coordinator_core::join_group(protocol::join_group_request request, int16_t version,
                                  const client_info& client, int64_t now_ms,
                                  completion<protocol::join_group_response> done) {
  parked_join reply{version, next_join_seq_++, std::move(done)};
  auto fail = [&](std::string member_id, error_code e) {
    respond(std::move(reply.done), join_error(version, std::move(member_id), e));
  };
  if (auto e = check_group(request.group_id, false)) return fail(request.member_id, *e);
  if (share_groups_.contains(request.group_id))  // Kafka: "Group ... is not a classic group."
    return fail(request.member_id, error_code::inconsistent_group_protocol);
  // Version 0 has no rebalance timeout: the session timeout serves as both.
  int32_t rebalance_timeout =
      version == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  if (request.session_timeout_ms < config_.min_session_timeout_ms ||
      request.session_timeout_ms > config_.max_session_timeout_ms) {
    return fail(request.member_id, error_code::invalid_session_timeout);
  }
  bool unknown_member = request.member_id.empty();
  group* g = lookup(request.group_id);
  if (!g) {
    // A group comes into being with its first member; a known member id of a group that does not
    // exist (it expired, or moved here) has to start over.
    if (!unknown_member) return fail(request.member_id, error_code::unknown_member_id);
    g = &create_group(request.group_id, now_ms);
  }
  if (g->is_consumer_group()) {
    // A KIP-848 group: a classic member joins it as such; an empty one becomes a classic group.
    if (!g->consumer->empty())
      return classic_join_to_consumer_group(*g, request, version, client, now_ms,
                                            std::move(reply.done));
    delete_consumer_state(*g, now_ms);
  }
  if (!accept_joining_member(*g, request.member_id, config_.max_group_size)) {
    remove_member(*g, request.member_id);
    fail("", error_code::group_max_size_reached);
  } else if (unknown_member) {
    join_new_member(*g, request, version, client, rebalance_timeout, now_ms, std::move(reply));
  } else {
    join_current_member(*g, request, client, rebalance_timeout, now_ms, std::move(reply));
  }
  if (g->is(group_state::preparing_rebalance)) try_complete_join(*g, now_ms);
}

void coordinator_core::join_new_member(group& g, protocol::join_group_request& request,
                                       int16_t version, const client_info& client,
                                       int32_t rebalance_timeout, int64_t now_ms,
                                       parked_join reply) {
  auto fail = [&](error_code e) {
    respond(std::move(reply.done), join_error(reply.version, "", e));
  };
  if (g.is(group_state::dead)) return fail(error_code::coordinator_not_available);
  if (!g.supports_protocols(request.protocol_type, protocols_of(request))) {
    return fail(error_code::inconsistent_group_protocol);
  }
  const auto& instance = request.group_instance_id;
  std::string member_id = new_member_id(instance ? *instance : client.client_id);
  if (instance) {
    if (auto old_id = g.static_member_id(*instance)) {
      spdlog::info("group {}: static member {} rejoins as {} (was {})", g.id(), *instance,
                   member_id, *old_id);
      replace_static_member(g, *instance, *old_id, std::move(member_id), protocols_of(request),
                            rebalance_timeout, request.session_timeout_ms, now_ms,
                            std::move(reply));
    } else {
      add_member_and_rebalance(g, std::move(member_id), request, client, rebalance_timeout, now_ms,
                               std::move(reply));
    }
    return;
  }
  if (version >= 4) {
    // KIP-394: hand out the id first and accept the member when it comes back with it, so a
    // client that retries a timed-out JoinGroup does not leave a trail of phantom members.
    g.pending_members[member_id] =
        timers_.schedule(now_ms + request.session_timeout_ms,
                         timer_key{timer_kind::pending_member, g.id(), member_id, g.incarnation()});
    respond(std::move(reply.done),
            join_error(reply.version, std::move(member_id), error_code::member_id_required));
    return;
  }
  add_member_and_rebalance(g, std::move(member_id), request, client, rebalance_timeout, now_ms,
                           std::move(reply));
}

void coordinator_core::join_current_member(group& g, protocol::join_group_request& request,
                                           const client_info& client, int32_t rebalance_timeout,
                                           int64_t now_ms, parked_join reply) {
  const std::string& member_id = request.member_id;
  auto fail = [&](error_code e) {
    respond(std::move(reply.done), join_error(reply.version, member_id, e));
  };
  if (g.is(group_state::dead)) return fail(error_code::coordinator_not_available);
  auto protocols = protocols_of(request);
  if (!g.supports_protocols(request.protocol_type, protocols)) {
    return fail(error_code::inconsistent_group_protocol);
  }
  if (g.pending_members.contains(member_id)) {
    // The second step of the v4+ join. Only dynamic members are ever pending.
    if (request.group_instance_id) return fail(error_code::unknown_member_id);
    add_member_and_rebalance(g, member_id, request, client, rebalance_timeout, now_ms,
                             std::move(reply));
    return;
  }
  if (auto e = validate_current_member(g, member_id, request.group_instance_id)) return fail(*e);
  member& m = g.get(member_id);
  switch (g.state()) {
    case group_state::preparing_rebalance:
      update_member_and_rebalance(g, m, std::move(protocols), rebalance_timeout,
                                  request.session_timeout_ms, now_ms, std::move(reply));
      return;
    case group_state::completing_rebalance:
      if (m.matches(protocols)) {
        // The member missed our JoinGroup answer: give it the current generation again.
        respond(std::move(reply.done),
                make_join_response(reply.version, current_generation_outcome(
                                                      g, m, g.is_leader(member_id), g.leader_id)));
      } else {
        update_member_and_rebalance(g, m, std::move(protocols), rebalance_timeout,
                                    request.session_timeout_ms, now_ms, std::move(reply));
      }
      return;
    case group_state::stable:
      // A rejoining leader forces a rebalance (it saw a change the metadata does not show, such
      // as new partitions); so does a follower whose metadata changed.
      if (g.is_leader(member_id) || !m.matches(protocols)) {
        update_member_and_rebalance(g, m, std::move(protocols), rebalance_timeout,
                                    request.session_timeout_ms, now_ms, std::move(reply));
      } else {
        respond(std::move(reply.done),
                make_join_response(reply.version,
                                   current_generation_outcome(g, m, false, g.leader_id)));
      }
      return;
    case group_state::empty:
    case group_state::dead:
      return fail(error_code::unknown_member_id);
  }
}

void coordinator_core::add_member_and_rebalance(group& g, std::string member_id,
                                                protocol::join_group_request& request,
                                                const client_info& client,
                                                int32_t rebalance_timeout, int64_t now_ms,
                                                parked_join reply) {
  if (auto it = g.pending_members.find(member_id); it != g.pending_members.end()) {
    timers_.cancel(it->second);
  }
  member m;
  m.id = std::move(member_id);
  m.instance_id = request.group_instance_id;
  m.client_id = client.client_id;
  m.client_host = client.client_host;
  m.rebalance_timeout_ms = rebalance_timeout;
  m.session_timeout_ms = request.session_timeout_ms;
  m.protocol_type = request.protocol_type;
  m.protocols = protocols_of(request);
  m.awaiting_join = std::move(reply);
  m.is_new = true;
  // During the initial delay of a new group, each newcomer may extend the wait.
  if (g.is(group_state::preparing_rebalance) && g.generation == 0) g.new_member_added = true;
  member& added = g.add(std::move(m));
  // A new member cannot heartbeat before its first generation; a long join timeout instead of its
  // session timeout keeps a client that gave up from lingering in the rebalance for ever.
  schedule_session(g, added, now_ms, config_.new_member_join_timeout_ms);
  maybe_prepare_rebalance(g, now_ms);
}

void coordinator_core::update_member_and_rebalance(group& g, member& m,
                                                   std::vector<member_protocol> protocols,
                                                   int32_t rebalance_timeout,
                                                   int32_t session_timeout, int64_t now_ms,
                                                   parked_join reply) {
  m.protocols = std::move(protocols);
  m.rebalance_timeout_ms = rebalance_timeout;
  m.session_timeout_ms = session_timeout;
  // A JoinGroup sent again replaces the one parked (the client gave up on it); that one still gets
  // an answer, so a connection's later responses are not held behind it.
  answer_join(m, join_outcome{.error = error_code::rebalance_in_progress, .member_id = m.id});
  m.awaiting_join = std::move(reply);
  maybe_prepare_rebalance(g, now_ms);
}

void coordinator_core::replace_static_member(group& g, const std::string& instance_id,
                                             const std::string& old_id, std::string new_id,
                                             std::vector<member_protocol> protocols,
                                             int32_t rebalance_timeout, int32_t session_timeout,
                                             int64_t now_ms, parked_join reply) {
  std::optional<std::string> previous_leader = g.leader_id;
  {
    // Whoever still waits under the old id is a stale instance: fence it.
    member& old = g.get(old_id);
    answer_join(old, join_outcome{.error = error_code::fenced_instance_id, .member_id = old_id});
    if (old.awaiting_sync) {
      auto sync = std::move(*old.awaiting_sync);
      old.awaiting_sync.reset();
      respond(std::move(sync.done),
              make_sync_response(sync.version, error_code::fenced_instance_id));
    }
  }
  member& m = g.replace_static_member(instance_id, old_id, new_id);
  schedule_session(g, m, now_ms, m.session_timeout_ms);
  std::vector<member_protocol> old_protocols = std::exchange(m.protocols, std::move(protocols));
  int32_t old_rebalance_timeout = std::exchange(m.rebalance_timeout_ms, rebalance_timeout);
  int32_t old_session_timeout = std::exchange(m.session_timeout_ms, session_timeout);
  uint64_t seq = reply.request_seq;
  int16_t version = reply.version;
  m.awaiting_join = std::move(reply);

  switch (g.state()) {
    case group_state::stable: {
      if (g.protocol_name != g.select_protocol()) {
        // The restarted member changes the protocol the group would pick: rebalance after all.
        maybe_prepare_rebalance(g, now_ms);
        return;
      }
      // No rebalance: persist the new member id, then let the member resume with its old
      // assignment (it will SyncGroup and get it).
      std::map<std::string, protocol::bytes> assignment;
      for (const auto& [id, mm] : g.members()) assignment[id] = mm.assignment;
      store_group(
          g, assignment, now_ms,
          [this, gid = g.id(), incarnation = g.incarnation(), instance_id, old_id, new_id, seq,
           version, previous_leader, old_protocols = std::move(old_protocols),
           old_rebalance_timeout, old_session_timeout](append_status status, int64_t now) mutable {
            group* g = lookup(gid, incarnation);
            if (!g || !g->is(group_state::stable)) return;  // answered when that changed
            member* m = g->find(new_id);
            if (!m || !m->awaiting_join || m->awaiting_join->request_seq != seq) return;
            if (status != append_status::ok) {
              // Not persisted: undo, so the old member id stays valid.
              auto pending = std::move(*m->awaiting_join);
              m->awaiting_join.reset();
              m->protocols = std::move(old_protocols);
              m->rebalance_timeout_ms = old_rebalance_timeout;
              m->session_timeout_ms = old_session_timeout;
              timers_.cancel(m->session_timer);
              member& back = g->replace_static_member(instance_id, new_id, old_id);
              schedule_session(*g, back, now, back.session_timeout_ms);
              join_outcome o;
              o.error = store_error(status);
              o.generation = g->generation;
              o.protocol_type = g->protocol_type;
              o.protocol_name = g->protocol_name;
              o.leader = previous_leader.value_or("");
              respond(std::move(pending.done), make_join_response(version, std::move(o)));
              return;
            }
            if (version >= 9) {
              // KIP-814: the leader learns it leads but skips the assignment (the group is
              // stable and keeps the one it has).
              bool leads = g->is_leader(new_id);
              auto o = current_generation_outcome(*g, *m, leads, g->leader_id);
              o.skip_assignment = leads;
              answer_join(*m, std::move(o));
            } else {
              // Older clients would run the assignor if told they lead, and a stable group would
              // ignore the result: name the previous leader id instead.
              answer_join(*m, current_generation_outcome(*g, *m, false, previous_leader));
            }
          });
      return;
    }
    case group_state::completing_rebalance:
      // The leader may be assigning partitions to the old id: start over.
      prepare_rebalance(g, now_ms);
      return;
    case group_state::preparing_rebalance:
      return;  // the member waits for the rebalance like everyone else
    case group_state::empty:
    case group_state::dead:
      SLUICE_ASSERT(false, "a static member in a group without members");
  }
}

void coordinator_core::answer_join(member& m, join_outcome outcome) {
  if (!m.awaiting_join) return;
  parked_join pending = std::move(*m.awaiting_join);
  m.awaiting_join.reset();
  respond(std::move(pending.done), make_join_response(pending.version, std::move(outcome)));
}

join_outcome coordinator_core::current_generation_outcome(
    const group& g, const member& m, bool with_members,
    const std::optional<std::string>& leader) const {
  join_outcome o;
  o.generation = g.generation;
  o.protocol_type = g.protocol_type;
  o.protocol_name = g.protocol_name;
  o.leader = leader.value_or("");
  o.member_id = m.id;
  if (with_members && g.protocol_name) {
    for (const auto& [id, other] : g.members()) {
      protocol::join_group_response::join_group_response_member out;
      out.member_id = id;
      out.group_instance_id = other.instance_id;
      if (const protocol::bytes* metadata = other.metadata_for(*g.protocol_name)) {
        out.metadata = *metadata;
      }
      o.members.push_back(std::move(out));
    }
  }
  return o;
}

std::optional<error_code> coordinator_core::validate_current_member(
    const group& g, const std::string& member_id,
    const std::optional<std::string>& instance_id) const {
  if (instance_id) {
    auto current = g.static_member_id(*instance_id);
    if (!current) return error_code::unknown_member_id;
    if (*current != member_id) return error_code::fenced_instance_id;
    return std::nullopt;
  }
  if (!g.has(member_id)) return error_code::unknown_member_id;
  return std::nullopt;
}

}  // namespace sluice::coordinator
