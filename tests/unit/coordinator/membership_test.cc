// SyncGroup, Heartbeat and LeaveGroup; session and sync timeouts.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

TEST(heartbeat, answers_by_membership_generation_and_state) {
  harness h;
  auto g = h.make_stable("g", 2);
  EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation)->error_code, 0);
  EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation - 1)->error_code,
            ec(error_code::illegal_generation));
  EXPECT_EQ(h.heartbeat("g", "stranger", g.generation)->error_code,
            ec(error_code::unknown_member_id));
  EXPECT_EQ(h.heartbeat("nope", g.members[0], g.generation)->error_code,
            ec(error_code::unknown_member_id));
  EXPECT_EQ(h.heartbeat("", g.members[0], g.generation)->error_code,
            ec(error_code::invalid_group_id));
}

TEST(session, heartbeats_keep_a_member_and_silence_removes_it) {
  harness h;
  auto g = h.make_stable("g", 2);
  for (int i = 0; i < 4; ++i) {
    h.advance(9'000);
    EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation)->error_code, 0);
    EXPECT_EQ(h.heartbeat("g", g.members[1], g.generation)->error_code, 0);
  }
  // members[1] falls silent; its session (10 s) ends 1 s after members[0]'s next heartbeat.
  h.advance(9'000);
  EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation)->error_code, 0);
  EXPECT_TRUE(h.core.find_group("g")->has(g.members[1]));
  h.advance(999);
  EXPECT_TRUE(h.core.find_group("g")->has(g.members[1]));
  h.advance(1);
  const group* grp = h.core.find_group("g");
  EXPECT_FALSE(grp->has(g.members[1]));
  EXPECT_EQ(grp->state(), group_state::preparing_rebalance);
  EXPECT_EQ(h.heartbeat("g", g.members[0], g.generation)->error_code,
            ec(error_code::rebalance_in_progress));
  auto rejoin = h.join("g", g.members[0], join_options{.version = 3});
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->generation_id, g.generation + 1);
  EXPECT_EQ(rejoin->members.size(), 1u);
}

TEST(session, a_member_waiting_in_a_rebalance_is_not_timed_out) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto ra = h.join("g", g.members[0], join_options{.version = 3});  // parks until members[1]
  h.advance(20'000);  // longer than the session timeout, shorter than the rebalance timeout
  EXPECT_TRUE(h.core.find_group("g")->has(g.members[0]));
  EXPECT_FALSE(h.core.find_group("g")->has(g.members[1]));  // it did not heartbeat
  ASSERT_TRUE(ra.done());  // and once it was gone, everyone left had rejoined
  EXPECT_EQ(ra->members.size(), 1u);
}

