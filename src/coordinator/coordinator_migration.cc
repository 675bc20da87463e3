// Classic members in KIP-848 consumer groups, and the online migration between the protocols, as
// Kafka 4's group coordinator does it.
//
// A consumer group may hold members that speak the classic protocol (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup). Their assignment is the server-side assignor's like everyone's: a
// JoinGroup is the member's heartbeat (its subscription and the partitions it still owns go
// through the same three steps as a ConsumerGroupHeartbeat), SyncGroup hands it its current
// partitions in the embedded consumer protocol's format, and Heartbeat answers
// REBALANCE_IN_PROGRESS when it has to rejoin to move on (the group epoch moved, it must give
// partitions up, or partitions it waits for were released). It never leads: the JoinGroup
// response names no leader and no members.
//
// Migration: a non-empty classic group of Kafka consumers becomes a consumer group when a
// consumer-protocol member joins (upgrade; its members keep their partitions and generation, and
// rejoin to reconcile), and a consumer group whose last consumer-protocol member leaves becomes a
// classic group again (downgrade; the members keep their partitions and rebalance classically).
// group.consumer.migration.policy allows either.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/coordinator_core.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::coordinator {

namespace {

// The consumer subscription a classic member sends as its protocol metadata, with the version
// it was written at (an int16, then that version's fields; newer versions read as the newest).
struct classic_subscription {
  int16_t version = 0;
  protocol::consumer_protocol_subscription subscription;
};

std::optional<classic_subscription> decode_subscription(protocol::bytes_view metadata) {
  protocol::reader r(metadata);
  classic_subscription out;
  out.version = r.read_int16();
  if (!r.ok() || out.version < 0) return std::nullopt;
  const int16_t v =
      std::min<int16_t>(out.version, protocol::consumer_protocol_subscription::max_version);
  if (!out.subscription.decode(r, v).ok() || !r.ok()) return std::nullopt;
  return out;
}

std::optional<protocol::consumer_protocol_assignment> decode_assignment(protocol::bytes_view data) {
  protocol::consumer_protocol_assignment out;
  if (data.empty()) return out;  // never assigned
  protocol::reader r(data);
  const int16_t version = r.read_int16();
  if (!r.ok() || version < 0) return std::nullopt;
  if (!out.decode(r, std::min(version, protocol::consumer_protocol_assignment::max_version)).ok() ||
      !r.ok())
    return std::nullopt;
  return out;
}

// The version of the embedded protocol a member speaks, from its first protocol's metadata.
int16_t protocol_version(const std::vector<member_protocol>& protocols) {
  if (protocols.empty()) return 0;
  protocol::reader r(protocols.front().metadata);
  const int16_t v = r.read_int16();
  if (!r.ok() || v < 0) return 0;
  return std::min(v, protocol::consumer_protocol_assignment::max_version);
}

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

// ---- helpers ----------------------------------------------------------------------------------

namespace {

// Partitions by topic name as a classic member reports them, by topic id (unknown topics left
// out).
template <class Topics, class Lookup>
partition_assignment by_topic_id(const Topics& topics, const Lookup& lookup) {
  partition_assignment out;
  for (const auto& t : topics) {
    if (t.partitions.empty()) continue;
    if (auto info = lookup(t.topic)) out[info->id].insert(t.partitions.begin(), t.partitions.end());
  }
  return out;
}

}  // namespace

sluice::result<const consumer_member*, error_code> coordinator_core::find_classic_member(
    const group& g, const std::string& member_id,
    const std::optional<std::string>& instance) const {
  const consumer_group& cg = *g.consumer;
  const consumer_member* m = nullptr;
  if (instance) {
    const std::string current = cg.member_of_instance(*instance);
    if (current.empty()) return error_code::unknown_member_id;
    if (!member_id.empty() && current != member_id) return error_code::fenced_instance_id;
    m = cg.find(current);
  } else {
    m = cg.find(member_id);
  }
  if (!m || !m->classic) return error_code::unknown_member_id;
  return m;
}

// ---- JoinGroup --------------------------------------------------------------------------------

void coordinator_core::classic_join_to_consumer_group(
    group& g, protocol::join_group_request& request, int16_t version, const client_info& client,
    int64_t now_ms, completion<protocol::join_group_response> done) {
  auto fail = [&](std::string member_id, error_code e) {
    respond(std::move(done), join_error(version, std::move(member_id), e));
  };
  consumer_group& cg = *g.consumer;
  std::vector<member_protocol> protocols;
  for (const auto& p : request.protocols) protocols.push_back(member_protocol{p.name, p.metadata});
  const bool unknown_member = request.member_id.empty();
  std::string member_id = unknown_member ? new_member_id("") : request.member_id;
  if (!cg.find(member_id) &&
      !(request.group_instance_id && !cg.member_of_instance(*request.group_instance_id).empty()) &&
      cg.members().size() >= static_cast<size_t>(config_.consumer_max_size))
    return fail(member_id, error_code::group_max_size_reached);
  if (!cg.supports_classic_protocols(request.protocol_type, protocols))
    return fail(request.member_id, error_code::inconsistent_group_protocol);
  if (unknown_member && !request.group_instance_id && version >= 4) {
    // KIP-394: the member comes back with its id.
    return fail(std::move(member_id), error_code::member_id_required);
  }
  auto sub = decode_subscription(protocols.front().metadata);
  if (!sub) return fail(request.member_id, error_code::inconsistent_group_protocol);

  std::vector<log_record> records;
  const consumer_member* existing = cg.find(member_id);
  // A member id of a consumer-protocol member is not a classic member's.
  if (existing && !existing->classic) return fail(request.member_id, error_code::unknown_member_id);
  if (request.group_instance_id) {
    const std::string current = cg.member_of_instance(*request.group_instance_id);
    if (unknown_member && !current.empty()) {
      // A static member restarted: the new incarnation takes the old one's place (a
      // consumer-protocol incarnation's too: this JoinGroup is its subscription from now on).
      // Nothing below fails once these records are written.
      spdlog::info("group {}: static member {} rejoins as {} (was {})", g.id(),
                   *request.group_instance_id, member_id, current);
      const consumer_member old = *cg.find(current);
      take_over_static_member(g, old, member_id, records, now_ms);
      existing = cg.find(member_id);
    } else if (!unknown_member && current.empty()) {
      return fail(request.member_id, error_code::unknown_member_id);
    } else if (!unknown_member && current != member_id) {
      return fail(request.member_id, error_code::fenced_instance_id);
    }
  }

  const std::optional<consumer_member> prior =
      existing ? std::optional<consumer_member>(*existing) : std::nullopt;
  consumer_member updated = prior.value_or(consumer_member{});
  updated.id = member_id;
  updated.instance_id = request.group_instance_id;
  if (sub->subscription.rack_id && !sub->subscription.rack_id->empty())
    updated.rack_id = sub->subscription.rack_id;
  updated.rebalance_timeout_ms =
      version == 0 ? request.session_timeout_ms : request.rebalance_timeout_ms;
  updated.server_assignor.reset();
  updated.subscribed_topic_names = sorted_unique(sub->subscription.topics);
  updated.subscribed_topic_regex.reset();
  updated.client_id = client.client_id;
  updated.client_host = client.client_host;
  updated.classic = classic_member_metadata{request.session_timeout_ms, protocols};
  // What the member still owns (subscription v1+; an eager member gave everything up).
  const partition_assignment owned =
      by_topic_id(sub->subscription.owned_partitions, [this](const std::string& t) {
        return hooks_.topic_lookup ? hooks_.topic_lookup(t) : std::nullopt;
      });
  const consumer_member& now =
      update_consumer_member(g, prior, std::move(updated), false, owned, client, records, now_ms);

  join_outcome outcome;
  outcome.member_id = member_id;
  outcome.generation = now.epoch.value();
  outcome.protocol_type = std::string(consumer_protocol_type);
  outcome.protocol_name = now.classic->protocols.front().name;
  spdlog::debug("group {}: classic member {} joined at epoch {} ({} partitions)", g.id(), member_id,
                now.epoch.value(), now.assigned.size());
  cancel_consumer_timer(g, timer_kind::consumer_classic_join, member_id);
  arm_consumer_timer(g, timer_kind::consumer_session, member_id,
                     now_ms + request.session_timeout_ms);
  arm_consumer_timer(g, timer_kind::consumer_classic_sync, member_id,
                     now_ms + std::max(now.rebalance_timeout_ms, 0));
  auto reply = make_join_response(version, std::move(outcome));
  if (records.empty()) return respond(std::move(done), std::move(reply));
  append(g.partition(), std::move(records),
         [this, version, member_id, done = std::move(done), reply = std::move(reply)](
             append_status s, int64_t) mutable {
           if (s != append_status::ok) reply = join_error(version, member_id, store_error(s));
           respond(std::move(done), std::move(reply));
         });
}

// ---- SyncGroup --------------------------------------------------------------------------------

void coordinator_core::classic_sync_to_consumer_group(
    group& g, const protocol::sync_group_request& request, int16_t version, int64_t now_ms,
    completion<protocol::sync_group_response> done) {
  auto fail = [&](error_code e) { respond(std::move(done), make_sync_response(version, e)); };
  auto found = find_classic_member(g, request.member_id, request.group_instance_id);
  if (!found) return fail(found.code());
  const consumer_member& m = **found;
  if (request.generation_id != m.epoch.value()) return fail(error_code::illegal_generation);
  const std::string& name = m.classic->protocols.front().name;
  if ((request.protocol_type && *request.protocol_type != consumer_protocol_type) ||
      (request.protocol_name && *request.protocol_name != name))
    return fail(error_code::inconsistent_group_protocol);
  const consumer_group& cg = *g.consumer;
  if (cg.epoch().value() > m.epoch.value() && m.state != member_state::unrevoked_partitions) {
    // A newer epoch: rejoin first (unless the member is still giving partitions up).
    if (!cg.join_timers.contains(m.id))
      arm_consumer_timer(g, timer_kind::consumer_classic_join, m.id,
                         now_ms + std::max(m.rebalance_timeout_ms, 0));
    return fail(error_code::rebalance_in_progress);
  }
  protocol::consumer_protocol_assignment assignment;
  for (const auto& [topic, partitions] : m.assigned) {
    auto& t = assignment.assigned_partitions.emplace_back();
    t.topic = hooks_.topic_name ? hooks_.topic_name(topic).value_or("") : "";
    t.partitions.assign(partitions.begin(), partitions.end());
  }
  const std::string member_id = m.id;
  const int32_t session_timeout = m.classic->session_timeout_ms;
  protocol::bytes bytes = encode_versioned(assignment, protocol_version(m.classic->protocols));
  respond(std::move(done),
          make_sync_response(version, error_code::none, std::string(consumer_protocol_type), name,
                             std::move(bytes)));
  cancel_consumer_timer(g, timer_kind::consumer_classic_sync, member_id);
  arm_consumer_timer(g, timer_kind::consumer_session, member_id, now_ms + session_timeout);
}

// ---- Heartbeat --------------------------------------------------------------------------------

error_code coordinator_core::classic_heartbeat_to_consumer_group(
    group& g, const protocol::heartbeat_request& request, int64_t now_ms) {
  auto found = find_classic_member(g, request.member_id, request.group_instance_id);
  if (!found) return found.code();
  const consumer_member& m = **found;
  if (request.generation_id != m.epoch.value()) return error_code::illegal_generation;
  arm_consumer_timer(g, timer_kind::consumer_session, m.id, now_ms + m.classic->session_timeout_ms);
  const consumer_group& cg = *g.consumer;
  // Rejoin when the group moved on, when partitions must be given up, or when partitions the
  // member waits for are free now.
  if (m.epoch.value() < cg.epoch().value() || m.state == member_state::unrevoked_partitions ||
      (m.state == member_state::unreleased_partitions && !cg.waits_on_unreleased_partition(m))) {
    if (!cg.join_timers.contains(m.id))
      arm_consumer_timer(g, timer_kind::consumer_classic_join, m.id,
                         now_ms + std::max(m.rebalance_timeout_ms, 0));
    return error_code::rebalance_in_progress;
  }
  return error_code::none;
}

// ---- LeaveGroup -------------------------------------------------------------------------------

std::vector<protocol::leave_group_response::member_response>
coordinator_core::classic_leave_to_consumer_group(
    group& g, const std::vector<protocol::leave_group_request::member_identity>& leaving,
    int64_t now_ms) {
  std::vector<protocol::leave_group_response::member_response> out;
  std::vector<log_record> records;
  for (const auto& who : leaving) {
    auto& r = out.emplace_back();
    r.member_id = who.member_id;
    r.group_instance_id = who.group_instance_id;
    auto found = find_classic_member(g, who.member_id, who.group_instance_id);
    if (!found) {
      r.error_code = code(found.code());
      continue;
    }
    const std::string id = (*found)->id;
    r.member_id = id;
    spdlog::info("group {}: classic member {} left", g.id(), id);
    write_consumer_records(g, member_removal(g, id, false), records, now_ms);
  }
  if (!records.empty()) {
    // One epoch bump for the lot: the others get the partitions.
    const consumer_group& cg = *g.consumer;
    auto topics = subscribed_topics(cg, nullptr);
    write_consumer_records(
        g, {group_epoch_record{.epoch = cg.epoch().next(), .metadata_hash = metadata_hash(topics)}},
        records, now_ms);
    append_and_forget(g.partition(), std::move(records));
  }
  return out;
}

// ---- upgrade ----------------------------------------------------------------------------------

bool coordinator_core::maybe_upgrade(group& g, std::vector<log_record>& records, int64_t now_ms) {
  if (!config_.migration_upgrade) {
    spdlog::info("group {}: not upgraded to a consumer group (group.consumer.migration.policy)",
                 g.id());
    return false;
  }
  if (g.protocol_type != consumer_protocol_type) {
    spdlog::info("group {}: not upgraded to a consumer group: its protocol type is not consumer",
                 g.id());
    return false;
  }
  if (g.size() > static_cast<size_t>(config_.consumer_max_size)) {
    spdlog::info("group {}: not upgraded: it has more members than group.consumer.max.size",
                 g.id());
    return false;
  }
  auto lookup_topic = [this](const std::string& t) {
    return hooks_.topic_lookup ? hooks_.topic_lookup(t) : std::nullopt;
  };
  // Every member with its subscription and its assignment of the current generation.
  const member_epoch epoch(g.generation);
  std::vector<consumer_member> converted;
  for (const auto& [id, m] : g.members()) {
    const protocol::bytes* metadata =
        g.protocol_name ? m.metadata_for(*g.protocol_name)
                        : (m.protocols.empty() ? nullptr : &m.protocols.front().metadata);
    auto sub = metadata ? decode_subscription(*metadata) : std::nullopt;
    auto assignment = decode_assignment(m.assignment);
    if (!sub || !assignment) {
      spdlog::warn("group {}: not upgraded: member {}'s consumer protocol data is malformed",
                   g.id(), id);
      return false;
    }
    consumer_member& c = converted.emplace_back();
    c.id = id;
    c.instance_id = m.instance_id;
    if (sub->subscription.rack_id && !sub->subscription.rack_id->empty())
      c.rack_id = sub->subscription.rack_id;
    c.client_id = m.client_id;
    c.client_host = m.client_host;
    c.subscribed_topic_names = sorted_unique(sub->subscription.topics);
    c.rebalance_timeout_ms = m.rebalance_timeout_ms;
    c.classic = classic_member_metadata{m.session_timeout_ms, m.protocols};
    c.epoch = c.previous_epoch = epoch;
    c.assigned = by_topic_id(assignment->assigned_partitions, lookup_topic);
    c.target = c.assigned;
  }
  spdlog::info("group {}: classic group of {} members becomes a consumer group at epoch {}", g.id(),
               g.size(), epoch.value());
  // Whatever the classic protocol had parked is answered: the members rejoin.
  answer_parked(g, error_code::rebalance_in_progress);
  records.push_back(group_metadata_tombstone(g.id(), now_ms));
  g.clear_metadata();
  g.consumer.emplace();
  std::vector<consumer_record_body> bodies;
  for (const auto& c : converted) {
    bodies.push_back(member_subscription_record{.member = c});
    bodies.push_back(target_member_record{.member_id = c.id, .target = c.target});
    bodies.push_back(current_assignment_record{.member_id = c.id,
                                               .epoch = c.epoch,
                                               .previous_epoch = c.previous_epoch,
                                               .state = member_state::stable,
                                               .assigned = c.assigned});
  }
  write_consumer_records(g, std::move(bodies), records, now_ms);
  const int64_t hash = metadata_hash(subscribed_topics(*g.consumer, nullptr));
  write_consumer_records(
      g,
      {group_epoch_record{.epoch = group_epoch(epoch.value()), .metadata_hash = hash},
       target_epoch_record{.assignment_epoch = group_epoch(epoch.value()),
                           .assignment_timestamp = now_ms}},
      records, now_ms);
  for (const auto& c : converted)
    arm_consumer_timer(g, timer_kind::consumer_session, c.id,
                       now_ms + c.classic->session_timeout_ms);
  return true;
}

// ---- downgrade --------------------------------------------------------------------------------

bool coordinator_core::maybe_downgrade(group& g, const std::string& leaving,
                                       std::vector<log_record>& records, int64_t now_ms) {
  consumer_group& cg = *g.consumer;
  const consumer_member* gone = cg.find(leaving);
  if (!gone || gone->classic || cg.members().size() <= 1 || !cg.all_classic_except(leaving))
    return false;
  if (!config_.migration_downgrade) {
    spdlog::info("group {}: not downgraded to a classic group (group.consumer.migration.policy)",
                 g.id());
    return false;
  }
  if (cg.members().size() - 1 > static_cast<size_t>(config_.max_group_size)) {
    spdlog::info("group {}: not downgraded: it has more members than group.max.size", g.id());
    return false;
  }
  // The classic group: the consumer group's epoch as its generation, each member with its
  // protocols and its current partitions as its assignment. A scratch group picks the protocol
  // as a classic rebalance would.
  group scratch(g.id(), g.partition(), 0, now_ms);
  std::map<std::string, protocol::bytes> assignments;
  for (const auto& [id, m] : cg.members()) {
    if (id == leaving) continue;
    member c;
    c.id = id;
    c.instance_id = m.instance_id;
    c.client_id = m.client_id;
    c.client_host = m.client_host;
    c.rebalance_timeout_ms = m.rebalance_timeout_ms;
    c.session_timeout_ms = m.classic->session_timeout_ms;
    c.protocol_type = std::string(consumer_protocol_type);
    c.protocols = m.classic->protocols;
    protocol::consumer_protocol_assignment a;
    for (const auto& [topic, partitions] : m.assigned) {
      auto& t = a.assigned_partitions.emplace_back();
      t.topic = hooks_.topic_name ? hooks_.topic_name(topic).value_or("") : "";
      t.partitions.assign(partitions.begin(), partitions.end());
    }
    assignments[id] = encode_versioned(a, protocol_version(c.protocols));
    scratch.add(std::move(c));
  }
  scratch.generation = cg.epoch().value();
  scratch.protocol_name = scratch.select_protocol();
  protocol::group_metadata_value value = scratch.to_record(assignments);
  value.current_state_timestamp = now_ms;
  spdlog::info("group {}: consumer group becomes a classic group of {} members (generation {})",
               g.id(), scratch.size(), scratch.generation);

  std::vector<std::string> ids;
  for (const auto& [id, m] : cg.members()) ids.push_back(id);
  std::vector<consumer_record_body> tombstones;
  for (const auto& id : ids) {
    auto removal = member_removal(g, id, false);
    tombstones.insert(tombstones.end(), removal.begin(), removal.end());
  }
  for (auto& r : regex_tombstones(cg)) tombstones.push_back(std::move(r));
  tombstones.push_back(target_epoch_record{.deleted = true});
  tombstones.push_back(group_epoch_record{.deleted = true});
  drop_consumer_group(g);
  write_consumer_records(g, std::move(tombstones), records, now_ms);
  g.consumer.reset();

  records.push_back(group_metadata_record(g.id(), value, now_ms));
  g.load_record(value);
  for (auto& [id, m] : g.members()) {
    m.protocols = scratch.get(id).protocols;  // all of them, not just the record's one
    schedule_session(g, m, now_ms, m.session_timeout_ms);
  }
  prepare_rebalance(g, now_ms);
  return true;
}

}  // namespace sluice::coordinator
