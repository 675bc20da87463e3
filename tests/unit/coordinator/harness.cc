#include "harness.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::coordinator::testing {

protocol::bytes subscription(const std::vector<std::string>& topics) {
  protocol::consumer_protocol_subscription s;
  s.topics = topics;
  return encode_versioned(s, 0);
}

namespace {

// The coordinator logs each rebalance at info; keep test output to what matters.
const bool quiet_logs = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

coordinator_hooks with_counter_uuids(coordinator_hooks hooks) {
  if (!hooks.new_uuid) {
    hooks.new_uuid = [n = std::make_shared<int>(0)] { return "u" + std::to_string(++*n); };
  }
  return hooks;
}

}  // namespace

harness::harness(coordinator_config config, coordinator_hooks hooks, bool load_all)
    : core(config, with_counter_uuids(std::move(hooks))) {
  core.start(now);
  if (load_all) {
    for (int32_t p = 0; p < config.offsets_topic_partitions; ++p) load(p);
  }
}

void harness::load(int32_t partition, int32_t epoch) {
  core.begin_load(partition, epoch);
  for (const auto& r : log[partition]) EXPECT_TRUE(core.replay(partition, epoch, r).ok());
  core.finish_load(partition, epoch, true, now);
  drain();
}

void harness::drain() {
  for (;;) {
    auto ready = core.take_ready();
    auto appends = core.take_appends();
    if (ready.empty() && appends.empty()) return;
    for (auto& t : ready) t();
    for (auto& a : appends) {
      if (!auto_complete) {
        held.push_back(std::move(a));
        continue;
      }
      auto& out = log[a.partition];
      out.insert(out.end(), a.records.begin(), a.records.end());
      core.append_done(a.id, append_status::ok, now);
    }
  }
}

void harness::complete_held(append_status status) {
  auto appends = std::exchange(held, {});
  for (auto& a : appends) {
    if (status == append_status::ok) {
      auto& out = log[a.partition];
      out.insert(out.end(), a.records.begin(), a.records.end());
    }
    core.append_done(a.id, status, now);
  }
  drain();
}

void harness::advance(int64_t ms) {
  now += ms;
  core.on_timer(now);
  drain();
}

reply<protocol::join_group_response> harness::join(const std::string& group,
                                                   const std::string& member,
                                                   const join_options& o) {
  protocol::join_group_request r;
  r.group_id = group;
  r.session_timeout_ms = o.session_timeout_ms;
  r.rebalance_timeout_ms = o.version == 0 ? -1 : o.rebalance_timeout_ms;
  r.member_id = member;
  r.group_instance_id = o.instance_id;
  r.protocol_type = o.protocol_type;
  for (const auto& [name, metadata] : o.protocols) r.protocols.push_back({name, metadata, {}});
  reply<protocol::join_group_response> out;
  core.join_group(std::move(r), o.version, client_info{o.client_id, "/127.0.0.1"}, now, out.sink());
  drain();
  return out;
}

std::pair<std::string, reply<protocol::join_group_response>> harness::join_new(
    const std::string& group, const join_options& o) {
  auto first = join(group, "", o);
  EXPECT_TRUE(first.done());
  EXPECT_EQ(first->error_code, ec(error_code::member_id_required));
  std::string id = first->member_id;
  return {id, join(group, id, o)};
}

reply<protocol::sync_group_response> harness::sync(
    const std::string& group, const std::string& member, int32_t generation,
    std::vector<std::pair<std::string, protocol::bytes>> assignments, int16_t version,
    std::optional<std::string> instance_id) {
  protocol::sync_group_request r;
  r.group_id = group;
  r.generation_id = generation;
  r.member_id = member;
  r.group_instance_id = std::move(instance_id);
  if (version >= 5) {
    r.protocol_type = "consumer";
    r.protocol_name = "range";
  }
  for (auto& [id, bytes] : assignments) r.assignments.push_back({id, bytes, {}});
  reply<protocol::sync_group_response> out;
  core.sync_group(std::move(r), version, now, out.sink());
  drain();
  return out;
}

