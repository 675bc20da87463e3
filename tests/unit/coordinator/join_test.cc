// JoinGroup: first joins, the v4+ two-step join, several members, the initial rebalance delay,
// protocol selection and the request-level errors.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

TEST(join, single_member_gets_generation_one_and_leads) {
  harness h;
  join_options o;
  o.version = 3;
  auto j = h.join("g", "", o);
  h.advance(0);  // the (zero) initial delay
  ASSERT_TRUE(j.done());
  EXPECT_EQ(j->error_code, 0);
  EXPECT_EQ(j->generation_id, 1);
  EXPECT_EQ(j->member_id, "client-u1");
  EXPECT_EQ(j->leader, "client-u1");
  EXPECT_EQ(j->protocol_name, "range");
  ASSERT_EQ(j->members.size(), 1u);
  EXPECT_EQ(j->members[0].member_id, "client-u1");
  EXPECT_EQ(j->members[0].metadata, (protocol::bytes{1, 2, 3}));
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::completing_rebalance);

  auto s = h.sync("g", "client-u1", 1, {{"client-u1", {9}}});
  ASSERT_TRUE(s.done());
  EXPECT_EQ(s->error_code, 0);
  EXPECT_EQ(s->assignment, (protocol::bytes{9}));
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::stable);
  // The assignment was written as the group's metadata record.
  ASSERT_EQ(h.log[h.partition_of("g")].size(), 1u);
}

TEST(join, v4_requires_a_member_id_first) {
  harness h;
  auto first = h.join("g", "");
  ASSERT_TRUE(first.done());
  EXPECT_EQ(first->error_code, ec(error_code::member_id_required));
  EXPECT_EQ(first->member_id, "client-u1");
  EXPECT_EQ(first->generation_id, -1);
  EXPECT_EQ(h.core.find_group("g")->size(), 0u);  // pending, not a member yet

  auto second = h.join("g", "client-u1");
  h.advance(0);
  ASSERT_TRUE(second.done());
  EXPECT_EQ(second->error_code, 0);
  EXPECT_EQ(second->member_id, "client-u1");
  EXPECT_EQ(second->generation_id, 1);
}

TEST(join, pending_member_that_never_returns_is_dropped_after_its_session_timeout) {
  harness h;
  auto a = h.make_stable("g", 1);
  // B asks for an id, then goes away; a rebalance (the leader rejoining) must not wait for it
  // beyond its session timeout.
  auto first = h.join("g", "");
  ASSERT_EQ(first->error_code, ec(error_code::member_id_required));
  auto rejoin = h.join("g", a.members[0], join_options{.version = 5});
  EXPECT_FALSE(rejoin.done());  // waits for the pending member
  h.advance(9'999);
  EXPECT_FALSE(rejoin.done());
  h.advance(1);
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->generation_id, 2);
  EXPECT_EQ(rejoin->members.size(), 1u);
}

TEST(join, several_members_share_a_generation_and_only_the_leader_sees_metadata) {
  harness h;
  join_options o;
  auto [a, ja] = h.join_new("g", o);
  o.client_id = "other";
  o.protocols = {{"range", {7}}};
  auto [b, jb] = h.join_new("g", o);
  h.advance(0);
  ASSERT_TRUE(ja.done());
  ASSERT_TRUE(jb.done());
  EXPECT_EQ(ja->generation_id, 1);
  EXPECT_EQ(jb->generation_id, 1);
  EXPECT_EQ(ja->leader, a);
  EXPECT_EQ(jb->leader, a);
  EXPECT_EQ(ja->members.size(), 2u);
  EXPECT_TRUE(jb->members.empty());
  EXPECT_EQ(b, "other-u2");

  // The follower's SyncGroup waits for the leader's.
  auto sb = h.sync("g", b, 1);
  EXPECT_FALSE(sb.done());
  auto sa = h.sync("g", a, 1, {{a, {1}}, {b, {2}}});
  ASSERT_TRUE(sa.done());
  ASSERT_TRUE(sb.done());
  EXPECT_EQ(sa->assignment, (protocol::bytes{1}));
  EXPECT_EQ(sb->assignment, (protocol::bytes{2}));
  EXPECT_EQ(*sb.calls, 1);
}

