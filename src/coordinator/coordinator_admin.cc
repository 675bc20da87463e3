// ListGroups, DescribeGroups and DeleteGroups.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {
namespace {

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The ACL operations DescribeGroups reports as allowed on a group when asked (READ, DELETE and
// DESCRIBE as bits of AclOperation codes 3, 6 and 8): without an authorizer, all of them.
constexpr int32_t all_group_operations = (1 << 3) | (1 << 6) | (1 << 8);

}  // namespace

void coordinator_core::list_groups(const protocol::list_groups_request& request, int16_t version,
                                   completion<protocol::list_groups_response> done) {
  protocol::list_groups_response response;
  if (!active_) {
    response.error_code = code(error_code::coordinator_not_available);
    return respond(std::move(done), std::move(response));
  }
  bool loading = std::any_of(partitions_.begin(), partitions_.end(),
                             [](const auto& p) { return p.second.loading; });
  if (loading) response.error_code = code(error_code::coordinator_load_in_progress);

  // Filters (v4+ states, v5+ types) are case-insensitive. A group is "classic" or, once it speaks
  // KIP-848's protocol, "consumer" (with that protocol's states: Assigning, Reconciling, ...).
  auto wanted_type = [&](std::string_view type) {
    return request.types_filter.empty() ||
           std::any_of(request.types_filter.begin(), request.types_filter.end(),
                       [&](const std::string& t) { return equals_ignore_case(t, type); });
  };
  auto wanted_state = [&](std::string_view state) {
    return request.states_filter.empty() ||
           std::any_of(request.states_filter.begin(), request.states_filter.end(),
                       [&](const std::string& t) { return equals_ignore_case(t, state); });
  };
  for (const auto& [id, g] : groups_) {
    if (!owns(g.partition())) continue;
    const bool consumer = g.is_consumer_group();
    const std::string state(consumer ? to_string(g.consumer->state()) : to_string(g.state()));
    if (!wanted_type(consumer ? "consumer" : "classic") || !wanted_state(state)) continue;
    auto& listed = response.groups.emplace_back();
    listed.group_id = id;
    listed.protocol_type =
        consumer ? std::string(consumer_protocol_type) : g.protocol_type.value_or("");
    listed.group_state = state;
    if (version >= 5) listed.group_type = consumer ? "consumer" : "classic";
  }
  for (const auto& [id, sg] : share_groups_) {
    if (!owns(sg.partition) || !wanted_type("share") || !wanted_state(sg.state())) continue;
    auto& listed = response.groups.emplace_back();
    listed.group_id = id;
    listed.protocol_type = std::string(share_protocol_type);
    listed.group_state = std::string(sg.state());
    if (version >= 5) listed.group_type = "share";
  }
  respond(std::move(done), std::move(response));
}

void coordinator_core::describe_groups(const protocol::describe_groups_request& request,
                                       int16_t version,
                                       completion<protocol::describe_groups_response> done) {
  protocol::describe_groups_response response;
  for (const auto& id : request.groups) {
    auto& d = response.groups.emplace_back();
    d.group_id = id;
    if (version >= 3 && request.include_authorized_operations) {
      d.authorized_operations = all_group_operations;
    }
    if (auto e = check_group(id, true)) {
      d.error_code = code(*e);
      continue;
    }
    const group* g = find_group(id);
    if (!g) {
      d.group_state = std::string(to_string(group_state::dead));
      continue;
    }
    if (g->is_consumer_group()) {
      // KIP-848 groups are described by ConsumerGroupDescribe; Admin clients fall back on this.
      d.error_code = code(error_code::group_id_not_found);
      if (version >= 6) d.error_message = "Group " + id + " is not a classic group.";
      continue;
    }
    d.group_state = std::string(to_string(g->state()));
    d.protocol_type = g->protocol_type.value_or("");
    // Member metadata and assignments are only shown for a stable group, as Kafka does.
    bool stable = g->is(group_state::stable) && g->protocol_name;
    if (stable) d.protocol_data = *g->protocol_name;
    for (const auto& [member_id, m] : g->members()) {
      auto& dm = d.members.emplace_back();
      dm.member_id = member_id;
      dm.group_instance_id = m.instance_id;
      dm.client_id = m.client_id;
      dm.client_host = m.client_host;
      if (stable) {
        if (const protocol::bytes* metadata = m.metadata_for(*g->protocol_name)) {
          dm.member_metadata = *metadata;
        }
        dm.member_assignment = m.assignment;
      }
    }
  }
  respond(std::move(done), std::move(response));
}

void coordinator_core::delete_groups(const protocol::delete_groups_request& request,
                                     int16_t /*version*/, int64_t now_ms,
                                     completion<protocol::delete_groups_response> done) {
  protocol::delete_groups_response response;
  std::vector<std::string> seen;
  for (const auto& id : request.groups_names) {
    if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
    seen.push_back(id);
    auto& result = response.results.emplace_back();
    result.group_id = id;
    if (auto e = check_group(id, true)) {
      result.error_code = code(*e);
      continue;
    }
    if (auto share = share_groups_.find(id); share != share_groups_.end()) {
      // A share group goes once it has no members: its records are tombstoned here, its share
      // partitions' state by the DeleteGroups handler (handlers/group_apis.cc).
      if (!share->second.members.empty()) {
        result.error_code = code(error_code::non_empty_group);
        continue;
      }
      std::vector<log_record> tombstones;
      for (auto& body : share_group_tombstones(share->second))
        tombstones.push_back(share_group_record(share_record{id, std::move(body)}, now_ms));
      append_and_forget(share->second.partition, std::move(tombstones));
      share_groups_.erase(share);
      spdlog::info("group {}: share group deleted", id);
      continue;
    }
    group* g = lookup(id);
    if (!g || g->is(group_state::dead)) {
      result.error_code = code(error_code::group_id_not_found);
      continue;
    }
    if (!g->is(group_state::empty) || (g->is_consumer_group() && !g->consumer->empty())) {
      result.error_code = code(error_code::non_empty_group);
      continue;
    }
    // A consumer group's own records go first (its members are gone already).
    if (g->is_consumer_group()) delete_consumer_state(*g, now_ms);
    std::vector<topic_partition> all;
    for (const auto& [tp, c] : g->offsets) all.push_back(tp);
    spdlog::info("group {}: deleted with {} offsets", id, all.size());
    remove_offsets_and_maybe_group(*g, all, true, now_ms);
  }
  respond(std::move(done), std::move(response));
}

}  // namespace sluice::coordinator
