// KIP-848 consumer groups: ConsumerGroupHeartbeat, ConsumerGroupDescribe, member session and
// revocation timeouts, and the checks offsets APIs make against a consumer group's members.
//
// A heartbeat is decided as Kafka's GroupMetadataManager does: (1) the member's subscription is
// updated, and the group epoch bumped when a subscription or the subscribed topics changed;
// (2) a new target assignment is computed by the server-side assignor when the group epoch is
// ahead of it; (3) the member is reconciled one step towards its target (reconcile()). Each step's
// outcome is a record; records are applied at once through consumer_group::apply (the same path a
// load replays) and appended, and the answer goes out when the append is written.
#include <spdlog/spdlog.h>

#include <re2/re2.h>

#include <algorithm>
#include <functional>

#include "coordinator/assignor.h"
#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

namespace {

using heartbeat_request = protocol::consumer_group_heartbeat_request;
using heartbeat_response = protocol::consumer_group_heartbeat_response;

heartbeat_response heartbeat_error(error_code e, std::string message = {}) {
  heartbeat_response r;
  r.error_code = code(e);
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

// Kafka's checks of a heartbeat's fields, with its messages.
std::optional<std::string> invalid_heartbeat(const heartbeat_request& r) {
  if (r.group_id.empty()) return "GroupId can't be empty.";
  if (r.instance_id && r.instance_id->empty()) return "InstanceId can't be empty.";
  if (r.rack_id && r.rack_id->empty()) return "RackId can't be empty.";
  const member_epoch epoch(r.member_epoch);
  if (epoch > join_epoch || epoch == leave_epoch) {
    if (r.member_id.empty()) return "MemberId can't be empty.";
  } else if (epoch == join_epoch) {
    if (r.rebalance_timeout_ms == -1)
      return "RebalanceTimeoutMs must be provided in first request.";
    if (!r.topic_partitions || !r.topic_partitions->empty())
      return "TopicPartitions must be empty when (re-)joining.";
    const bool names = r.subscribed_topic_names && !r.subscribed_topic_names->empty();
    if (!names && !r.subscribed_topic_regex)
      return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
  } else if (epoch == static_leave_epoch) {
    if (r.member_id.empty()) return "MemberId can't be empty.";
    if (!r.instance_id) return "InstanceId can't be null.";
  } else {
    return "MemberEpoch is invalid.";
  }
  return std::nullopt;
}

std::optional<partition_assignment> owned_of(const heartbeat_request& r) {
  if (!r.topic_partitions) return std::nullopt;
  partition_assignment out;
  for (const auto& t : *r.topic_partitions)
    if (!t.partitions.empty()) out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
  return out;
}

heartbeat_response::assignment_data assignment_of(const consumer_member& m) {
  heartbeat_response::assignment_data a;
  for (const auto& [topic, partitions] : m.assigned) {
    auto& t = a.topic_partitions.emplace_back();
    t.topic_id = topic;
    t.partitions.assign(partitions.begin(), partitions.end());
  }
  return a;
}

}  // namespace

// FNV-1a over the subscribed topics' names, ids and partition counts: changes whenever one of
// them does (KIP-1101's metadata hash plays this role in Kafka).
int64_t metadata_hash(const std::map<std::string, topic_info>& topics) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= p[i];
      h *= 1099511628211ull;
    }
  };
  for (const auto& [name, info] : topics) {
    mix(name.data(), name.size());
    mix(info.id.value.data(), info.id.value.size());
    mix(&info.partitions, sizeof info.partitions);
  }
  return static_cast<int64_t>(h);
}

// ---- helpers ----------------------------------------------------------------------------------

std::set<std::string> coordinator_core::member_topics(const consumer_group& cg,
                                                      const consumer_member& m) const {
  std::set<std::string> out(m.subscribed_topic_names.begin(), m.subscribed_topic_names.end());
  if (m.subscribed_topic_regex) {
    auto it = cg.regex_topics.find(*m.subscribed_topic_regex);
    if (it != cg.regex_topics.end()) out.insert(it->second.begin(), it->second.end());
  }
  return out;
}