TEST(join, initial_delay_waits_and_extends_while_members_arrive) {
  auto config = test_config();
  config.initial_rebalance_delay_ms = 3'000;
  harness h(config);
  join_options o;
  o.version = 3;
  auto a = h.join("g", "", o);
  h.advance(2'000);
  auto b = h.join("g", "", o);  // arrives during the delay: the wait is extended once more
  h.advance(1'000);
  EXPECT_FALSE(a.done());
  h.advance(2'999);
  EXPECT_FALSE(a.done());
  h.advance(1);
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a->generation_id, 1);
  EXPECT_EQ(a->members.size(), 2u);
}

TEST(join, initial_delay_is_not_cut_short_when_everyone_is_there) {
  auto config = test_config();
  config.initial_rebalance_delay_ms = 3'000;
  harness h(config);
  auto a = h.join("g", "", join_options{.version = 3});
  h.advance(2'999);
  EXPECT_FALSE(a.done());
  h.advance(1);
  EXPECT_TRUE(a.done());
}

TEST(join, new_member_triggers_a_rebalance_that_completes_when_all_rejoin) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto c = h.join("g", "", join_options{.version = 3});
  EXPECT_FALSE(c.done());
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::preparing_rebalance);
  EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation)->error_code,
            ec(error_code::rebalance_in_progress));
  auto ra = h.join("g", g.members[0], join_options{.version = 3});
  EXPECT_FALSE(ra.done());
  auto rb = h.join("g", g.members[1], join_options{.version = 3});
  // Everyone is back: no need to wait for the rebalance timeout.
  ASSERT_TRUE(ra.done());
  ASSERT_TRUE(rb.done());
  ASSERT_TRUE(c.done());
  EXPECT_EQ(ra->generation_id, 2);
  EXPECT_EQ(c->generation_id, 2);
  EXPECT_EQ(ra->members.size(), 3u);
}

TEST(join, members_that_do_not_rejoin_are_removed_at_the_rebalance_timeout) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto ra = h.join("g", g.members[0], join_options{.version = 3});  // the leader forces a rebalance
  EXPECT_FALSE(ra.done());
  // The follower stays alive (heartbeats) but never rejoins.
  for (int i = 0; i < 5; ++i) {
    h.advance(5'000);
    EXPECT_EQ(h.heartbeat("g", g.members[1], g.generation)->error_code,
              ec(error_code::rebalance_in_progress));
  }
  h.advance(4'999);
  EXPECT_FALSE(ra.done());
  h.advance(1);
  ASSERT_TRUE(ra.done());
  EXPECT_EQ(ra->generation_id, 2);
  ASSERT_EQ(ra->members.size(), 1u);
  EXPECT_FALSE(h.core.find_group("g")->has(g.members[1]));
  EXPECT_EQ(h.heartbeat("g", g.members[1], g.generation)->error_code,
            ec(error_code::unknown_member_id));
}

TEST(join, follower_rejoining_unchanged_gets_the_current_generation) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto again = h.join("g", g.members[1], join_options{.version = 3});
  ASSERT_TRUE(again.done());
  EXPECT_EQ(again->generation_id, g.generation);
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::stable);
}

TEST(join, protocol_is_the_one_every_member_supports_with_most_votes) {
  harness h;
  join_options a;
  a.version = 3;
  a.protocols = {{"roundrobin", {1}}, {"range", {2}}};
  join_options b = a;
  b.protocols = {{"range", {3}}, {"roundrobin", {4}}};
  join_options c = a;
  c.protocols = {{"range", {5}}, {"sticky", {6}}};
  auto ja = h.join("g", "", a);
  h.join("g", "", b);
  h.join("g", "", c);
  h.advance(0);
  ASSERT_TRUE(ja.done());
  EXPECT_EQ(ja->protocol_name, "range");  // the only one all three support
  // The leader sees each member's metadata for the chosen protocol.
  ASSERT_EQ(ja->members.size(), 3u);
  EXPECT_EQ(ja->members[0].metadata, (protocol::bytes{2}));

  harness h2;
  a.protocols = {{"roundrobin", {1}}, {"range", {2}}};
  b.protocols = {{"roundrobin", {3}}, {"range", {4}}};
  c.protocols = {{"range", {5}}, {"roundrobin", {6}}};
  auto j2 = h2.join("g", "", a);
  h2.join("g", "", b);
  h2.join("g", "", c);
  h2.advance(0);
  EXPECT_EQ(j2->protocol_name, "roundrobin");  // two votes to one
}

