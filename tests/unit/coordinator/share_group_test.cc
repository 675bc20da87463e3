// KIP-932 share groups at the coordinator: ShareGroupHeartbeat joins, the simple assignor, leaves,
// session timeouts, fencing, and the group-type boundaries with classic and consumer groups.
#include <gtest/gtest.h>

#include "consumer_harness.h"

namespace sluice::coordinator::testing {
namespace {

struct share_harness : harness {
  explicit share_harness(bool load_all = true) : harness(test_config(), topics_hooks(), load_all) {}

  protocol::share_group_heartbeat_response beat(const std::string& member, int32_t epoch,
                                                bool full = false) {
    protocol::share_group_heartbeat_request r;
    r.group_id = "g";
    r.member_id = member;
    r.member_epoch = epoch;
    if (epoch == 0 || full) r.subscribed_topic_names = std::vector<std::string>{"t"};
    reply<protocol::share_group_heartbeat_response> out;
    core.share_group_heartbeat(std::move(r), 1, client_info{"c", "/127.0.0.1", {}}, now,
                               out.sink());
    drain();
    return *out;
  }

  static std::set<int32_t> partitions(const protocol::share_group_heartbeat_response& r) {
    std::set<int32_t> out;
    if (r.assignment)
      for (const auto& t : r.assignment->topic_partitions)
        out.insert(t.partitions.begin(), t.partitions.end());
    return out;
  }
};

TEST(share_group, members_join_and_the_partitions_are_dealt_between_them) {
  share_harness h;
  auto a = h.beat("a", 0);
  ASSERT_EQ(a.error_code, 0);
  EXPECT_EQ(a.member_epoch, 1);
  EXPECT_EQ(share_harness::partitions(a), (std::set<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(a.heartbeat_interval_ms, test_config().share_heartbeat_interval_ms);
  auto b = h.beat("b", 0);
  EXPECT_EQ(b.member_epoch, 2);
  EXPECT_EQ(share_harness::partitions(b), (std::set<int32_t>{1, 3}));
  // a moves to the new epoch at its next heartbeat, with nothing to revoke first.
  auto a2 = h.beat("a", 1);
  EXPECT_EQ(a2.member_epoch, 2);
  EXPECT_EQ(share_harness::partitions(a2), (std::set<int32_t>{0, 2}));
  // A heartbeat with nothing new carries no assignment.
  EXPECT_FALSE(h.beat("a", 2).assignment);
}

TEST(share_group, more_members_than_partitions_share_them) {
  share_harness h;
  std::map<int32_t, int> holders;
  for (int i = 0; i < 6; ++i) h.beat("m" + std::to_string(i), 0);
  for (int i = 0; i < 6; ++i) {
    const std::string id = "m" + std::to_string(i);
    const auto* g = h.core.find_share_group("g");
    ASSERT_NE(g, nullptr);
    auto r = h.beat(id, g->members.at(id).epoch, true);
    ASSERT_EQ(r.error_code, 0);
    auto mine = share_harness::partitions(r);
    EXPECT_EQ(mine.size(), 1u) << id;
    for (auto p : mine) ++holders[p];
  }
  EXPECT_EQ(holders, (std::map<int32_t, int>{{0, 2}, {1, 2}, {2, 1}, {3, 1}}));
}

TEST(share_group, leaving_and_timing_out_give_the_partitions_to_the_others) {
  share_harness h;
  h.beat("a", 0);
  h.beat("b", 0);
  auto left = h.beat("b", -1);
  EXPECT_EQ(left.error_code, 0);
  EXPECT_EQ(left.member_epoch, -1);
  auto a = h.beat("a", 1);
  EXPECT_EQ(share_harness::partitions(a), (std::set<int32_t>{0, 1, 2, 3}));
  h.beat("c", 0);
  // c goes silent: after its session timeout it is removed and a gets everything back.
  h.advance(test_config().share_session_timeout_ms / 2);
  auto mid = h.beat("a", a.member_epoch);
  h.advance(test_config().share_session_timeout_ms / 2 + 1);
  const auto* g = h.core.find_share_group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_FALSE(g->members.contains("c"));
  auto back = h.beat("a", mid.member_epoch);
  EXPECT_EQ(share_harness::partitions(back), (std::set<int32_t>{0, 1, 2, 3}));
}

// The membership is written as Kafka's ShareGroup* records: a coordinator that loads the log
// knows the members, their epochs and assignments, and the topics with share state; members carry
// on without rejoining, silent ones time out, and a deleted group stays deleted.
TEST(share_group, membership_survives_a_reload_of_the_log) {
  share_harness h;
  auto a = h.beat("a", 0);
  auto b = h.beat("b", 0);
  auto a2 = h.beat("a", a.member_epoch);
  ASSERT_EQ(a2.error_code, 0);
  const share_group& before = *h.core.find_share_group("g");

  share_harness h2(/*load_all=*/false);
  h2.log = h.log;
  h2.now = h.now;
  for (int32_t p = 0; p < test_config().offsets_topic_partitions; ++p) h2.load(p);
  const share_group* after = h2.core.find_share_group("g");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->epoch, before.epoch);
  EXPECT_EQ(after->assignment_epoch, before.assignment_epoch);
  EXPECT_EQ(after->metadata_hash, before.metadata_hash);
  EXPECT_EQ(after->target, before.target);
  EXPECT_EQ(after->topics_seen, before.topics_seen);
  ASSERT_EQ(after->members.size(), 2u);
  for (const auto& [id, m] : before.members) {
    const share_member& loaded = after->members.at(id);
    EXPECT_EQ(loaded.epoch, m.epoch) << id;
    EXPECT_EQ(loaded.assigned, m.assigned) << id;
    EXPECT_EQ(loaded.subscribed_topic_names, m.subscribed_topic_names) << id;
    EXPECT_EQ(loaded.client_id, m.client_id) << id;
  }
  // a carries on at its epoch; b stays silent and times out after its session.
  h2.advance(test_config().share_session_timeout_ms / 2);
  auto carried = h2.beat("a", a2.member_epoch);
  EXPECT_EQ(carried.error_code, 0);
  h2.advance(test_config().share_session_timeout_ms / 2 + 1);
  EXPECT_FALSE(h2.core.find_share_group("g")->members.contains("b"));
  (void)b;

  // Deleted once empty: a third coordinator loading the log finds no group.
  h2.beat("a", h2.core.find_share_group("g")->members.at("a").epoch);
  h2.beat("a", -1);
  protocol::delete_groups_request del;
  del.groups_names = {"g"};
  reply<protocol::delete_groups_response> deleted;
  h2.core.delete_groups(del, 2, h2.now, deleted.sink());
  h2.drain();
  EXPECT_EQ(deleted->results.at(0).error_code, 0);
  share_harness h3(/*load_all=*/false);
  h3.log = h2.log;
  for (int32_t p = 0; p < test_config().offsets_topic_partitions; ++p) h3.load(p);
  EXPECT_EQ(h3.core.find_share_group("g"), nullptr);
}

TEST(share_group, unknown_and_fenced_members_are_refused) {
  share_harness h;
  EXPECT_EQ(h.beat("x", 3).error_code, ec(error_code::unknown_member_id));
  h.beat("a", 0);
  EXPECT_EQ(h.beat("a", 7).error_code, ec(error_code::fenced_member_epoch));
  protocol::share_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "b";
  r.member_epoch = 0;  // joining without a subscription
  reply<protocol::share_group_heartbeat_response> out;
  h.core.share_group_heartbeat(r, 1, client_info{}, h.now, out.sink());
  h.drain();
  EXPECT_EQ(out->error_code, ec(error_code::invalid_request));
}

TEST(share_group, a_group_id_is_one_kind_of_group) {
  share_harness h;
  h.beat("a", 0);
  // A classic member or a consumer-protocol member cannot join a share group...
  auto join = h.join("g", "");
  EXPECT_EQ(join->error_code, ec(error_code::inconsistent_group_protocol));
  protocol::consumer_group_heartbeat_request c;
  c.group_id = "g";
  c.member_id = "c";
  c.member_epoch = 0;
  c.rebalance_timeout_ms = 1000;
  c.subscribed_topic_names = std::vector<std::string>{"t"};
  c.topic_partitions.emplace();
  reply<protocol::consumer_group_heartbeat_response> out;
  h.core.consumer_group_heartbeat(c, 1, client_info{}, h.now, out.sink());
  h.drain();
  EXPECT_EQ(out->error_code, ec(error_code::group_id_not_found));
  // ...and a share member cannot join a classic group.
  h.join("classic", "");
  protocol::share_group_heartbeat_request s;
  s.group_id = "classic";
  s.member_id = "s";
  s.member_epoch = 0;
  s.subscribed_topic_names = std::vector<std::string>{"t"};
  reply<protocol::share_group_heartbeat_response> refused;
  h.core.share_group_heartbeat(s, 1, client_info{}, h.now, refused.sink());
  h.drain();
  EXPECT_EQ(refused->error_code, ec(error_code::group_id_not_found));
}

TEST(share_group, describe_and_list_show_share_groups) {
  share_harness h;
  h.beat("a", 0);
  protocol::share_group_describe_request d;
  d.group_ids = {"g", "missing"};
  reply<protocol::share_group_describe_response> described;
  h.core.share_group_describe(d, 1, described.sink());
  h.drain();
  ASSERT_EQ(described->groups.size(), 2u);
  const auto& g = described->groups[0];
  EXPECT_EQ(g.error_code, 0);
  EXPECT_EQ(g.group_state, "Stable");
  EXPECT_EQ(g.assignor_name, "simple");
  ASSERT_EQ(g.members.size(), 1u);
  EXPECT_EQ(g.members[0].client_id, "c");
  ASSERT_EQ(g.members[0].assignment.topic_partitions.size(), 1u);
  EXPECT_EQ(g.members[0].assignment.topic_partitions[0].topic_name, "t");
  EXPECT_EQ(described->groups[1].error_code, ec(error_code::group_id_not_found));

  protocol::list_groups_request l;
  l.types_filter = {"Share"};
  reply<protocol::list_groups_response> listed;
  h.core.list_groups(l, 5, listed.sink());
  h.drain();
  ASSERT_EQ(listed->groups.size(), 1u);
  EXPECT_EQ(listed->groups[0].group_id, "g");
  EXPECT_EQ(listed->groups[0].group_type, "share");
  EXPECT_EQ(listed->groups[0].protocol_type, "share");
}

TEST(share_group, an_empty_share_group_may_be_deleted) {
  share_harness h;
  h.beat("a", 0);
  auto remove = [&] {
    protocol::delete_groups_request r;
    r.groups_names = {"g"};
    reply<protocol::delete_groups_response> out;
    h.core.delete_groups(r, 2, h.now, out.sink());
    h.drain();
    return out->results.at(0).error_code;
  };
  EXPECT_EQ(remove(), ec(error_code::non_empty_group));
  h.beat("a", -1);
  EXPECT_EQ(remove(), 0);
  EXPECT_EQ(h.core.find_share_group("g"), nullptr);
  EXPECT_EQ(remove(), ec(error_code::group_id_not_found));
  EXPECT_EQ(h.core.share_group_topics("g").error().code, error_code::group_id_not_found);
}

}  // namespace
}  // namespace sluice::coordinator::testing
