// Static membership (group.instance.id, JoinGroup v5+): a restart without a rebalance, fencing of
// the old member id, and static members across rebalances.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

join_options static_opts(const std::string& instance, int16_t version = 5) {
  join_options o;
  o.version = version;
  o.instance_id = instance;
  return o;
}

// A stable group of two static members, "a" (the leader) and "b".
struct static_pair {
  std::string a, b;
  int32_t generation = 0;
};

static_pair make_static_pair(harness& h) {
  auto ja = h.join("g", "", static_opts("a"));
  auto jb = h.join("g", "", static_opts("b"));
  h.advance(0);
  static_pair out{ja->member_id, jb->member_id, ja->generation_id};
  EXPECT_EQ(out.a, "a-u1");  // static member ids start with the instance id
  EXPECT_EQ(ja->leader, out.a);
  h.sync("g", out.a, out.generation, {{out.a, {'A'}}, {out.b, {'B'}}});
  h.sync("g", out.b, out.generation);
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::stable);
  return out;
}

TEST(static_member, restart_rejoins_without_a_rebalance_and_keeps_its_assignment) {
  harness h;
  auto g = make_static_pair(h);
  size_t records = h.log[h.partition_of("g")].size();
  // "b" restarts: it has no member id any more, only its instance id.
  auto rejoin = h.join("g", "", static_opts("b"));
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->error_code, 0);
  EXPECT_NE(rejoin->member_id, g.b);
  EXPECT_EQ(rejoin->generation_id, g.generation);  // same generation: no rebalance
  EXPECT_EQ(rejoin->leader, g.a);
  EXPECT_TRUE(rejoin->members.empty());
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::stable);
  // The new member id was persisted.
  EXPECT_EQ(h.log[h.partition_of("g")].size(), records + 1);

  auto s = h.sync("g", rejoin->member_id, g.generation, {}, 3, "b");
  EXPECT_EQ(s->error_code, 0);
  EXPECT_EQ(s->assignment, (protocol::bytes{'B'}));
  // The other member never noticed.
  EXPECT_EQ(h.heartbeat("g", g.a, g.generation, 3, "a")->error_code, 0);
}

TEST(static_member, the_old_member_id_is_fenced) {
  harness h;
  auto g = make_static_pair(h);
  auto rejoin = h.join("g", "", static_opts("b"));
  ASSERT_EQ(rejoin->error_code, 0);
  EXPECT_EQ(h.heartbeat("g", g.b, g.generation, 3, "b")->error_code,
            ec(error_code::fenced_instance_id));
  EXPECT_EQ(h.sync("g", g.b, g.generation, {}, 3, "b")->error_code,
            ec(error_code::fenced_instance_id));
  EXPECT_EQ(
      h.commit("g", g.b, g.generation, {{"t", 0, 5}}, 7, "b")->topics[0].partitions[0].error_code,
      ec(error_code::fenced_instance_id));
  EXPECT_EQ(h.join("g", g.b, static_opts("b"))->error_code, ec(error_code::fenced_instance_id));
  // Unknown instance ids are unknown members.
  EXPECT_EQ(h.heartbeat("g", g.b, g.generation, 3, "zz")->error_code,
            ec(error_code::unknown_member_id));
}

TEST(static_member, a_restarted_leader_is_not_told_it_leads_before_v9) {
  harness h;
  auto g = make_static_pair(h);
  auto rejoin = h.join("g", "", static_opts("a"));
  ASSERT_EQ(rejoin->error_code, 0);
  EXPECT_EQ(rejoin->leader, g.a);  // the previous id: not the new one, so it will not assign
  EXPECT_FALSE(rejoin->skip_assignment);
  EXPECT_TRUE(h.core.find_group("g")->is_leader(rejoin->member_id));
}

TEST(static_member, a_restarted_leader_skips_the_assignment_from_v9) {
  harness h;
  auto g = make_static_pair(h);
  auto rejoin = h.join("g", "", static_opts("a", 9));
  ASSERT_EQ(rejoin->error_code, 0);
  EXPECT_EQ(rejoin->leader, rejoin->member_id);
  EXPECT_TRUE(rejoin->skip_assignment);
  EXPECT_EQ(rejoin->members.size(), 2u);
  EXPECT_EQ(rejoin->generation_id, g.generation);
}

