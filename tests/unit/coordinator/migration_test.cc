// Online migration between the group protocols, and classic members inside consumer groups: a
// classic group upgrades when a consumer-protocol member joins, its classic members rejoin and
// give partitions up through JoinGroup/SyncGroup/Heartbeat, the group reloads from its records,
// and it downgrades to a classic group when the last consumer-protocol member leaves.
#include <gtest/gtest.h>

#include <set>

#include "consumer_harness.h"
#include "coordinator/log_records.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::coordinator::testing {
namespace {

using partitions = std::set<int32_t>;

// A Kafka consumer's subscription to "t" (version 1: with the partitions it owns).
protocol::bytes classic_subscription(const partitions& owned) {
  protocol::consumer_protocol_subscription s;
  s.topics = {"t"};
  if (!owned.empty()) {
    auto& t = s.owned_partitions.emplace_back();
    t.topic = "t";
    t.partitions.assign(owned.begin(), owned.end());
  }
  return encode_versioned(s, 1);
}

protocol::bytes classic_assignment(const partitions& ps) {
  protocol::consumer_protocol_assignment a;
  auto& t = a.assigned_partitions.emplace_back();
  t.topic = "t";
  t.partitions.assign(ps.begin(), ps.end());
  return encode_versioned(a, 1);
}

partitions assigned_of(const protocol::bytes& bytes) {
  protocol::reader r(bytes);
  const int16_t version = r.read_int16();
  protocol::consumer_protocol_assignment a;
  EXPECT_TRUE(a.decode(r, version).ok());
  partitions out;
  for (const auto& t : a.assigned_partitions) {
    EXPECT_EQ(t.topic, "t");
    out.insert(t.partitions.begin(), t.partitions.end());
  }
  return out;
}

join_options classic(const partitions& owned) {
  join_options o;
  o.version = 3;
  o.protocols = {{"cooperative-sticky", classic_subscription(owned)}};
  return o;
}

struct migration : kip848 {
  explicit migration(coordinator_config config = test_config()) : kip848(std::move(config)) {}

  // A classic group of two members: a owns 0 and 1, b owns 2 and 3.
  std::pair<std::string, std::string> classic_group() {
    auto ja = join("g", "", classic({}));
    auto jb = join("g", "", classic({}));
    advance(0);
    EXPECT_TRUE(ja.done() && jb.done());
    const int32_t generation = ja->generation_id;
    const std::string a = ja->member_id, b = jb->member_id;
    EXPECT_EQ(ja->leader, a);
    sync("g", a, generation, {{a, classic_assignment({0, 1})}, {b, classic_assignment({2, 3})}});
    auto sb = sync("g", b, generation);
    EXPECT_EQ(assigned_of(sb->assignment), (partitions{2, 3}));
    EXPECT_TRUE(core.find_group("g")->is(group_state::stable));
    return {a, b};
  }

