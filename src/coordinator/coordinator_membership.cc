// SyncGroup, Heartbeat and LeaveGroup.
#include <spdlog/spdlog.h>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

void coordinator_core::sync_group(protocol::sync_group_request request, int16_t version,
                                  int64_t now_ms, completion<protocol::sync_group_response> done) {
  parked_sync reply{version, std::move(done)};
  auto fail = [&](error_code e) { respond(std::move(reply.done), make_sync_response(version, e)); };
  if (auto e = check_group(request.group_id, false)) {
    // A loading coordinator has lost the rebalance in progress: rejoining is what the member has
    // to do, and REBALANCE_IN_PROGRESS tells every client version so.
    return fail(*e == error_code::coordinator_load_in_progress ? error_code::rebalance_in_progress
                                                               : *e);
  }
  // From v5 the client names the protocol type and name, and must.
  if (version >= 5 && (!request.protocol_type || !request.protocol_name)) {
    return fail(error_code::inconsistent_group_protocol);
  }
  group* g = lookup(request.group_id);
  if (!g) return fail(error_code::unknown_member_id);
  if (g->is(group_state::dead)) return fail(error_code::coordinator_not_available);
  if (g->is_consumer_group())
    return classic_sync_to_consumer_group(*g, request, version, now_ms, std::move(reply.done));
  if (auto e = validate_current_member(*g, request.member_id, request.group_instance_id)) {
    return fail(*e);
  }
  if (request.generation_id != g->generation) return fail(error_code::illegal_generation);
  if ((request.protocol_type && request.protocol_type != g->protocol_type) ||
      (request.protocol_name && request.protocol_name != g->protocol_name)) {
    return fail(error_code::inconsistent_group_protocol);
  }

  switch (g->state()) {
    case group_state::empty:
    case group_state::dead:
      return fail(error_code::unknown_member_id);
    case group_state::preparing_rebalance:
      return fail(error_code::rebalance_in_progress);
    case group_state::stable: {
      remove_pending_sync(*g, request.member_id);
      member& m = g->get(request.member_id);
      respond(std::move(reply.done), make_sync_response(version, error_code::none, g->protocol_type,
                                                        g->protocol_name, m.assignment));
      schedule_session(*g, m, now_ms, m.session_timeout_ms);
      return;
    }
    case group_state::completing_rebalance:
      break;
  }

  member& m = g->get(request.member_id);
  if (m.awaiting_sync) {
    // Sent again: the earlier one still gets an answer (see update_member_and_rebalance).
    auto earlier = std::move(*m.awaiting_sync);
    respond(std::move(earlier.done),
            make_sync_response(earlier.version, error_code::rebalance_in_progress));
  }
  m.awaiting_sync = std::move(reply);
  remove_pending_sync(*g, request.member_id);
  if (!g->is_leader(request.member_id)) return;  // followers wait for the leader

  std::map<std::string, protocol::bytes> assignment;
  for (auto& a : request.assignments) assignment[a.member_id] = std::move(a.assignment);
  size_t missing = 0;
  for (const auto& [id, mm] : g->members()) {
    if (!assignment.contains(id)) {
      assignment[id] = {};
      ++missing;
    }
  }
  spdlog::info(
      "group {}: assignment for generation {} received from leader {} ({} members, {} "
      "without an assignment)",
      g->id(), g->generation, request.member_id, g->size(), missing);
  int32_t generation = g->generation;
  store_group(
      *g, assignment, now_ms,
      [this, gid = g->id(), incarnation = g->incarnation(), generation, assignment](
          append_status status, int64_t now) mutable {
        group* g = lookup(gid, incarnation);
        // Another member may have joined meanwhile and started a new rebalance.
        if (!g || !g->is(group_state::completing_rebalance) || g->generation != generation) {
          return;
        }
        if (status != append_status::ok) {
          reset_and_propagate_error(*g, store_error(status), now);
          maybe_prepare_rebalance(*g, now);
          return;
        }
        set_and_propagate_assignment(*g, std::move(assignment), now);
        g->transition_to(group_state::stable, now);
      });
}