TEST(session, a_new_member_stuck_in_a_long_rebalance_is_dropped_after_five_minutes) {
  harness h;
  auto g = h.make_stable("g", 2);
  join_options slow;
  slow.version = 3;
  slow.rebalance_timeout_ms = 600'000;
  auto c = h.join("g", "", slow);  // waits for members[1], which heartbeats but never rejoins
  h.join("g", g.members[0], join_options{.version = 3});
  for (int i = 0; i < 33; ++i) {
    h.advance(9'000);
    h.heartbeat("g", g.members[1], g.generation);
  }
  EXPECT_FALSE(c.done());  // 297 s
  h.advance(3'000);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(c->error_code, ec(error_code::unknown_member_id));
  EXPECT_EQ(c->member_id, "");
}

TEST(sync, validation_errors) {
  harness h;
  auto g = h.make_stable("g", 2);
  EXPECT_EQ(h.sync("g", g.members[1], g.generation + 1)->error_code,
            ec(error_code::illegal_generation));
  EXPECT_EQ(h.sync("g", "stranger", g.generation)->error_code, ec(error_code::unknown_member_id));
  EXPECT_EQ(h.sync("nope", g.members[1], g.generation)->error_code,
            ec(error_code::unknown_member_id));
  // v5: the protocol named must be the group's.
  protocol::sync_group_request r;
  r.group_id = "g";
  r.generation_id = g.generation;
  r.member_id = g.members[1];
  r.protocol_type = "consumer";
  r.protocol_name = "roundrobin";
  reply<protocol::sync_group_response> out;
  h.core.sync_group(r, 5, h.now, out.sink());
  h.drain();
  EXPECT_EQ(out->error_code, ec(error_code::inconsistent_group_protocol));
  r.protocol_name.reset();
  reply<protocol::sync_group_response> out2;
  h.core.sync_group(r, 5, h.now, out2.sink());
  h.drain();
  EXPECT_EQ(out2->error_code, ec(error_code::inconsistent_group_protocol));
  // v5 with the right names works and returns them.
  auto ok = h.sync("g", g.members[1], g.generation, {}, 5);
  EXPECT_EQ(ok->error_code, 0);
  EXPECT_EQ(ok->protocol_name, "range");
  EXPECT_EQ(ok->assignment, (protocol::bytes{'b'}));
}

TEST(sync, during_a_rebalance_members_must_rejoin) {
  harness h;
  auto g = h.make_stable("g", 2);
  h.join("g", g.members[0], join_options{.version = 3});
  EXPECT_EQ(h.sync("g", g.members[1], g.generation)->error_code,
            ec(error_code::rebalance_in_progress));
}

TEST(sync, a_waiting_follower_is_told_to_rejoin_when_a_rebalance_starts) {
  harness h;
  join_options o;
  o.version = 3;
  auto a = h.join("g", "", o);
  auto b = h.join("g", "", o);
  h.advance(0);
  auto sb = h.sync("g", b->member_id, 1);
  EXPECT_FALSE(sb.done());
  h.join("g", "", o);  // a newcomer before the leader synced
  ASSERT_TRUE(sb.done());
  EXPECT_EQ(sb->error_code, ec(error_code::rebalance_in_progress));
  EXPECT_TRUE(sb->assignment.empty());
}

TEST(sync, members_that_never_sync_are_removed_after_the_rebalance_timeout) {
  harness h;
  join_options o;
  o.version = 3;
  auto a = h.join("g", "", o);
  auto b = h.join("g", "", o);
  h.advance(0);
  auto sa = h.sync("g", a->member_id, 1, {{a->member_id, {1}}, {b->member_id, {2}}});
  EXPECT_EQ(sa->error_code, 0);
  // b heartbeats but never sends SyncGroup.
  for (int i = 0; i < 5; ++i) {
    h.advance(5'999);
    EXPECT_EQ(h.heartbeat("g", a->member_id, 1)->error_code, 0);
    EXPECT_EQ(h.heartbeat("g", b->member_id, 1)->error_code, 0);
  }
  h.advance(5);
  const group* grp = h.core.find_group("g");
  EXPECT_FALSE(grp->has(b->member_id));
  EXPECT_EQ(grp->state(), group_state::preparing_rebalance);
}

TEST(sync, a_failed_write_of_the_assignment_fails_the_sync_and_rebalances) {
  harness h;
  join_options o;
  o.version = 3;
  auto a = h.join("g", "", o);
  auto b = h.join("g", "", o);
  h.advance(0);
  auto sb = h.sync("g", b->member_id, 1);
  h.auto_complete = false;
  auto sa = h.sync("g", a->member_id, 1, {{a->member_id, {1}}, {b->member_id, {2}}});
  EXPECT_FALSE(sa.done());
  h.complete_held(append_status::not_leader);
  ASSERT_TRUE(sa.done());
  ASSERT_TRUE(sb.done());
  EXPECT_EQ(sa->error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(sb->error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::preparing_rebalance);
}

TEST(leave, a_member_leaving_triggers_a_rebalance) {
  harness h;
  auto g = h.make_stable("g", 2);
  auto l = h.leave("g", g.members[1]);
  EXPECT_EQ(l->error_code, 0);
  EXPECT_TRUE(l->members.empty());  // v1 has no member list
  EXPECT_EQ(h.core.find_group("g")->state(), group_state::preparing_rebalance);
  auto rejoin = h.join("g", g.members[0], join_options{.version = 3});
  ASSERT_TRUE(rejoin.done());
  EXPECT_EQ(rejoin->members.size(), 1u);
}

TEST(leave, the_last_member_leaving_empties_the_group_and_records_it) {
  harness h;
  auto g = h.make_stable("g", 1);
  size_t records = h.log[h.partition_of("g")].size();
  EXPECT_EQ(h.leave("g", g.members[0])->error_code, 0);
  const group* grp = h.core.find_group("g");
  EXPECT_EQ(grp->state(), group_state::empty);
  EXPECT_EQ(grp->generation, g.generation + 1);
  ASSERT_EQ(h.log[h.partition_of("g")].size(), records + 1);
  auto decoded = decode_record(h.log[h.partition_of("g")].back().key,
                               protocol::bytes_view(*h.log[h.partition_of("g")].back().value));
  ASSERT_TRUE(decoded.ok());
  const auto& entry = std::get<group_metadata_entry>(*decoded);
  EXPECT_EQ(entry.value->generation, g.generation + 1);
  EXPECT_TRUE(entry.value->members.empty());
  EXPECT_EQ(entry.value->protocol_, std::nullopt);
}

TEST(leave, errors_and_old_versions_report_one_code) {
  harness h;
  auto g = h.make_stable("g", 1);
  EXPECT_EQ(h.leave("g", "stranger")->error_code, ec(error_code::unknown_member_id));
  EXPECT_EQ(h.leave("nope", "stranger")->error_code, ec(error_code::unknown_member_id));
  EXPECT_EQ(h.leave("", "x")->error_code, ec(error_code::invalid_group_id));
}

TEST(leave, v3_batches_report_each_member) {
  harness h;
  auto g = h.make_stable("g", 3);
  auto l = h.leave_batch(
      "g",
      {{g.members[0], std::nullopt}, {"stranger", std::nullopt}, {g.members[2], std::nullopt}});
  EXPECT_EQ(l->error_code, 0);
  ASSERT_EQ(l->members.size(), 3u);
  EXPECT_EQ(l->members[0].member_id, g.members[0]);
  EXPECT_EQ(l->members[0].error_code, 0);
  EXPECT_EQ(l->members[1].error_code, ec(error_code::unknown_member_id));
  EXPECT_EQ(l->members[2].error_code, 0);
  const group* grp = h.core.find_group("g");
  EXPECT_EQ(grp->size(), 1u);
  EXPECT_TRUE(grp->has(g.members[1]));
  // The same request at v2 would report the first failure.
  auto old = h.leave("g", "stranger", 2);
  EXPECT_EQ(old->error_code, ec(error_code::unknown_member_id));
}

TEST(leave, a_pending_member_can_leave_before_rejoining) {
  harness h;
  auto first = h.join("g", "");
  ASSERT_EQ(first->error_code, ec(error_code::member_id_required));
  auto l = h.leave_batch("g", {{first->member_id, std::nullopt}});
  EXPECT_EQ(l->members[0].error_code, 0);
  EXPECT_TRUE(h.core.find_group("g")->pending_members.empty());
}

}  // namespace
}  // namespace sluice::coordinator::testing