TEST(join, inconsistent_protocols_are_refused) {
  harness h;
  auto g = h.make_stable("g", 1);
  join_options other;
  other.version = 3;
  other.protocols = {{"sticky", {1}}};
  EXPECT_EQ(h.join("g", "", other)->error_code, ec(error_code::inconsistent_group_protocol));
  other.protocols = {{"range", {1}}};
  other.protocol_type = "connect";
  EXPECT_EQ(h.join("g", "", other)->error_code, ec(error_code::inconsistent_group_protocol));
  other.protocols = {};
  other.protocol_type = "consumer";
  EXPECT_EQ(h.join("empty-protocols", "", other)->error_code,
            ec(error_code::inconsistent_group_protocol));
}

TEST(join, request_level_errors) {
  harness h;
  join_options o;
  o.session_timeout_ms = 999;
  EXPECT_EQ(h.join("g", "", o)->error_code, ec(error_code::invalid_session_timeout));
  o.session_timeout_ms = 60'001;
  EXPECT_EQ(h.join("g", "", o)->error_code, ec(error_code::invalid_session_timeout));
  EXPECT_EQ(h.join("", "")->error_code, ec(error_code::invalid_group_id));
  // A known member id for a group that does not exist.
  EXPECT_EQ(h.join("nope", "client-u9")->error_code, ec(error_code::unknown_member_id));
  auto g = h.make_stable("g", 1);
  EXPECT_EQ(h.join("g", "client-u9")->error_code, ec(error_code::unknown_member_id));
  // v0-v6 cannot carry a null protocol name: "" stands in.
  auto old = h.join("g", "client-u9", join_options{.version = 2});
  EXPECT_EQ(old->protocol_name, "");
  auto v7 = h.join("g", "client-u9", join_options{.version = 7});
  EXPECT_EQ(v7->protocol_name, std::nullopt);
}

TEST(join, coordinator_status_errors) {
  harness h(test_config(), {}, /*load_all=*/false);
  EXPECT_EQ(h.join("g", "")->error_code, ec(error_code::not_coordinator));
  h.core.begin_load(h.partition_of("g"), 0);
  EXPECT_EQ(h.join("g", "")->error_code, ec(error_code::coordinator_load_in_progress));
  // While loading, a heartbeat is answered blindly and a sync is told to rejoin.
  EXPECT_EQ(h.heartbeat("g", "m", 1)->error_code, 0);
  EXPECT_EQ(h.sync("g", "m", 1)->error_code, ec(error_code::rebalance_in_progress));
  h.core.finish_load(h.partition_of("g"), 0, true, h.now);
  EXPECT_EQ(h.join("g", "")->error_code, ec(error_code::member_id_required));
  h.core.stop(h.now);
  EXPECT_EQ(h.join("g", "")->error_code, ec(error_code::coordinator_not_available));
}

TEST(join, group_max_size_is_enforced) {
  auto config = test_config();
  config.max_group_size = 2;
  harness h(config);
  auto g = h.make_stable("g", 2);
  auto third = h.join("g", "", join_options{.version = 3});
  ASSERT_TRUE(third.done());
  EXPECT_EQ(third->error_code, ec(error_code::group_max_size_reached));
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::stable);
}

TEST(join, v0_uses_the_session_timeout_as_rebalance_timeout) {
  harness h;
  join_options o;
  o.version = 0;
  o.session_timeout_ms = 5'000;
  auto a = h.join("g", "", o);
  h.advance(0);
  ASSERT_TRUE(a.done());
  h.sync("g", a->member_id, 1, {{a->member_id, {}}});
  h.join("g", "", o);  // a second member: rebalance with a 5 s timeout
  auto ra = h.join("g", a->member_id, o);
  // The newcomer is already waiting, the leader rejoined: complete at once.
  EXPECT_TRUE(ra.done());
}

TEST(join, rejoin_while_waiting_answers_the_earlier_request) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto first = h.join("g", g.members[0], join_options{.version = 3});
  EXPECT_FALSE(first.done());
  auto second = h.join("g", g.members[0], join_options{.version = 3});
  ASSERT_TRUE(first.done());
  EXPECT_EQ(first->error_code, ec(error_code::rebalance_in_progress));
  EXPECT_FALSE(second.done());
  h.join("g", g.members[1], join_options{.version = 3});
  ASSERT_TRUE(second.done());
  EXPECT_EQ(second->error_code, 0);
  EXPECT_EQ(*first.calls, 1);
}

}  // namespace
}  // namespace sluice::coordinator::testing