void coordinator_core::heartbeat(const protocol::heartbeat_request& request, int16_t /*version*/,
                                 int64_t now_ms, completion<protocol::heartbeat_response> done) {
  auto answer = [&](error_code e) {
    protocol::heartbeat_response r;
    r.error_code = code(e);
    respond(std::move(done), std::move(r));
  };
  if (auto e = check_group(request.group_id, false)) {
    // While loading, the member is answered as if all were well: its group comes back shortly.
    return answer(*e == error_code::coordinator_load_in_progress ? error_code::none : *e);
  }
  group* g = lookup(request.group_id);
  if (!g) return answer(error_code::unknown_member_id);
  if (g->is(group_state::dead)) return answer(error_code::coordinator_not_available);
  if (g->is_consumer_group())
    return answer(classic_heartbeat_to_consumer_group(*g, request, now_ms));
  if (auto e = validate_current_member(*g, request.member_id, request.group_instance_id)) {
    return answer(*e);
  }
  if (request.generation_id != g->generation) return answer(error_code::illegal_generation);
  member& m = g->get(request.member_id);
  switch (g->state()) {
    case group_state::empty:
    case group_state::dead:
      return answer(error_code::unknown_member_id);
    case group_state::completing_rebalance:
    case group_state::stable:
      schedule_session(*g, m, now_ms, m.session_timeout_ms);
      return answer(error_code::none);
    case group_state::preparing_rebalance:
      schedule_session(*g, m, now_ms, m.session_timeout_ms);
      return answer(error_code::rebalance_in_progress);
  }
}

void coordinator_core::leave_group(const protocol::leave_group_request& request, int16_t version,
                                   int64_t now_ms,
                                   completion<protocol::leave_group_response> done) {
  // v0-v2 name one member; v3+ a batch, possibly by group.instance.id alone (an admin removing
  // static members).
  std::vector<protocol::leave_group_request::member_identity> leaving;
  if (version < 3) {
    leaving.push_back({request.member_id, std::nullopt, std::nullopt, {}});
  } else {
    leaving = request.members;
  }
  if (auto e = check_group(request.group_id, false)) {
    return respond(std::move(done), make_leave_response(version, *e, {}));
  }
  std::vector<protocol::leave_group_response::member_response> results;
  auto result_for = [](const protocol::leave_group_request::member_identity& who, error_code e) {
    protocol::leave_group_response::member_response r;
    r.member_id = who.member_id;
    r.group_instance_id = who.group_instance_id;
    r.error_code = code(e);
    return r;
  };
  group* g = lookup(request.group_id);
  if (!g) {
    for (const auto& who : leaving)
      results.push_back(result_for(who, error_code::unknown_member_id));
    return respond(std::move(done),
                   make_leave_response(version, error_code::none, std::move(results)));
  }
  if (g->is(group_state::dead)) {
    return respond(std::move(done),
                   make_leave_response(version, error_code::coordinator_not_available, {}));
  }
  if (g->is_consumer_group()) {
    return respond(std::move(done),
                   make_leave_response(version, error_code::none,
                                       classic_leave_to_consumer_group(*g, leaving, now_ms)));
  }
  for (const auto& who : leaving) {
    error_code e = error_code::none;
    if (who.member_id.empty()) {
      auto current =
          who.group_instance_id ? g->static_member_id(*who.group_instance_id) : std::nullopt;
      if (current) {
        spdlog::info("group {}: static member {} removed by LeaveGroup", g->id(),
                     *who.group_instance_id);
        remove_member_and_update(*g, *current, now_ms);
      } else {
        e = error_code::unknown_member_id;
      }
    } else if (g->pending_members.contains(who.member_id)) {
      remove_pending_member(*g, who.member_id, now_ms);
    } else if (auto invalid = validate_current_member(*g, who.member_id, who.group_instance_id)) {
      e = *invalid;
    } else {
      spdlog::info("group {}: member {} left", g->id(), who.member_id);
      remove_member_and_update(*g, who.member_id, now_ms);
    }
    results.push_back(result_for(who, e));
  }
  respond(std::move(done), make_leave_response(version, error_code::none, std::move(results)));
}

}  // namespace sluice::coordinator