std::vector<consumer_record_body> coordinator_core::resolve_regexes(
    consumer_group& cg, const consumer_member* replacing, int64_t now_ms,
    const client_info& client) {
  std::vector<consumer_record_body> changed;
  const auto before = cg.regex_topics;
  // The records that take the recorded resolutions to the current ones.
  auto differences = [&] {
    for (const auto& [p, topics] : before)
      if (!cg.regex_topics.contains(p))
        changed.push_back(regex_record{.regex = p, .deleted = true});
    for (const auto& [p, topics] : cg.regex_topics) {
      auto it = before.find(p);
      if (it == before.end() || it->second != topics)
        changed.push_back(regex_record{.regex = p, .topics = topics, .timestamp = now_ms});
    }
    return changed;
  };
  std::set<std::string> patterns;
  for (const auto& [id, m] : cg.members())
    if (m.subscribed_topic_regex && !(replacing && replacing->id == id))
      patterns.insert(*m.subscribed_topic_regex);
  if (replacing && replacing->subscribed_topic_regex)
    patterns.insert(*replacing->subscribed_topic_regex);
  bool stale =
      cg.regex_resolved_ms < 0 || now_ms - cg.regex_resolved_ms >= config_.regex_refresh_ms;
  for (const auto& p : patterns) stale = stale || !cg.regex_topics.contains(p);
  if (patterns.empty()) {
    cg.regex_topics.clear();
    return differences();
  }
  if (!stale) {
    std::erase_if(cg.regex_topics, [&](const auto& kv) { return !patterns.contains(kv.first); });
    return differences();
  }
  std::vector<std::string> topics =
      hooks_.topic_names ? hooks_.topic_names() : std::vector<std::string>{};
  // Only topics the member whose heartbeat resolves the expressions may describe (Kafka 4 does
  // the same): a pattern must not reveal, or assign, topics hidden from it.
  if (client.may_describe_topic) std::erase_if(topics, std::not_fn(client.may_describe_topic));
  cg.regex_topics.clear();
  for (const auto& p : patterns) {
    RE2 re(p, RE2::Quiet);
    auto& matched = cg.regex_topics[p];
    if (!re.ok()) continue;
    for (const auto& t : topics)
      if (RE2::FullMatch(t, re)) matched.insert(t);
  }
  cg.regex_resolved_ms = now_ms;
  return differences();
}

std::map<std::string, topic_info> coordinator_core::subscribed_topics(
    const consumer_group& cg, const consumer_member* replacing) const {
  std::set<std::string> names;
  for (const auto& [id, m] : cg.members()) {
    auto topics = member_topics(cg, replacing && replacing->id == id ? *replacing : m);
    names.insert(topics.begin(), topics.end());
  }
  if (replacing && !cg.find(replacing->id)) {
    auto topics = member_topics(cg, *replacing);
    names.insert(topics.begin(), topics.end());
  }
  std::map<std::string, topic_info> out;
  if (!hooks_.topic_lookup) return out;
  for (const auto& name : names)
    if (auto info = hooks_.topic_lookup(name); info && info->partitions > 0) out[name] = *info;
  return out;
}

void coordinator_core::write_consumer_records(group& g, std::vector<consumer_record_body> bodies,
                                              std::vector<log_record>& out, int64_t now_ms) {
  for (auto& body : bodies) {
    consumer_record r{g.id(), std::move(body)};
    g.consumer->apply(r.body);
    out.push_back(consumer_group_record(r, now_ms));
  }
}

namespace {

std::map<std::string, timer_id>& timers_of(consumer_group& cg, timer_kind kind) {
  switch (kind) {
    case timer_kind::consumer_revocation:
      return cg.revocation_timers;
    case timer_kind::consumer_classic_join:
      return cg.join_timers;
    case timer_kind::consumer_classic_sync:
      return cg.sync_timers;
    default:
      return cg.session_timers;
  }
}

constexpr timer_kind consumer_timer_kinds[] = {
    timer_kind::consumer_session, timer_kind::consumer_revocation,
    timer_kind::consumer_classic_join, timer_kind::consumer_classic_sync};

}  // namespace