TEST(static_member, a_failed_write_restores_the_old_member_id) {
  harness h;
  auto g = make_static_pair(h);
  h.auto_complete = false;
  auto rejoin = h.join("g", "", static_opts("b"));
  EXPECT_FALSE(rejoin.done());
  h.complete_held(append_status::unavailable);
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->error_code, ec(error_code::coordinator_not_available));
  EXPECT_EQ(rejoin->member_id, "");
  EXPECT_TRUE(h.core.find_group("g")->has(g.b));
  EXPECT_EQ(h.heartbeat("g", g.b, g.generation, 3, "b")->error_code, 0);
}

TEST(static_member, changing_the_protocol_on_restart_rebalances) {
  harness h;
  auto g = make_static_pair(h);
  join_options o = static_opts("b");
  o.protocols = {{"roundrobin", {1}}, {"range", {2}}};
  auto rejoin = h.join("g", "", o);
  // Still "range" (a prefers it and it is the only common one): no rebalance.
  EXPECT_TRUE(rejoin.done());
  harness h2;
  join_options a = static_opts("a");
  a.protocols = {{"roundrobin", {1}}, {"range", {2}}};
  join_options b = static_opts("b");
  b.protocols = {{"range", {3}}};
  auto ja = h2.join("g", "", a);
  auto jb = h2.join("g", "", b);
  h2.advance(0);
  ASSERT_EQ(ja->protocol_name, "range");
  h2.sync("g", ja->member_id, 1, {});
  // b comes back supporting roundrobin first: now roundrobin would win the vote.
  b.protocols = {{"roundrobin", {4}}, {"range", {3}}};
  auto rejoin2 = h2.join("g", "", b);
  EXPECT_FALSE(rejoin2.done());
  EXPECT_EQ(h2.core.find_group("g")->state(), group_state::preparing_rebalance);
}

TEST(static_member, static_members_that_do_not_rejoin_stay_until_their_session_ends) {
  harness h;
  auto g = make_static_pair(h);
  auto ra = h.join("g", g.a, static_opts("a"));  // the leader rejoins; "b" does not
  EXPECT_FALSE(ra.done());
  h.advance(9'999);
  EXPECT_FALSE(ra.done());
  EXPECT_TRUE(h.core.find_group("g")->has(g.b));
  h.advance(1);  // b's session ends: it is removed, and everyone left has rejoined
  ASSERT_TRUE(ra.done());
  EXPECT_FALSE(h.core.find_group("g")->has(g.b));
  EXPECT_EQ(ra->members.size(), 1u);
}

TEST(static_member, a_duplicate_instance_waiting_in_a_rebalance_is_fenced) {
  harness h;
  auto g = make_static_pair(h);
  auto ra = h.join("g", g.a, static_opts("a"));  // parked in the rebalance
  EXPECT_FALSE(ra.done());
  auto dup = h.join("g", "", static_opts("a"));  // another process with the same instance id
  ASSERT_TRUE(ra.done());
  EXPECT_EQ(ra->error_code, ec(error_code::fenced_instance_id));
  EXPECT_FALSE(dup.done());  // it waits in the rebalance under the new id
  h.join("g", g.b, static_opts("b"));
  ASSERT_TRUE(dup.done());
  EXPECT_EQ(dup->error_code, 0);
  EXPECT_EQ(dup->generation_id, g.generation + 1);
}

TEST(static_member, admin_removal_by_instance_id) {
  harness h;
  auto g = make_static_pair(h);
  auto l = h.leave_batch("g", {{"", std::string("b")}, {"", std::string("zz")}});
  ASSERT_EQ(l->members.size(), 2u);
  EXPECT_EQ(l->members[0].error_code, 0);
  EXPECT_EQ(l->members[0].group_instance_id, "b");
  EXPECT_EQ(l->members[1].error_code, ec(error_code::unknown_member_id));
  EXPECT_FALSE(h.core.find_group("g")->has(g.b));
}

}  // namespace
}  // namespace sluice::coordinator::testing
