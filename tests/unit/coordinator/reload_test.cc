// Moving the coordinator: replaying __consumer_offsets reproduces groups and offsets, requests
// wait while a partition loads, and unloading answers whatever was parked.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

// Everything a reload must reproduce about a group.
void expect_same_group(const group& a, const group& b) {
  SCOPED_TRACE(a.id());
  EXPECT_EQ(a.state(), b.state());
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.protocol_type, b.protocol_type);
  EXPECT_EQ(a.protocol_name, b.protocol_name);
  EXPECT_EQ(a.leader_id, b.leader_id);
  EXPECT_EQ(a.offsets, b.offsets);
  if (a.is(group_state::empty) && a.protocol_type) {  // simple groups keep no state time
    EXPECT_EQ(a.state_timestamp(), b.state_timestamp());
  }
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, m] : a.members()) {
    const member* other = b.members().contains(id) ? &b.members().at(id) : nullptr;
    ASSERT_NE(other, nullptr) << id;
    EXPECT_EQ(m.instance_id, other->instance_id);
    EXPECT_EQ(m.client_id, other->client_id);
    EXPECT_EQ(m.client_host, other->client_host);
    EXPECT_EQ(m.session_timeout_ms, other->session_timeout_ms);
    EXPECT_EQ(m.rebalance_timeout_ms, other->rebalance_timeout_ms);
    EXPECT_EQ(m.assignment, other->assignment);
    ASSERT_TRUE(a.protocol_name);
    ASSERT_NE(other->metadata_for(*a.protocol_name), nullptr);
    EXPECT_EQ(*m.metadata_for(*a.protocol_name), *other->metadata_for(*a.protocol_name));
  }
}