void coordinator_core::arm_consumer_timer(group& g, timer_kind kind, const std::string& member_id,
                                          int64_t at_ms, int32_t generation) {
  timer_id& t = timers_of(*g.consumer, kind)[member_id];
  timers_.cancel(t);
  t = timers_.schedule(at_ms, timer_key{kind, g.id(), member_id, g.incarnation(), generation});
}

void coordinator_core::cancel_consumer_timer(group& g, timer_kind kind,
                                             const std::string& member_id) {
  auto& timers = timers_of(*g.consumer, kind);
  if (auto it = timers.find(member_id); it != timers.end()) {
    timers_.cancel(it->second);
    timers.erase(it);
  }
}

std::vector<consumer_record_body> coordinator_core::regex_tombstones(const consumer_group& cg) {
  std::vector<consumer_record_body> out;
  for (const auto& [p, topics] : cg.regex_topics)
    out.push_back(regex_record{.regex = p, .deleted = true});
  return out;
}

int32_t coordinator_core::session_timeout_of(const group& g, const consumer_member& m) const {
  return m.classic ? m.classic->session_timeout_ms
                   : config_.for_group(g.id(), "consumer.session.timeout.ms",
                                       config_.consumer_session_timeout_ms);
}

std::vector<consumer_record_body> coordinator_core::member_removal(group& g,
                                                                   const std::string& member_id,
                                                                   bool bump_epoch) {
  consumer_group& cg = *g.consumer;
  const consumer_member* m = cg.find(member_id);
  if (!m) return {};
  consumer_member without = *m;
  without.subscribed_topic_names.clear();
  without.subscribed_topic_regex.reset();
  std::vector<consumer_record_body> out;
  out.push_back(current_assignment_record{.member_id = member_id, .deleted = true});
  out.push_back(target_member_record{.member_id = member_id, .deleted = true});
  consumer_member gone;
  gone.id = member_id;
  out.push_back(member_subscription_record{.member = gone, .deleted = true});
  // The group epoch moves on so that the others get the removed member's partitions.
  if (bump_epoch) {
    auto topics_after = subscribed_topics(cg, &without);
    out.push_back(group_epoch_record{.epoch = cg.epoch().next(),
                                     .metadata_hash = metadata_hash(topics_after)});
  }
  for (timer_kind kind : consumer_timer_kinds) cancel_consumer_timer(g, kind, member_id);
  return out;
}

void coordinator_core::remove_consumer_member(group& g, const std::string& member_id,
                                              const char* why, int64_t now_ms) {
  if (!g.consumer || !g.consumer->find(member_id)) return;
  spdlog::info("group {}: member {} removed ({})", g.id(), member_id, why);
  std::vector<log_record> records;
  if (!maybe_downgrade(g, member_id, records, now_ms))
    write_consumer_records(g, member_removal(g, member_id), records, now_ms);
  append_and_forget(g.partition(), std::move(records));
}

std::optional<error_code> coordinator_core::validate_consumer_member(const group& g,
                                                                     const std::string& member_id,
                                                                     int32_t epoch) const {
  const consumer_member* m = g.consumer->find(member_id);
  if (!m) return error_code::unknown_member_id;
  // A classic member's epoch is its generation: a mismatch is ILLEGAL_GENERATION to it.
  if (m->epoch.value() != epoch)
    return m->classic ? error_code::illegal_generation : error_code::stale_member_epoch;
  return std::nullopt;
}

// A static member's new incarnation `member_id` takes the place of `old`: its subscription,
// target, partitions and epoch, so the group does not rebalance.
void coordinator_core::take_over_static_member(group& g, const consumer_member& old,
                                               const std::string& member_id,
                                               std::vector<log_record>& records, int64_t now_ms) {
  std::vector<consumer_record_body> takeover = member_removal(g, old.id, false);
  consumer_member heir = old;
  heir.id = member_id;
  takeover.push_back(member_subscription_record{.member = heir});
  takeover.push_back(target_member_record{.member_id = member_id, .target = old.target});
  const member_epoch epoch = old.epoch == static_leave_epoch ? old.previous_epoch : old.epoch;
  takeover.push_back(current_assignment_record{.member_id = member_id,
                                               .epoch = epoch,
                                               .previous_epoch = old.previous_epoch,
                                               .state = old.state,
                                               .assigned = old.assigned,
                                               .pending_revocation = old.pending_revocation});
  write_consumer_records(g, std::move(takeover), records, now_ms);
}