  // What a Kafka consumer does while Heartbeat says REBALANCE_IN_PROGRESS: rejoin with what it
  // owns, SyncGroup, keep the partitions it was given. Returns its partitions and generation.
  std::pair<partitions, int32_t> rejoin_until_stable(const std::string& member, partitions owned,
                                                     int32_t generation) {
    for (int round = 0; round < 5; ++round) {
      auto hb = heartbeat("g", member, generation);
      if (hb->error_code == 0) return {owned, generation};
      EXPECT_EQ(hb->error_code, ec(error_code::rebalance_in_progress));
      auto j = join("g", member, classic(owned));
      EXPECT_EQ(j->error_code, 0);
      EXPECT_EQ(j->leader, "") << "a classic member of a consumer group never leads";
      EXPECT_EQ(j->protocol_name, "cooperative-sticky");
      generation = j->generation_id;
      // SyncGroup v5 names the protocol: another one than the member joined with is refused.
      EXPECT_EQ(sync("g", member, generation, {}, 5)->error_code,
                ec(error_code::inconsistent_group_protocol));
      auto s = sync("g", member, generation);
      EXPECT_EQ(s->error_code, 0);
      owned = assigned_of(s->assignment);
    }
    ADD_FAILURE() << member << " did not settle";
    return {owned, generation};
  }
};

TEST(migration, a_consumer_protocol_member_upgrades_a_classic_group_and_the_last_downgrades_it) {
  migration h;
  auto [a, b] = h.classic_group();
  const int32_t generation = h.core.find_group("g")->generation;

  // A consumer-protocol member joins: the group becomes a consumer group at the classic
  // generation, and moves one epoch on for the newcomer, who waits for partitions to be freed.
  auto c = h.beat("c", 0, std::nullopt, true);
  ASSERT_EQ(c.error_code, 0) << c.error_message.value_or("");
  const group* g = h.core.find_group("g");
  ASSERT_TRUE(g->is_consumer_group());
  EXPECT_EQ(g->consumer->members().size(), 3u);
  EXPECT_EQ(g->consumer->epoch().value(), generation + 1);
  EXPECT_EQ(g->consumer->find(a)->assigned, (partition_assignment{{T1, {0, 1}}}));
  EXPECT_TRUE(g->consumer->find(a)->classic.has_value());
  EXPECT_TRUE(kip848::assigned(c).empty());

  // The classic members are told to rejoin; they give up what the assignor moved to c.
  auto [pa, ga] = h.rejoin_until_stable(a, {0, 1}, generation);
  auto [pb, gb] = h.rejoin_until_stable(b, {2, 3}, generation);
  auto c2 = h.beat("c", c.member_epoch, partition_assignment{});
  partitions pc;
  for (const auto& [t, ps] : kip848::assigned(c2)) pc.insert(ps.begin(), ps.end());
  EXPECT_EQ(pa.size() + pb.size() + pc.size(), 4u);
  EXPECT_FALSE(pc.empty());
  partitions all = pa;
  all.insert(pb.begin(), pb.end());
  all.insert(pc.begin(), pc.end());
  EXPECT_EQ(all, (partitions{0, 1, 2, 3})) << "each partition has exactly one owner";
  EXPECT_EQ(g->consumer->state(), consumer_group_state::stable);

  // Classic members commit with their generation (the member epoch); a wrong one is refused.
  EXPECT_EQ(h.commit("g", a, ga, {{"t", *pa.begin(), 7}})->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.commit("g", a, ga - 1, {{"t", *pa.begin(), 8}})->topics[0].partitions[0].error_code,
            ec(error_code::illegal_generation));

  // A reload from the records rebuilds the mixed group, classic metadata included.
  {
    harness h2(test_config(), topics_hooks(), /*load_all=*/false);
    h2.now = h.now;
    h2.log = h.log;
    h2.load(h.partition_of("g"));
    const group* r = h2.core.find_group("g");
    ASSERT_NE(r, nullptr);
    ASSERT_TRUE(r->is_consumer_group());
    for (const auto& [id, m] : g->consumer->members()) {
      const consumer_member* rm = r->consumer->find(id);
      ASSERT_NE(rm, nullptr) << id;
      EXPECT_TRUE(rm->same_subscription(m)) << id;
      EXPECT_TRUE(rm->same_assignment(m)) << id;
    }
    EXPECT_EQ(r->consumer->find(a)->classic->session_timeout_ms, 10'000);
  }

  // The last consumer-protocol member leaves: a classic group again, at the consumer group's
  // epoch, rebalancing so the members split c's partitions; they keep their own meanwhile.
  const int32_t epoch = g->consumer->epoch().value();
  EXPECT_EQ(h.beat("c", c2.member_epoch).error_code, 0);  // a plain heartbeat first
  auto left = h.beat("c", -1);
  EXPECT_EQ(left.error_code, 0);
  g = h.core.find_group("g");
  ASSERT_FALSE(g->is_consumer_group());
  EXPECT_TRUE(g->is(group_state::preparing_rebalance));
  EXPECT_EQ(g->generation, epoch);
  EXPECT_EQ(g->protocol_name, "cooperative-sticky");
  EXPECT_EQ(g->size(), 2u);
  EXPECT_EQ(h.heartbeat("g", a, g->generation)->error_code, ec(error_code::rebalance_in_progress));
  auto ja = h.join("g", a, classic(pa));
  auto jb = h.join("g", b, classic(pb));
  ASSERT_TRUE(ja.done() && jb.done());
  EXPECT_EQ(ja->error_code, 0);
  EXPECT_EQ(ja->generation_id, epoch + 1);
  EXPECT_EQ(ja->leader, a);

  // The log replays to the classic group.
  harness h3(test_config(), topics_hooks(), /*load_all=*/false);
  h3.now = h.now;
  h3.log = h.log;
  h3.load(h.partition_of("g"));
  ASSERT_NE(h3.core.find_group("g"), nullptr);
  EXPECT_FALSE(h3.core.find_group("g")->is_consumer_group());
  EXPECT_EQ(h3.core.find_group("g")->size(), 2u);
}

TEST(migration, the_policy_can_forbid_the_upgrade) {
  coordinator_config config = test_config();
  config.migration_upgrade = false;
  migration h(config);
  h.classic_group();
  auto c = h.beat("c", 0, std::nullopt, true);
  EXPECT_EQ(c.error_code, ec(error_code::group_id_not_found));
  EXPECT_FALSE(h.core.find_group("g")->is_consumer_group());
}

TEST(migration, classic_members_leave_and_time_out_of_a_consumer_group) {
  migration h;
  auto [a, b] = h.classic_group();
  h.beat("c", 0, std::nullopt, true);
  const group* g = h.core.find_group("g");
  ASSERT_TRUE(g->is_consumer_group());
  const int32_t epoch = g->consumer->epoch().value();

  // A classic member's LeaveGroup removes it and moves the epoch on.
  auto left = h.leave_batch("g", {{a, std::nullopt}});
  ASSERT_EQ(left->members.size(), 1u);
  EXPECT_EQ(left->members[0].error_code, 0);
  EXPECT_EQ(g->consumer->find(a), nullptr);
  EXPECT_EQ(g->consumer->epoch().value(), epoch + 1);
  // A member of the consumer protocol is not a classic member.
  EXPECT_EQ(h.heartbeat("g", "c", 1)->error_code, ec(error_code::unknown_member_id));

  // b stops heartbeating: its classic session timeout (10 s) removes it, c stays.
  h.advance(5'000);
  h.beat("c", h.core.find_group("g")->consumer->find("c")->epoch.value());
  h.advance(6'000);
  EXPECT_EQ(g->consumer->find(b), nullptr);
  EXPECT_NE(g->consumer->find("c"), nullptr);
  EXPECT_TRUE(g->is_consumer_group());
}

TEST(migration, a_classic_member_joins_a_consumer_group_and_gets_a_share) {
  migration h;
  auto c = h.beat("c", 0, std::nullopt, true);
  EXPECT_EQ(kip848::assigned(c), (partition_assignment{{T1, {0, 1, 2, 3}}}));
  // JoinGroup v5 without a member id: MEMBER_ID_REQUIRED first, as from a classic group.
  join_options o = classic({});
  o.version = 5;
  auto first = h.join("g", "", o);
  ASSERT_EQ(first->error_code, ec(error_code::member_id_required));
  const std::string a = first->member_id;
  auto j = h.join("g", a, o);
  ASSERT_EQ(j->error_code, 0);
  // c gives two partitions up; then a's next heartbeat sends it to collect them.
  auto c2 = h.beat("c", c.member_epoch, partition_assignment{{T1, {0, 1, 2, 3}}});
  h.beat("c", c2.member_epoch, kip848::assigned(c2));
  auto [pa, ga] = h.rejoin_until_stable(a, {}, j->generation_id);
  EXPECT_EQ(pa.size(), 2u);
  // A classic member of a different protocol type is refused.
  join_options other = o;
  other.protocol_type = "connect";
  EXPECT_EQ(h.join("g", "", other)->error_code, ec(error_code::inconsistent_group_protocol));
}

}  // namespace
}  // namespace sluice::coordinator::testing

namespace sluice::coordinator::testing {
namespace {

TEST(migration, a_classic_static_member_takes_over_a_consumer_protocol_incarnation) {
  migration h;
  protocol::consumer_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "s1";
  r.member_epoch = 0;
  r.instance_id = "i";
  r.rebalance_timeout_ms = 30'000;
  r.subscribed_topic_names = std::vector<std::string>{"t"};
  r.topic_partitions.emplace();
  reply<protocol::consumer_group_heartbeat_response> first;
  h.core.consumer_group_heartbeat(r, 1, client_info{"c", "/127.0.0.1"}, h.now, first.sink());
  h.drain();
  ASSERT_EQ(first->error_code, 0);
  h.beat("c", 0, std::nullopt, true);  // a second member keeps the group a consumer group

  // The same instance restarts as a classic consumer: it takes s1's place and partitions.
  join_options o = classic({0, 1, 2, 3});
  o.instance_id = "i";
  auto j = h.join("g", "", o);
  ASSERT_EQ(j->error_code, 0);
  const group* g = h.core.find_group("g");
  ASSERT_TRUE(g->is_consumer_group());
  EXPECT_EQ(g->consumer->find("s1"), nullptr);
  const consumer_member* m = g->consumer->find(j->member_id);
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->classic.has_value());
  EXPECT_EQ(m->instance_id, "i");
  // A log replay agrees with the live state.
  harness h2(test_config(), topics_hooks(), /*load_all=*/false);
  h2.now = h.now;
  h2.log = h.log;
  h2.load(h.partition_of("g"));
  const consumer_member* r2 = h2.core.find_group("g")->consumer->find(j->member_id);
  ASSERT_NE(r2, nullptr);
  EXPECT_TRUE(r2->same_subscription(*m));
  EXPECT_TRUE(r2->same_assignment(*m));
}

}  // namespace
}  // namespace sluice::coordinator::testing