reply<protocol::heartbeat_response> harness::heartbeat(const std::string& group,
                                                       const std::string& member,
                                                       int32_t generation, int16_t version,
                                                       std::optional<std::string> instance_id) {
  protocol::heartbeat_request r;
  r.group_id = group;
  r.generation_id = generation;
  r.member_id = member;
  r.group_instance_id = std::move(instance_id);
  reply<protocol::heartbeat_response> out;
  core.heartbeat(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::leave_group_response> harness::leave(const std::string& group,
                                                     const std::string& member, int16_t version) {
  protocol::leave_group_request r;
  r.group_id = group;
  r.member_id = member;
  reply<protocol::leave_group_response> out;
  core.leave_group(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::leave_group_response> harness::leave_batch(
    const std::string& group,
    std::vector<std::pair<std::string, std::optional<std::string>>> members, int16_t version) {
  protocol::leave_group_request r;
  r.group_id = group;
  for (auto& [id, instance] : members) r.members.push_back({id, instance, std::nullopt, {}});
  reply<protocol::leave_group_response> out;
  core.leave_group(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::offset_commit_response> harness::commit(
    const std::string& group, const std::string& member, int32_t generation,
    std::vector<std::tuple<std::string, int32_t, int64_t>> offsets, int16_t version,
    std::optional<std::string> instance_id, std::string metadata) {
  protocol::offset_commit_request r;
  r.group_id = group;
  r.generation_id_or_member_epoch = generation;
  r.member_id = member;
  r.group_instance_id = std::move(instance_id);
  for (auto& [topic, partition, offset] : offsets) {
    auto it = std::find_if(r.topics.begin(), r.topics.end(),
                           [&](const auto& t) { return t.name == topic; });
    if (it == r.topics.end()) {
      r.topics.emplace_back();
      it = std::prev(r.topics.end());
      it->name = topic;
    }
    auto& p = it->partitions.emplace_back();
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = metadata;
  }
  reply<protocol::offset_commit_response> out;
  core.offset_commit(r, version, now, out.sink());
  drain();
  return out;
}

reply<protocol::offset_fetch_response> harness::fetch(
    const std::string& group,
    std::optional<std::vector<std::pair<std::string, std::vector<int32_t>>>> topics,
    int16_t version, bool require_stable) {
  protocol::offset_fetch_request r;
  r.require_stable = require_stable;
  if (version < 8) {
    r.group_id = group;
    if (topics) {
      r.topics.emplace();
      for (auto& [name, partitions] : *topics) r.topics->push_back({name, partitions, {}});
    } else {
      r.topics.reset();
    }
  } else {
    auto& g = r.groups.emplace_back();
    g.group_id = group;
    if (topics) {
      g.topics.emplace();
      for (auto& [name, partitions] : *topics)
        g.topics->push_back({.name = name, .partition_indexes = partitions});
    } else {
      g.topics.reset();
    }
  }
  reply<protocol::offset_fetch_response> out;
  core.offset_fetch(r, version, out.sink());
  drain();
  return out;
}

int64_t harness::committed(const std::string& group, const std::string& topic, int32_t partition) {
  auto r =
      fetch(group, std::vector<std::pair<std::string, std::vector<int32_t>>>{{topic, {partition}}});
  EXPECT_EQ(r->error_code, 0);
  EXPECT_EQ(r->topics.size(), 1u);
  if (r->topics.size() != 1 || r->topics[0].partitions.size() != 1) return -2;
  return r->topics[0].partitions[0].committed_offset;
}

harness::stable_group harness::make_stable(const std::string& group, size_t count,
                                           const join_options& o) {
  join_options opts = o;
  if (opts.version >= 4 && !opts.instance_id) opts.version = 3;
  std::vector<reply<protocol::join_group_response>> joins;
  for (size_t i = 0; i < count; ++i) joins.push_back(join(group, "", opts));
  int64_t delay = core.config().initial_rebalance_delay_ms;
  advance(delay);
  for (int i = 0; i < 20 && !joins.back().done(); ++i) advance(std::max<int64_t>(delay, 1));
  stable_group out;
  for (auto& j : joins) {
    EXPECT_TRUE(j.done());
    if (!j.done()) return out;
    EXPECT_EQ(j->error_code, 0);
    out.members.push_back(j->member_id);
    out.generation = j->generation_id;
  }
  std::vector<std::pair<std::string, protocol::bytes>> assignment;
  for (size_t i = 0; i < count; ++i) {
    assignment.emplace_back(out.members[i], protocol::bytes{static_cast<uint8_t>('a' + i)});
  }
  EXPECT_EQ(joins[0]->leader, out.members[0]);
  auto leader_sync = sync(group, out.members[0], out.generation, assignment);
  EXPECT_TRUE(leader_sync.done());
  for (size_t i = 1; i < count; ++i) {
    auto s = sync(group, out.members[i], out.generation);
    EXPECT_TRUE(s.done());
  }
  return out;
}

}  // namespace sluice::coordinator::testing