// Steps (1)-(3) of a member's heartbeat (or of a classic member's JoinGroup): its subscription
// `updated` replaces `prior` (nullopt: a new member); with `release` the member gave all its
// partitions up (it rejoined). Writes the records to `records`; returns the reconciled member.
const consumer_member& coordinator_core::update_consumer_member(
    group& g, const std::optional<consumer_member>& prior, consumer_member updated, bool release,
    const std::optional<partition_assignment>& owned, const client_info& client,
    std::vector<log_record>& records, int64_t now_ms) {
  consumer_group& cg = *g.consumer;
  const std::string member_id = updated.id;
  std::vector<consumer_record_body> bodies;
  bool bump = !prior || prior->subscribed_topic_names != updated.subscribed_topic_names ||
              prior->subscribed_topic_regex != updated.subscribed_topic_regex ||
              prior->server_assignor != updated.server_assignor;
  for (auto& r : resolve_regexes(cg, &updated, now_ms, client)) bodies.push_back(std::move(r));
  if (!prior || !prior->same_subscription(updated))
    bodies.push_back(member_subscription_record{.member = updated});
  const auto topics = subscribed_topics(cg, &updated);
  const int64_t hash = metadata_hash(topics);
  group_epoch next_epoch = cg.epoch();
  if (bump || hash != cg.metadata_hash()) {
    next_epoch = cg.epoch().next();
    bodies.push_back(group_epoch_record{.epoch = next_epoch, .metadata_hash = hash});
  }
  if (release && (!prior->assigned.empty() || !prior->pending_revocation.empty())) {
    // The rejoining member owns nothing now: release its partitions for the others.
    bodies.push_back(current_assignment_record{.member_id = member_id,
                                               .epoch = member_epoch(0),
                                               .previous_epoch = prior->epoch,
                                               .state = member_state::stable});
  }
  write_consumer_records(g, std::move(bodies), records, now_ms);

  // (2) The target assignment.
  if (cg.epoch() > cg.assignment_epoch()) {
    std::map<std::string, assignor_member> inputs;
    std::map<protocol::uuid, int32_t> counts;
    std::map<std::string, protocol::uuid> ids;
    for (const auto& [name, info] : topics) {
      counts[info.id] = info.partitions;
      ids[name] = info.id;
    }
    std::map<std::string, int> votes;
    for (const auto& [id, m] : cg.members()) {
      auto& in = inputs[id];
      for (const auto& name : member_topics(cg, m))
        if (auto it = ids.find(name); it != ids.end()) in.topics.insert(it->second);
      in.current = m.target;
      if (m.server_assignor) ++votes[*m.server_assignor];
    }
    // The assignor most members ask for; the first configured one when none asks.
    std::string assignor = config_.consumer_assignors.front();
    int best = 0;
    for (const auto& [name, n] : votes)
      if (n > best) assignor = name, best = n;
    auto assignment = run_assignor(assignor, inputs, counts);
    if (!assignment) assignment = assign_uniform(inputs, counts);
    std::vector<consumer_record_body> targets;
    for (const auto& [id, m] : cg.members()) {
      const partition_assignment& t = (*assignment)[id];
      if (t != m.target) targets.push_back(target_member_record{.member_id = id, .target = t});
    }
    targets.push_back(
        target_epoch_record{.assignment_epoch = cg.epoch(), .assignment_timestamp = now_ms});
    write_consumer_records(g, std::move(targets), records, now_ms);
  }

  // (3) Reconciliation.
  const consumer_member before = *cg.find(member_id);
  consumer_member next =
      reconcile(before, cg.assignment_epoch(), owned,
                [&cg](const protocol::uuid& t, int32_t p) { return cg.is_owned(t, p); });
  if (!next.same_assignment(before)) {
    write_consumer_records(
        g,
        {current_assignment_record{.member_id = member_id,
                                   .epoch = next.epoch,
                                   .previous_epoch = next.previous_epoch,
                                   .state = next.state,
                                   .assigned = next.assigned,
                                   .pending_revocation = next.pending_revocation}},
        records, now_ms);
  }
  return *cg.find(member_id);
}