TEST(reload, replaying_the_log_reproduces_groups_and_offsets) {
  auto config = test_config();
  config.offsets_retention_ms = 100'000;
  config.offsets_retention_check_interval_ms = 10'000;
  harness h(config);
  // A stable group with a dynamic and a static member, and offsets.
  join_options dynamic;
  dynamic.version = 3;
  join_options fixed;
  fixed.instance_id = "static-1";
  fixed.client_id = "svc";
  fixed.session_timeout_ms = 20'000;
  auto ja = h.join("stable", "", dynamic);
  auto jb = h.join("stable", "", fixed);
  h.advance(0);
  h.sync("stable", ja->member_id, 1, {{ja->member_id, {1}}, {jb->member_id, {2}}});
  h.commit("stable", ja->member_id, 1, {{"t", 0, 10}, {"t", 1, 11}});
  h.commit("stable", ja->member_id, 1, {{"t", 0, 12}});  // a later commit wins
  // A simple group, a group emptied by its last member leaving, and a deleted group.
  h.commit("simple", "", -1, {{"u", 0, 5}});
  auto e = h.make_stable("emptied", 1);
  h.commit("emptied", e.members[0], e.generation, {{"v", 0, 1}});
  h.leave("emptied", e.members[0]);
  h.commit("deleted", "", -1, {{"w", 0, 1}});
  protocol::delete_groups_request del;
  del.groups_names = {"deleted"};
  reply<protocol::delete_groups_response> deleted;
  h.core.delete_groups(del, 2, h.now, deleted.sink());
  h.drain();
  // A static member restart (its new id is in the log).
  auto restarted = h.join("stable", "", fixed);
  ASSERT_EQ(restarted->error_code, 0);

  harness h2(config, {}, /*load_all=*/false);
  h2.now = h.now;
  h2.log = h.log;
  for (int32_t p = 0; p < config.offsets_topic_partitions; ++p) h2.load(p);

  for (const char* id : {"stable", "simple", "emptied"}) {
    const group* a = h.core.find_group(id);
    const group* b = h2.core.find_group(id);
    ASSERT_NE(a, nullptr) << id;
    ASSERT_NE(b, nullptr) << id;
    expect_same_group(*a, *b);
  }
  EXPECT_EQ(h2.core.find_group("deleted"), nullptr);
  EXPECT_EQ(h2.core.group_count(), 3u);
  EXPECT_EQ(h2.committed("stable", "t", 0), 12);
  EXPECT_TRUE(h2.core.find_group("stable")->has(restarted->member_id));

  // The loaded members carry on in their generation; silent ones time out.
  for (int i = 0; i < 3; ++i) {
    h2.advance(5'000);
    EXPECT_EQ(h2.heartbeat("stable", ja->member_id, 1)->error_code, 0);
  }
  EXPECT_EQ(h2.core.find_group("stable")->state(), group_state::stable);
  h2.advance(5'000);  // the static member's 20 s session is over
  EXPECT_EQ(h2.core.find_group("stable")->state(), group_state::preparing_rebalance);
  EXPECT_FALSE(h2.core.find_group("stable")->has(restarted->member_id));
}

TEST(reload, requests_wait_while_the_partition_loads) {
  harness h;
  h.commit("g", "", -1, {{"t", 0, 1}});
  harness h2(test_config(), {}, false);
  h2.log = h.log;
  int32_t p = h2.partition_of("g");
  h2.core.begin_load(p, 1);
  for (const auto& r : h2.log[p]) ASSERT_TRUE(h2.core.replay(p, 1, r).ok());
  EXPECT_TRUE(h2.core.is_loading(p));
  EXPECT_EQ(h2.commit("g", "", -1, {{"t", 0, 2}})->topics[0].partitions[0].error_code,
            ec(error_code::coordinator_load_in_progress));
  EXPECT_EQ(h2.fetch("g", std::nullopt, 7)->error_code,
            ec(error_code::coordinator_load_in_progress));
  h2.core.finish_load(p, 1, true, h2.now);
  EXPECT_EQ(h2.committed("g", "t", 0), 1);
}

TEST(reload, unloading_answers_parked_requests_and_in_flight_commits) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto parked = h.join("g", g.members[0], join_options{.version = 3});
  EXPECT_FALSE(parked.done());
  h.auto_complete = false;
  auto c = h.commit("g", g.members[1], g.generation, {{"t", 0, 9}});
  EXPECT_FALSE(c.done());
  int32_t p = h.partition_of("g");
  h.core.unload(p, std::nullopt);
  h.drain();
  ASSERT_TRUE(parked.done());
  EXPECT_EQ(parked->error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(h.core.find_group("g"), nullptr);
  EXPECT_EQ(h.join("g", "")->error_code, ec(error_code::not_coordinator));
  // The log still reports the write as done, but it belonged to the lost leadership.
  h.complete_held(append_status::ok);
  EXPECT_EQ(c->topics[0].partitions[0].error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(*c.calls, 1);
}

TEST(reload, epochs_order_elections_and_resignations) {
  harness h(test_config(), {}, false);
  h.core.begin_load(0, 2);
  h.core.begin_load(0, 1);  // stale: ignored
  h.core.finish_load(0, 1, true, h.now);
  EXPECT_TRUE(h.core.is_loading(0));
  h.core.finish_load(0, 2, true, h.now);
  EXPECT_TRUE(h.core.owns(0));
  h.core.unload(0, 1);  // an older leadership resigning
  EXPECT_TRUE(h.core.owns(0));
  h.core.unload(0, 2);
  EXPECT_FALSE(h.core.owns(0));
  // A failed load leaves the partition unowned.
  h.core.begin_load(1, 0);
  h.core.finish_load(1, 0, false, h.now);
  EXPECT_FALSE(h.core.owns(1));
  EXPECT_FALSE(h.core.is_loading(1));
}

TEST(reload, offsets_after_a_group_tombstone_make_a_simple_group) {
  harness h(test_config(), {}, false);
  int32_t p = h.partition_of("g");
  protocol::group_metadata_value v;
  v.protocol_type = "consumer";
  v.generation = 4;
  h.log[p].push_back(group_metadata_record("g", v, 0));
  h.log[p].push_back(group_metadata_tombstone("g", 0));
  committed_offset c;
  c.offset = 3;
  h.log[p].push_back(offset_commit_record("g", topic_partition{"t", 0}, c, 0));
  // A record type this coordinator does not keep (KIP-848 partition metadata) is ignored.
  h.log[p].push_back(log_record{{0x00, 0x04, 0x00, 0x01, 'x'}, protocol::bytes{0x00, 0x00}, 0});
  // A group that only ever had a tombstoned offset disappears.
  h.log[p].push_back(offset_commit_record("h-gone", topic_partition{"t", 0}, c, 0));
  h.log[p].push_back(offset_commit_tombstone("h-gone", topic_partition{"t", 0}, 0));
  if (h.partition_of("h-gone") != p) h.log[p].resize(h.log[p].size() - 2);
  h.load(p);
  const group* g = h.core.find_group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->generation, 0);
  EXPECT_EQ(g->protocol_type, std::nullopt);
  EXPECT_EQ(h.committed("g", "t", 0), 3);
  EXPECT_EQ(h.core.find_group("h-gone"), nullptr);
}

TEST(reload, records_of_another_partition_are_skipped) {
  harness h(test_config(), {}, false);
  int32_t p = h.partition_of("g");
  int32_t other = (p + 1) % test_config().offsets_topic_partitions;
  committed_offset c;
  h.log[other].push_back(offset_commit_record("g", topic_partition{"t", 0}, c, 0));
  h.load(other);
  EXPECT_EQ(h.core.find_group("g"), nullptr);
}

}  // namespace
}  // namespace sluice::coordinator::testing
