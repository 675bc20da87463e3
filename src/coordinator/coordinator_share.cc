// KIP-932 share groups at the group coordinator: ShareGroupHeartbeat (join, leave, subscription
// changes, the assignment), ShareGroupDescribe, and member session timeouts. A heartbeat is
// decided as Kafka's GroupMetadataManager does: (1) the member's subscription is updated and the
// group epoch bumped when a subscription, the membership or the subscribed topics changed; (2) the
// simple assignor computes a new target when the group epoch is ahead of it; (3) the member moves
// straight to its target (a share partition is never owned, so there is nothing to revoke).
// What changed is written to __consumer_offsets as Kafka's ShareGroup* records (share_group.h) and
// the answer goes out once they are; a member leaving or timing out is written the same way.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "coordinator/coordinator_core.h"

namespace sluice::coordinator {

namespace {

using heartbeat_request = protocol::share_group_heartbeat_request;
using heartbeat_response = protocol::share_group_heartbeat_response;

heartbeat_response share_heartbeat_error(error_code e, std::string message = {}) {
  heartbeat_response r;
  r.error_code = code(e);
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

// Kafka's checks of a share heartbeat's fields, with its messages.
std::optional<std::string> invalid_share_heartbeat(const heartbeat_request& r) {
  if (r.group_id.empty()) return "GroupId can't be empty.";
  if (r.member_id.empty()) return "MemberId can't be empty.";
  if (r.rack_id && r.rack_id->empty()) return "RackId can't be empty.";
  if (r.member_epoch == 0 && (!r.subscribed_topic_names || r.subscribed_topic_names->empty()))
    return "SubscribedTopicNames must be set in first request.";
  if (r.member_epoch < -1) return "MemberEpoch is invalid.";
  return std::nullopt;
}

}  // namespace

void coordinator_core::share_group_heartbeat(heartbeat_request request, int16_t version,
                                             const client_info& client, int64_t now_ms,
                                             completion<heartbeat_response> done) {
  (void)version;
  if (!config_.share_protocol_enabled)
    return respond(std::move(done),
                   share_heartbeat_error(error_code::unsupported_version,
                                         "The share group protocol is not enabled "
                                         "(group.coordinator.rebalance.protocols)."));
  if (auto bad = invalid_share_heartbeat(request))
    return respond(std::move(done), share_heartbeat_error(error_code::invalid_request, *bad));
  if (auto e = check_group(request.group_id, false))
    return respond(std::move(done), share_heartbeat_error(*e));
  if (groups_.contains(request.group_id))
    return respond(std::move(done),
                   share_heartbeat_error(error_code::group_id_not_found,
                                         "Group " + request.group_id + " is not a share group."));

  auto it = share_groups_.find(request.group_id);
  const bool joining = request.member_epoch == 0;
  const bool created = it == share_groups_.end();
  if (request.member_epoch == -1) {
    heartbeat_response out;
    out.member_id = request.member_id;
    out.member_epoch = -1;
    if (it != share_groups_.end() && it->second.members.contains(request.member_id)) {
      remove_share_member(it->second, request.member_id, "left the group", now_ms);
    } else {
      out = share_heartbeat_error(
          error_code::unknown_member_id,
          "Member " + request.member_id + " is not a member of group " + request.group_id + ".");
    }
    return respond(std::move(done), std::move(out));
  }
  if (it == share_groups_.end()) {
    if (!joining)
      return respond(std::move(done), share_heartbeat_error(error_code::unknown_member_id,
                                                            "Member " + request.member_id +
                                                                " is not a member of group " +
                                                                request.group_id + "."));
    it = create_share_group(request.group_id);
  }
  share_group& sg = it->second;
  const share_group before = sg;
  auto member_it = sg.members.find(request.member_id);
  const bool known = member_it != sg.members.end();
  if (!known && !joining)
    return respond(std::move(done),
                   share_heartbeat_error(
                       error_code::unknown_member_id,
                       "Member " + request.member_id + " is not a member of group " + sg.id + "."));
  if (known && !joining && request.member_epoch != member_it->second.epoch &&
      request.member_epoch != member_it->second.previous_epoch)
    return respond(std::move(done),
                   share_heartbeat_error(error_code::fenced_member_epoch,
                                         "The share group member has a smaller member epoch (" +
                                             std::to_string(request.member_epoch) +
                                             ") than the one known by the group coordinator (" +
                                             std::to_string(member_it->second.epoch) + ")."));
  if (!known && sg.members.size() >= static_cast<size_t>(config_.share_max_size))
    return respond(std::move(done),
                   share_heartbeat_error(error_code::group_max_size_reached,
                                         "The share group has reached its maximum capacity of " +
                                             std::to_string(config_.share_max_size) + " members."));

  // (1) The member and its subscription.
  bool bump = !known;
  share_member& m = known ? member_it->second : sg.members[request.member_id];
  if (!known) m.id = request.member_id;
  if (request.rack_id) m.rack_id = request.rack_id;
  m.client_id = client.client_id;
  m.client_host = client.client_host;
  if (request.subscribed_topic_names) {
    std::vector<std::string> topics = *request.subscribed_topic_names;
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    if (topics != m.subscribed_topic_names) {
      sg.topics_seen.insert(topics.begin(), topics.end());
      m.subscribed_topic_names = std::move(topics);
      bump = true;
    }
  }
  // A topic created, deleted or grown since the last assignment changes the hash.
  std::map<std::string, topic_info> subscribed;
  for (const auto& [id, member] : sg.members)
    for (const auto& topic : member.subscribed_topic_names)
      if (auto info = hooks_.topic_lookup ? hooks_.topic_lookup(topic) : std::nullopt)
        subscribed.emplace(topic, *info);
  const int64_t hash = metadata_hash(subscribed);
  if (hash != sg.metadata_hash) {
    sg.metadata_hash = hash;
    bump = true;
  }
  if (bump) ++sg.epoch;

  // (2) The target assignment.
  if (sg.assignment_epoch < sg.epoch) compute_share_assignment(sg, subscribed);

  // (3) The member moves to its target.
  heartbeat_response out;
  out.member_id = m.id;
  const partition_assignment& target = sg.target[m.id];
  const bool changed = m.epoch != sg.assignment_epoch || m.assigned != target;
  if (m.epoch != sg.assignment_epoch) {
    m.previous_epoch = m.epoch;
    m.epoch = sg.assignment_epoch;
  }
  m.assigned = target;
  out.member_epoch = m.epoch;
  out.heartbeat_interval_ms =
      config_.for_group(sg.id, "share.heartbeat.interval.ms", config_.share_heartbeat_interval_ms);
  if (joining || request.subscribed_topic_names || changed) {
    auto& assignment = out.assignment.emplace();
    for (const auto& [topic_id, partitions] : m.assigned) {
      auto& tp = assignment.topic_partitions.emplace_back();
      tp.topic_id = topic_id;
      tp.partitions.assign(partitions.begin(), partitions.end());
    }
  }
  if (!known)
    spdlog::info("group {}: share member {} joined (group epoch {})", sg.id, m.id, sg.epoch);
  arm_share_session(sg, m, now_ms);
  std::vector<log_record> records;
  share_changes(before, sg, created, now_ms, records);
  if (records.empty()) return respond(std::move(done), std::move(out));
  append(sg.partition, std::move(records),
         [this, done = std::move(done), out = std::move(out)](append_status s, int64_t) mutable {
           if (s != append_status::ok) out = share_heartbeat_error(store_error(s));
           respond(std::move(done), std::move(out));
         });
}

void coordinator_core::arm_share_session(share_group& sg, share_member& m, int64_t now_ms) {
  timers_.cancel(m.session_timer);
  m.session_timer =
      timers_.schedule(now_ms + config_.for_group(sg.id, "share.session.timeout.ms",
                                                  config_.share_session_timeout_ms),
                       timer_key{timer_kind::share_session, sg.id, m.id, sg.incarnation, 0});
}

void coordinator_core::after_share_load(int32_t partition, int64_t now_ms) {
  for (auto& [id, sg] : share_groups_) {
    if (sg.partition != partition) continue;
    for (auto& [member_id, m] : sg.members) arm_share_session(sg, m, now_ms);
  }
}

void coordinator_core::share_changes(const share_group& before, const share_group& after,
                                     bool created, int64_t now_ms,
                                     std::vector<log_record>& out) const {
  auto topic_state = [this](const std::string& name) -> std::optional<share_topic_state> {
    auto info = hooks_.topic_lookup ? hooks_.topic_lookup(name) : std::nullopt;
    if (!info) return std::nullopt;
    share_topic_state t{info->id, name, {}};
    for (int32_t p = 0; p < info->partitions; ++p) t.partitions.push_back(p);
    return t;
  };
  std::vector<share_record_body> bodies = share_records_between(before, after, now_ms, topic_state);
  const bool epoch_written = std::any_of(bodies.begin(), bodies.end(), [](const auto& b) {
    return std::holds_alternative<share_epoch_record>(b);
  });
  if (created && !epoch_written)  // a new group is always recorded, even with epoch 0
    bodies.insert(bodies.begin(),
                  share_epoch_record{.epoch = after.epoch, .metadata_hash = after.metadata_hash});
  for (auto& body : bodies)
    out.push_back(share_group_record(share_record{after.id, std::move(body)}, now_ms));
}

void coordinator_core::compute_share_assignment(share_group& sg,
                                                const std::map<std::string, topic_info>& topics) {
  std::map<std::string, protocol::uuid> ids;
  std::map<std::string, int32_t> counts;
  for (const auto& [name, info] : topics) {
    ids[name] = info.id;
    counts[name] = info.partitions;
  }
  sg.target = assign_share_partitions(sg.members, ids, counts);
  sg.assignment_epoch = sg.epoch;
}

void coordinator_core::remove_share_member(share_group& sg, const std::string& member_id,
                                           const char* why, int64_t now_ms) {
  auto it = sg.members.find(member_id);
  if (it == sg.members.end()) return;
  const share_group before = sg;
  timers_.cancel(it->second.session_timer);
  sg.members.erase(it);
  sg.target.erase(member_id);
  ++sg.epoch;
  spdlog::info("group {}: share member {} {} (group epoch {})", sg.id, member_id, why, sg.epoch);
  // The others learn their new assignment at their next heartbeat.
  std::map<std::string, topic_info> subscribed;
  for (const auto& [id, member] : sg.members)
    for (const auto& topic : member.subscribed_topic_names)
      if (auto info = hooks_.topic_lookup ? hooks_.topic_lookup(topic) : std::nullopt)
        subscribed.emplace(topic, *info);
  sg.metadata_hash = metadata_hash(subscribed);
  compute_share_assignment(sg, subscribed);
  std::vector<log_record> records;
  share_changes(before, sg, false, now_ms, records);
  append_and_forget(sg.partition, std::move(records));
}

void coordinator_core::on_share_timer(timer_id id, const timer_key& key, int64_t now_ms) {
  auto it = share_groups_.find(key.group);
  if (it == share_groups_.end() || it->second.incarnation != key.group_incarnation) return;
  auto member = it->second.members.find(key.member);
  if (member == it->second.members.end() || member->second.session_timer != id) return;
  member->second.session_timer = no_timer;
  remove_share_member(it->second, key.member, "timed out (no heartbeat within its session)",
                      now_ms);
}

void coordinator_core::share_group_describe(
    const protocol::share_group_describe_request& request, int16_t version,
    completion<protocol::share_group_describe_response> done) {
  (void)version;
  protocol::share_group_describe_response response;
  for (const auto& id : request.group_ids) {
    auto& d = response.groups.emplace_back();
    d.group_id = id;
    if (auto e = check_group(id, false)) {
      d.error_code = code(*e);
      continue;
    }
    auto it = share_groups_.find(id);
    if (it == share_groups_.end()) {
      d.error_code = code(error_code::group_id_not_found);
      d.error_message = groups_.contains(id) ? "Group " + id + " is not a share group."
                                             : "Group " + id + " not found.";
      continue;
    }
    const share_group& sg = it->second;
    d.group_state = std::string(sg.state());
    d.group_epoch = sg.epoch;
    d.assignment_epoch = sg.assignment_epoch;
    d.assignor_name = std::string(share_assignor_name);
    for (const auto& [member_id, m] : sg.members) {
      auto& out = d.members.emplace_back();
      out.member_id = member_id;
      out.rack_id = m.rack_id;
      out.member_epoch = m.epoch;
      out.client_id = m.client_id;
      out.client_host = m.client_host;
      out.subscribed_topic_names = m.subscribed_topic_names;
      for (const auto& [topic_id, partitions] : m.assigned) {
        auto& tp = out.assignment.topic_partitions.emplace_back();
        tp.topic_id = topic_id;
        if (hooks_.topic_name)
          if (auto name = hooks_.topic_name(topic_id)) tp.topic_name = *name;
        tp.partitions.assign(partitions.begin(), partitions.end());
      }
    }
  }
  respond(std::move(done), std::move(response));
}

sluice::result<std::set<std::string>, error_code> coordinator_core::share_group_topics(
    const std::string& group_id) const {
  if (auto e = check_group(group_id, false)) return *e;
  auto it = share_groups_.find(group_id);
  if (it == share_groups_.end()) return error_code::group_id_not_found;
  return it->second.topics_seen;
}

std::map<std::string, share_group>::iterator coordinator_core::create_share_group(
    const std::string& group_id) {
  share_group fresh;
  fresh.id = group_id;
  fresh.partition = partition_for(group_id);
  fresh.incarnation = next_incarnation_++;
  return share_groups_.emplace(group_id, std::move(fresh)).first;
}

std::optional<error_code> coordinator_core::prepare_share_offsets_change(
    const std::string& group_id, bool create, const std::set<std::string>& topics, int64_t now_ms) {
  if (auto e = check_group(group_id, false)) return e;
  if (groups_.contains(group_id)) return error_code::group_id_not_found;
  auto it = share_groups_.find(group_id);
  const bool created = it == share_groups_.end();
  if (created) {
    if (!create) return error_code::group_id_not_found;
    it = create_share_group(group_id);
  }
  if (!it->second.members.empty()) return error_code::non_empty_group;
  const share_group before = it->second;
  it->second.topics_seen.insert(topics.begin(), topics.end());
  std::vector<log_record> records;
  share_changes(before, it->second, created, now_ms, records);
  append_and_forget(it->second.partition, std::move(records));
  return std::nullopt;
}

void coordinator_core::drop_share_groups(int32_t partition) {
  for (auto it = share_groups_.begin(); it != share_groups_.end();) {
    if (it->second.partition != partition) {
      ++it;
      continue;
    }
    for (auto& [id, m] : it->second.members) timers_.cancel(m.session_timer);
    it = share_groups_.erase(it);
  }
}

}  // namespace sluice::coordinator