// ---- ConsumerGroupHeartbeat ------------------------------------------------------------------

void coordinator_core::consumer_group_heartbeat(heartbeat_request request, int16_t version,
                                                const client_info& client, int64_t now_ms,
                                                completion<heartbeat_response> done) {
  (void)version;
  if (!config_.consumer_protocol_enabled)
    return respond(std::move(done), heartbeat_error(error_code::unsupported_version,
                                                    "The consumer group protocol is not enabled "
                                                    "(group.coordinator.rebalance.protocols)."));
  if (auto bad = invalid_heartbeat(request)) {
    spdlog::info("group {}: ConsumerGroupHeartbeat of member {} refused: {}", request.group_id,
                 request.member_id, *bad);
    return respond(std::move(done), heartbeat_error(error_code::invalid_request, *bad));
  }
  if (request.server_assignor &&
      std::find(config_.consumer_assignors.begin(), config_.consumer_assignors.end(),
                *request.server_assignor) == config_.consumer_assignors.end()) {
    std::string names;
    for (const auto& a : config_.consumer_assignors) names += (names.empty() ? "" : ", ") + a;
    return respond(std::move(done),
                   heartbeat_error(error_code::unsupported_assignor,
                                   "ServerAssignor " + *request.server_assignor +
                                       " is not supported. Supported assignors: " + names + "."));
  }
  if (request.subscribed_topic_regex && !request.subscribed_topic_regex->empty()) {
    RE2 re(*request.subscribed_topic_regex, RE2::Quiet);
    if (!re.ok())
      return respond(
          std::move(done),
          heartbeat_error(error_code::invalid_regular_expression,
                          "SubscribedTopicRegex `" + *request.subscribed_topic_regex +
                              "` is not a valid regular expression: " + re.error() + "."));
  }
  if (auto e = check_group(request.group_id, false))
    return respond(std::move(done), heartbeat_error(*e));
  if (share_groups_.contains(request.group_id))
    return respond(std::move(done),
                   heartbeat_error(error_code::group_id_not_found,
                                   "Group " + request.group_id + " is not a consumer group."));

  const member_epoch epoch(request.member_epoch);
  group* g = lookup(request.group_id);
  if (!g || (!g->consumer && epoch != join_epoch)) {
    if (epoch != join_epoch)
      return respond(std::move(done),
                     heartbeat_error(error_code::unknown_member_id,
                                     "Member " + request.member_id + " is not a member of group " +
                                         request.group_id + "."));
  }
  if (!g) g = &create_group(request.group_id, now_ms);
  std::vector<log_record> records;
  if (!g->consumer) {
    // A classic group with members is upgraded (online migration) if it may be.
    if ((g->size() > 0 || !g->is(group_state::empty)) && !maybe_upgrade(*g, records, now_ms))
      return respond(std::move(done),
                     heartbeat_error(error_code::group_id_not_found,
                                     "Group " + g->id() + " is not a consumer group."));
    if (!g->consumer) g->consumer.emplace();
  }
  consumer_group& cg = *g->consumer;
  if (g->has_metadata_record || g->protocol_type) {
    // An empty classic group becomes a consumer group: its classic record goes.
    records.push_back(group_metadata_tombstone(g->id(), now_ms));
    g->clear_metadata();
  }

  // Leaving. A static member leaving for a restart (-2) keeps its partitions and target: only its
  // epoch says it is away, and its session timeout still runs, after which it is removed for good.
  if (epoch == leave_epoch || epoch == static_leave_epoch) {
    std::string member_id = request.member_id;
    const consumer_member* leaving = cg.find(member_id);
    if (!leaving) return respond(std::move(done), heartbeat_error(error_code::unknown_member_id));
    if (epoch == static_leave_epoch && leaving->instance_id) {
      write_consumer_records(
          *g,
          {current_assignment_record{.member_id = member_id,
                                     .epoch = static_leave_epoch,
                                     .previous_epoch = leaving->epoch,
                                     .state = leaving->state,
                                     .assigned = leaving->assigned,
                                     .pending_revocation = leaving->pending_revocation}},
          records, now_ms);
    } else if (leaving->classic) {
      return respond(std::move(done), heartbeat_error(error_code::unknown_member_id));
    } else if (!maybe_downgrade(*g, member_id, records, now_ms)) {
      write_consumer_records(*g, member_removal(*g, member_id), records, now_ms);
    }
    heartbeat_response r;
    r.member_id = member_id;
    r.member_epoch = epoch.value();
    spdlog::info("group {}: member {} left", g->id(), member_id);
    return append(
        g->partition(), std::move(records),
        [this, done = std::move(done), r = std::move(r)](append_status s, int64_t) mutable {
          if (s != append_status::ok) r = heartbeat_error(store_error(s));
          respond(std::move(done), std::move(r));
        });
  }

  // The member: new, rejoining or current.
  std::string member_id = request.member_id.empty() ? new_member_id("") : request.member_id;
  const consumer_member* existing = cg.find(member_id);
  if (!existing && cg.members().size() >= static_cast<size_t>(config_.consumer_max_size))
    return respond(std::move(done),
                   heartbeat_error(error_code::group_max_size_reached,
                                   "The consumer group has reached its maximum capacity of " +
                                       std::to_string(config_.consumer_max_size) + " members."));
  std::optional<partition_assignment> owned = owned_of(request);
  bool inherited = false;  // a restarted static member that took its old incarnation's place
  if (epoch != join_epoch) {
    if (!existing || existing->classic)
      return respond(
          std::move(done),
          heartbeat_error(error_code::unknown_member_id,
                          "Member " + member_id + " is not a member of group " + g->id() +
                              (existing ? " that uses the consumer protocol." : ".")));
    if (epoch > existing->epoch ||
        (epoch < existing->epoch &&
         (epoch != existing->previous_epoch || !owned || !is_subset(*owned, existing->assigned))))
      return respond(
          std::move(done),
          heartbeat_error(error_code::fenced_member_epoch,
                          "The consumer group member has a " +
                              std::string(epoch > existing->epoch ? "greater" : "smaller") +
                              " member epoch (" + std::to_string(epoch.value()) +
                              ") than the one known by the group coordinator (" +
                              std::to_string(existing->epoch.value()) +
                              "). The member must abandon all its partitions and rejoin."));
  }
  if (request.instance_id) {
    // A static member that restarts takes over from its previous incarnation.
    std::string previous = cg.member_of_instance(*request.instance_id);
    if (!previous.empty() && previous != member_id) {
      if (epoch != join_epoch)
        return respond(std::move(done), heartbeat_error(error_code::fenced_instance_id));
      const consumer_member old = *cg.find(previous);
      if (old.epoch != static_leave_epoch)
        return respond(std::move(done),
                       heartbeat_error(error_code::unreleased_instance_id,
                                       "Static member " + previous + " with instance id " +
                                           *request.instance_id + " is not released."));
      take_over_static_member(*g, old, member_id, records, now_ms);
      existing = cg.find(member_id);
      inherited = true;
    }
  }

  // (1) The subscription. (`prior` is a copy: `existing` sees the records as they are applied.)
  const std::optional<consumer_member> prior =
      existing ? std::optional<consumer_member>(*existing) : std::nullopt;
  consumer_member updated = prior.value_or(consumer_member{});
  updated.id = member_id;
  updated.classic.reset();  // it speaks the consumer protocol (even if its predecessor did not)
  if (request.instance_id) updated.instance_id = request.instance_id;
  if (request.rack_id) updated.rack_id = request.rack_id;
  if (request.rebalance_timeout_ms != -1)
    updated.rebalance_timeout_ms = request.rebalance_timeout_ms;
  if (request.server_assignor) updated.server_assignor = request.server_assignor;
  if (request.subscribed_topic_regex) {
    // An empty expression clears it (librdkafka sends one with a list of names).
    updated.subscribed_topic_regex =
        request.subscribed_topic_regex->empty() ? std::nullopt : request.subscribed_topic_regex;
    if (updated.subscribed_topic_regex && !request.subscribed_topic_names)
      updated.subscribed_topic_names.clear();
  }
  if (request.subscribed_topic_names) {
    if (!request.subscribed_topic_regex || request.subscribed_topic_regex->empty())
      updated.subscribed_topic_regex.reset();
    updated.subscribed_topic_names = *request.subscribed_topic_names;
    std::sort(updated.subscribed_topic_names.begin(), updated.subscribed_topic_names.end());
    updated.subscribed_topic_names.erase(
        std::unique(updated.subscribed_topic_names.begin(), updated.subscribed_topic_names.end()),
        updated.subscribed_topic_names.end());
  }
  updated.client_id = client.client_id;
  updated.client_host = client.client_host;
  if (epoch == join_epoch && prior && !inherited) {
    // Rejoining: the member gave everything up.
    updated.assigned.clear();
    updated.pending_revocation.clear();
  }

  const bool release = epoch == join_epoch && prior && !inherited;
  const consumer_member& now = update_consumer_member(*g, prior, std::move(updated), release, owned,
                                                      client, records, now_ms);
  spdlog::debug("group {}: member {} epoch {} -> {} state {} assigned {} target {} owned {}",
                g->id(), member_id, request.member_epoch, now.epoch.value(), to_string(now.state),
                now.assigned.size(), now.target.size(),
                owned ? std::to_string(owned->size()) : "null");

  // Timers: the session, and the time a member has to give partitions up.
  arm_consumer_timer(*g, timer_kind::consumer_session, member_id,
                     now_ms + config_.for_group(g->id(), "consumer.session.timeout.ms",
                                                config_.consumer_session_timeout_ms));
  if (now.state != member_state::unrevoked_partitions) {
    cancel_consumer_timer(*g, timer_kind::consumer_revocation, member_id);
  } else if (!prior || prior->state != member_state::unrevoked_partitions ||
             prior->epoch != now.epoch || !cg.revocation_timers.contains(member_id)) {
    arm_consumer_timer(*g, timer_kind::consumer_revocation, member_id,
                       now_ms + std::max(now.rebalance_timeout_ms, 0), now.epoch.value());
  }

  heartbeat_response r;
  r.member_id = member_id;
  r.member_epoch = now.epoch.value();
  r.heartbeat_interval_ms = config_.for_group(g->id(), "consumer.heartbeat.interval.ms",
                                              config_.consumer_heartbeat_interval_ms);
  // The assignment goes out on a full request (joining, or after an error) or when it changed.
  const bool full =
      epoch == join_epoch || (request.rebalance_timeout_ms != -1 &&
                              request.subscribed_topic_names && request.topic_partitions);
  if (full || !prior || now.assigned != prior->assigned) r.assignment = assignment_of(now);
  if (records.empty()) return respond(std::move(done), std::move(r));
  append(g->partition(), std::move(records),
         [this, done = std::move(done), r = std::move(r)](append_status s, int64_t) mutable {
           if (s != append_status::ok) r = heartbeat_error(store_error(s));
           respond(std::move(done), std::move(r));
         });
}

void coordinator_core::on_consumer_timer(group& g, timer_id id, const timer_key& key,
                                         int64_t now_ms) {
  if (!g.consumer) return;
  auto& timers = timers_of(*g.consumer, key.kind);
  auto it = timers.find(key.member);
  if (it == timers.end() || it->second != id) return;
  timers.erase(it);
  const consumer_member* m = g.consumer->find(key.member);
  switch (key.kind) {
    case timer_kind::consumer_session:
      return remove_consumer_member(g, key.member, "session timeout", now_ms);
    case timer_kind::consumer_classic_join:
      return remove_consumer_member(g, key.member, "did not rejoin within its rebalance timeout",
                                    now_ms);
    case timer_kind::consumer_classic_sync:
      return remove_consumer_member(g, key.member,
                                    "did not send SyncGroup within its rebalance timeout", now_ms);
    default:
      if (m && m->state == member_state::unrevoked_partitions && m->epoch.value() == key.generation)
        remove_consumer_member(
            g, key.member, "did not revoke its partitions within its rebalance timeout", now_ms);
  }
}

void coordinator_core::after_consumer_load(group& g, int64_t now_ms) {
  if (!g.consumer) return;
  for (const auto& [id, m] : g.consumer->members())
    arm_consumer_timer(g, timer_kind::consumer_session, id, now_ms + session_timeout_of(g, m));
}

void coordinator_core::drop_consumer_group(group& g) {
  if (!g.consumer) return;
  for (timer_kind kind : consumer_timer_kinds) {
    auto& timers = timers_of(*g.consumer, kind);
    for (auto& [id, t] : timers) timers_.cancel(t);
    timers.clear();
  }
}

void coordinator_core::delete_consumer_state(group& g, int64_t now_ms) {
  if (!g.consumer) return;
  std::vector<log_record> records;
  drop_consumer_group(g);
  std::vector<consumer_record_body> tombstones = regex_tombstones(*g.consumer);
  tombstones.push_back(target_epoch_record{.deleted = true});
  tombstones.push_back(group_epoch_record{.deleted = true});
  write_consumer_records(g, std::move(tombstones), records, now_ms);
  g.consumer.reset();
  append_and_forget(g.partition(), std::move(records));
}

// ---- ConsumerGroupDescribe -------------------------------------------------------------------

void coordinator_core::consumer_group_describe(
    const protocol::consumer_group_describe_request& request, int16_t /*version*/,
    completion<protocol::consumer_group_describe_response> done) {
  protocol::consumer_group_describe_response response;
  for (const auto& id : request.group_ids) {
    auto& out = response.groups.emplace_back();
    out.group_id = id;
    if (auto e = check_group(id, false)) {
      out.error_code = code(*e);
      continue;
    }
    const group* g = find_group(id);
    if (!g || !g->consumer || (!g->consumer->exists())) {
      out.error_code = code(error_code::group_id_not_found);
      out.error_message =
          g ? "Group " + id + " is not a consumer group." : "Group " + id + " not found.";
      continue;
    }
    const consumer_group& cg = *g->consumer;
    out.group_state = std::string(to_string(cg.state()));
    out.group_epoch = cg.epoch().value();
    out.assignment_epoch = cg.assignment_epoch().value();
    out.assignor_name = config_.consumer_assignors.front();
    for (const auto& [mid, m] : cg.members())
      if (m.server_assignor) out.assignor_name = *m.server_assignor;
    auto to_wire = [this](const partition_assignment& a) {
      protocol::consumer_group_describe_response::assignment_data w;
      for (const auto& [topic, partitions] : a) {
        auto& t = w.topic_partitions.emplace_back();
        t.topic_id = topic;
        if (hooks_.topic_name) t.topic_name = hooks_.topic_name(topic).value_or("");
        t.partitions.assign(partitions.begin(), partitions.end());
      }
      return w;
    };
    for (const auto& [mid, m] : cg.members()) {
      auto& om = out.members.emplace_back();
      om.member_id = mid;
      om.instance_id = m.instance_id;
      om.rack_id = m.rack_id;
      om.member_epoch = m.epoch.value();
      om.client_id = m.client_id;
      om.client_host = m.client_host;
      om.subscribed_topic_names = m.subscribed_topic_names;
      om.subscribed_topic_regex = m.subscribed_topic_regex;
      om.assignment = to_wire(m.assigned);
      om.target_assignment = to_wire(m.target);
      om.member_type = 1;  // the consumer protocol (0 would be a classic member)
    }
  }
  respond(std::move(done), std::move(response));
}

}  // namespace sluice::coordinator
