// KIP-848 consumer groups: the assignors, reconciliation (CurrentAssignmentBuilder), and the
// coordinator's ConsumerGroupHeartbeat flow — join, split, revoke-before-assign, leave, session
// expiry, commits checked against member epochs, and a reload from the records reproducing it.
#include <gtest/gtest.h>

#include "consumer_harness.h"
#include "coordinator/assignor.h"
#include "coordinator/consumer_group.h"

namespace sluice::coordinator::testing {
namespace {

// ---- assignors ---------------------------------------------------------------------------------

TEST(assignor, uniform_balances_and_covers_every_partition_once) {
  std::map<std::string, assignor_member> members;
  for (const char* id : {"a", "b", "c"}) members[id].topics = {T1, T2};
  auto out = assign_uniform(members, {{T1, 5}, {T2, 3}});
  std::set<std::pair<protocol::uuid, int32_t>> seen;
  for (const auto& [id, a] : out) {
    EXPECT_TRUE(count(a) == 2 || count(a) == 3) << id;
    for (const auto& [t, ps] : a)
      for (int32_t p : ps) EXPECT_TRUE(seen.insert({t, p}).second);
  }
  EXPECT_EQ(seen.size(), 8u);
}

TEST(assignor, uniform_is_sticky_when_a_member_joins) {
  std::map<std::string, assignor_member> members;
  members["a"].topics = {T1};
  auto first = assign_uniform(members, {{T1, 4}});
  EXPECT_EQ(count(first["a"]), 4u);
  members["a"].current = first["a"];
  members["b"].topics = {T1};
  auto second = assign_uniform(members, {{T1, 4}});
  EXPECT_EQ(count(second["a"]), 2u);
  EXPECT_EQ(count(second["b"]), 2u);
  // a kept two of its own: only two partitions moved.
  EXPECT_TRUE(is_subset(second["a"], first["a"]));
}

TEST(assignor, uniform_gives_only_subscribed_topics) {
  std::map<std::string, assignor_member> members;
  members["a"].topics = {T1};
  members["b"].topics = {T2};
  auto out = assign_uniform(members, {{T1, 3}, {T2, 1}});
  EXPECT_EQ(out["a"], (partition_assignment{{T1, {0, 1, 2}}}));
  EXPECT_EQ(out["b"], (partition_assignment{{T2, {0}}}));
}

TEST(assignor, range_lines_up_co_partitioned_topics) {
  std::map<std::string, assignor_member> members;
  members["a"].topics = {T1, T2};
  members["b"].topics = {T1, T2};
  auto out = assign_range(members, {{T1, 3}, {T2, 3}});
  EXPECT_EQ(out["a"], (partition_assignment{{T1, {0, 1}}, {T2, {0, 1}}}));
  EXPECT_EQ(out["b"], (partition_assignment{{T1, {2}}, {T2, {2}}}));
  EXPECT_FALSE(run_assignor("sticky", members, {{T1, 3}}).has_value());
}

// ---- reconciliation
// ------------------------------------------------------------------------------

consumer_member member_at(int32_t epoch, partition_assignment assigned,
                          partition_assignment target) {
  consumer_member m;
  m.id = "m";
  m.epoch = member_epoch(epoch);
  m.assigned = std::move(assigned);
  m.target = std::move(target);
  return m;
}

TEST(reconcile, partitions_are_revoked_before_the_epoch_moves) {
  auto nobody = [](const protocol::uuid&, int32_t) { return false; };
  consumer_member m = member_at(1, {{T1, {0, 1, 2, 3}}}, {{T1, {0, 1}}});
  // Still owning 2 and 3: they must go first; the epoch stays.
  auto next = reconcile(m, group_epoch(2), partition_assignment{{T1, {0, 1, 2, 3}}}, nobody);
  EXPECT_EQ(next.state, member_state::unrevoked_partitions);
  EXPECT_EQ(next.epoch.value(), 1);
  EXPECT_EQ(next.assigned, (partition_assignment{{T1, {0, 1}}}));
  EXPECT_EQ(next.pending_revocation, (partition_assignment{{T1, {2, 3}}}));
  // A heartbeat that does not say what it owns changes nothing.
  EXPECT_TRUE(reconcile(next, group_epoch(2), std::nullopt, nobody).same_assignment(next));
  // Once the member reports it gave them up, it reaches the target epoch.
  auto done = reconcile(next, group_epoch(2), partition_assignment{{T1, {0, 1}}}, nobody);
  EXPECT_EQ(done.state, member_state::stable);
  EXPECT_EQ(done.epoch.value(), 2);
  EXPECT_EQ(done.previous_epoch.value(), 1);
  EXPECT_TRUE(done.pending_revocation.empty());
}

TEST(reconcile, partitions_another_member_still_owns_wait) {
  bool owned_elsewhere = true;
  auto other = [&](const protocol::uuid&, int32_t p) { return owned_elsewhere && p == 3; };
  consumer_member m = member_at(1, {{T1, {0}}}, {{T1, {0, 3}}});
  auto next = reconcile(m, group_epoch(2), partition_assignment{{T1, {0}}}, other);
  EXPECT_EQ(next.state, member_state::unreleased_partitions);
  EXPECT_EQ(next.epoch.value(), 2);
  EXPECT_EQ(next.assigned, (partition_assignment{{T1, {0}}}));
  owned_elsewhere = false;
  auto later = reconcile(next, group_epoch(2), std::nullopt, other);
  EXPECT_EQ(later.state, member_state::stable);
  EXPECT_EQ(later.assigned, (partition_assignment{{T1, {0, 3}}}));
}

// ---- the coordinator ----------------------------------------------------------------------------

TEST(consumer_group, a_second_member_gets_half_after_the_first_revokes) {
  kip848 h;
  auto a = h.beat("a", 0, std::nullopt, true);
  ASSERT_EQ(a.error_code, 0);
  EXPECT_EQ(a.member_epoch, 1);
  EXPECT_EQ(kip848::assigned(a), (partition_assignment{{T1, {0, 1, 2, 3}}}));
  auto b = h.beat("b", 0, std::nullopt, true);
  EXPECT_EQ(b.member_epoch, 2);
  EXPECT_TRUE(kip848::assigned(b).empty()) << "a still owns everything";
  // a is told to keep two; it stays at epoch 1 until it says it gave the others up.
  auto a2 = h.beat("a", 1, partition_assignment{{T1, {0, 1, 2, 3}}});
  EXPECT_EQ(a2.member_epoch, 1);
  auto kept = kip848::assigned(a2);
  EXPECT_EQ(count(kept), 2u);
  EXPECT_EQ(h.core.find_group("g")->consumer->state(), consumer_group_state::reconciling);
  auto a3 = h.beat("a", 1, kept);
  EXPECT_EQ(a3.member_epoch, 2);
  auto b2 = h.beat("b", 2);
  EXPECT_EQ(count(kip848::assigned(b2)), 2u);
  EXPECT_EQ(h.core.find_group("g")->consumer->state(), consumer_group_state::stable);

  // ConsumerGroupDescribe shows both members and their partitions by topic name.
  protocol::consumer_group_describe_request d;
  d.group_ids = {"g", "missing"};
  reply<protocol::consumer_group_describe_response> described;
  h.core.consumer_group_describe(d, 0, described.sink());
  h.drain();
  ASSERT_EQ(described->groups.size(), 2u);
  EXPECT_EQ(described->groups[0].group_state, "Stable");
  EXPECT_EQ(described->groups[0].group_epoch, 2);
  ASSERT_EQ(described->groups[0].members.size(), 2u);
  EXPECT_EQ(described->groups[0].members[0].assignment.topic_partitions[0].topic_name, "t");
  EXPECT_EQ(described->groups[1].error_code, ec(error_code::group_id_not_found));
}

TEST(consumer_group, stale_and_fenced_epochs_are_refused) {
  kip848 h;
  h.beat("a", 0, std::nullopt, true);
  EXPECT_EQ(h.beat("a", 5).error_code, ec(error_code::fenced_member_epoch));
  EXPECT_EQ(h.beat("nobody", 1).error_code, ec(error_code::unknown_member_id));
  // Commits carry the member epoch: the current one is taken, another is stale.
  EXPECT_EQ(h.commit("g", "a", 1, {{"t", 0, 5}}, 9)->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.commit("g", "a", 0, {{"t", 0, 6}}, 9)->topics[0].partitions[0].error_code,
            ec(error_code::stale_member_epoch));
  EXPECT_EQ(h.commit("g", "x", 1, {{"t", 0, 6}}, 9)->topics[0].partitions[0].error_code,
            ec(error_code::unknown_member_id));
  EXPECT_EQ(h.committed("g", "t", 0), 5);
}

TEST(consumer_group, invalid_heartbeats_get_kafkas_errors) {
  kip848 h;
  protocol::consumer_group_heartbeat_request r;
  r.group_id = "g";
  r.member_epoch = 0;  // joining without a rebalance timeout or a subscription
  reply<protocol::consumer_group_heartbeat_response> out;
  h.core.consumer_group_heartbeat(r, 1, client_info{}, h.now, out.sink());
  h.drain();
  EXPECT_EQ(out->error_code, ec(error_code::invalid_request));
  EXPECT_EQ(out->error_message, "RebalanceTimeoutMs must be provided in first request.");
  r.rebalance_timeout_ms = 1000;
  r.subscribed_topic_names = std::vector<std::string>{"t"};
  r.topic_partitions.emplace();
  r.server_assignor = "sticky";
  reply<protocol::consumer_group_heartbeat_response> bad_assignor;
  h.core.consumer_group_heartbeat(r, 1, client_info{}, h.now, bad_assignor.sink());
  h.drain();
  EXPECT_EQ(bad_assignor->error_code, ec(error_code::unsupported_assignor));
}

TEST(consumer_group, a_member_that_leaves_or_expires_hands_its_partitions_over) {
  kip848 h;
  h.beat("a", 0, std::nullopt, true);
  h.beat("b", 0, std::nullopt, true);
  auto a2 = h.beat("a", 1, partition_assignment{{T1, {0, 1, 2, 3}}});
  h.beat("a", 1, kip848::assigned(a2));
  h.beat("b", 2);
  // b leaves: a gets everything at the next epoch.
  auto left = h.beat("b", -1);
  EXPECT_EQ(left.member_epoch, -1);
  auto a3 = h.beat("a", 2);
  EXPECT_EQ(a3.member_epoch, 3);
  EXPECT_EQ(kip848::assigned(a3), (partition_assignment{{T1, {0, 1, 2, 3}}}));
  // a goes silent: its session ends and the group is empty (and kept, with its offsets).
  h.advance(test_config().consumer_session_timeout_ms + 1);
  const group* g = h.core.find_group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(g->consumer->empty());
  EXPECT_EQ(g->consumer->state(), consumer_group_state::empty);
}

TEST(consumer_group, a_reload_from_the_records_reproduces_the_group) {
  kip848 h;
  h.beat("a", 0, std::nullopt, true);
  h.beat("b", 0, std::nullopt, true);
  auto a2 = h.beat("a", 1, partition_assignment{{T1, {0, 1, 2, 3}}});
  h.commit("g", "a", 1, {{"t", 0, 42}}, 9);

  harness h2(test_config(), topics_hooks(), /*load_all=*/false);
  h2.now = h.now;
  h2.log = h.log;
  for (int32_t p = 0; p < test_config().offsets_topic_partitions; ++p) h2.load(p);
  const group* before = h.core.find_group("g");
  const group* after = h2.core.find_group("g");
  ASSERT_NE(after, nullptr);
  ASSERT_TRUE(after->is_consumer_group());
  EXPECT_EQ(after->consumer->epoch(), before->consumer->epoch());
  EXPECT_EQ(after->consumer->assignment_epoch(), before->consumer->assignment_epoch());
  ASSERT_EQ(after->consumer->members().size(), 2u);
  for (const auto& [id, m] : before->consumer->members()) {
    const consumer_member* r = after->consumer->find(id);
    ASSERT_NE(r, nullptr) << id;
    EXPECT_TRUE(r->same_assignment(m)) << id;
    EXPECT_TRUE(r->same_subscription(m)) << id;
    EXPECT_EQ(r->target, m.target) << id;
  }
  EXPECT_EQ(h2.committed("g", "t", 0), 42);
  // The reloaded coordinator carries on: a finishes its revocation there.
  auto next = h2.core.find_group("g")->consumer->find("a");
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->state, member_state::unrevoked_partitions);
  (void)a2;
}

TEST(consumer_group, records_round_trip_through_their_bytes) {
  consumer_member m;
  m.id = "m1";
  m.instance_id = "i";
  m.client_id = "c";
  m.client_host = "/h";
  m.subscribed_topic_names = {"a", "b"};
  m.rebalance_timeout_ms = 5000;
  std::vector<consumer_record> records = {
      {"g", group_epoch_record{.epoch = group_epoch(7), .metadata_hash = 99}},
      {"g", member_subscription_record{.member = m}},
      {"g", target_epoch_record{.assignment_epoch = group_epoch(7), .assignment_timestamp = 5}},
      {"g", target_member_record{.member_id = "m1", .target = {{T1, {1, 2}}}}},
      {"g", current_assignment_record{.member_id = "m1",
                                      .epoch = member_epoch(7),
                                      .previous_epoch = member_epoch(6),
                                      .state = member_state::unrevoked_partitions,
                                      .assigned = {{T1, {1}}},
                                      .pending_revocation = {{T2, {0}}}}},
      {"g", current_assignment_record{.member_id = "m1", .deleted = true}},
  };
  for (const auto& r : records) {
    log_record bytes = consumer_group_record(r, 1);
    std::optional<protocol::bytes_view> value;
    if (bytes.value) value = *bytes.value;
    auto decoded = decode_record(bytes.key, value);
    ASSERT_TRUE(decoded.ok());
    auto* back = std::get_if<consumer_record>(&decoded.value());
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(back->group, "g");
    EXPECT_EQ(back->body.index(), r.body.index());
    consumer_group x, y;
    x.apply(r.body);
    y.apply(back->body);
    EXPECT_EQ(x.epoch(), y.epoch());
    EXPECT_EQ(x.members().size(), y.members().size());
    for (const auto& [id, mm] : x.members()) {
      EXPECT_TRUE(y.find(id)->same_assignment(mm));
      EXPECT_TRUE(y.find(id)->same_subscription(mm));
      EXPECT_EQ(y.find(id)->target, mm.target);
    }
  }
}

}  // namespace
}  // namespace sluice::coordinator::testing

namespace sluice::coordinator::testing {
namespace {

// Member "m" of group "g" heartbeats with a SubscribedTopicRegex (joining at epoch 0).
protocol::consumer_group_heartbeat_response regex_beat(harness& h, int32_t epoch,
                                                       std::optional<std::string> regex) {
  protocol::consumer_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "m";
  r.member_epoch = epoch;
  if (epoch == 0) {
    r.rebalance_timeout_ms = 1000;
    r.topic_partitions.emplace();
  }
  r.subscribed_topic_regex = std::move(regex);
  reply<protocol::consumer_group_heartbeat_response> out;
  h.core.consumer_group_heartbeat(r, 1, client_info{}, h.now, out.sink());
  h.drain();
  return *out;
}

TEST(consumer_group, a_regular_expression_picks_up_a_topic_created_later) {
  auto topics = std::make_shared<std::map<std::string, topic_info>>();
  (*topics)["orders-eu"] = topic_info{T1, 2};
  (*topics)["payments"] = topic_info{T2, 2};
  coordinator_hooks hooks;
  hooks.topic_lookup = [topics](const std::string& name) -> std::optional<topic_info> {
    auto it = topics->find(name);
    if (it == topics->end()) return std::nullopt;
    return it->second;
  };
  hooks.topic_names = [topics] {
    std::vector<std::string> out;
    for (const auto& [name, info] : *topics) out.push_back(name);
    return out;
  };
  harness h(test_config(), hooks);
  auto beat = [&](int32_t epoch, std::optional<std::string> regex) {
    return regex_beat(h, epoch, std::move(regex));
  };
  auto bad = beat(0, "orders-(");
  EXPECT_EQ(bad.error_code, ec(error_code::invalid_regular_expression));
  auto first = beat(0, "orders-.*");
  ASSERT_EQ(first.error_code, 0);
  ASSERT_TRUE(first.assignment);
  ASSERT_EQ(first.assignment->topic_partitions.size(), 1u);
  EXPECT_EQ(first.assignment->topic_partitions[0].topic_id, T1);
  // A matching topic appears: the next heartbeat after the refresh interval assigns it too.
  const protocol::uuid T3 = topic_id(3);
  (*topics)["orders-us"] = topic_info{T3, 1};
  h.advance(test_config().regex_refresh_ms);
  auto later = beat(first.member_epoch, std::nullopt);
  EXPECT_GT(later.member_epoch, first.member_epoch);
  ASSERT_TRUE(later.assignment);
  EXPECT_EQ(later.assignment->topic_partitions.size(), 2u);
}

// Resolutions are recorded (ConsumerGroupRegularExpression): a coordinator that loads the log
// starts from the same topics, and a pattern nobody uses any more is tombstoned.
TEST(consumer_group, regular_expression_resolutions_are_recorded_and_replayed) {
  coordinator_hooks hooks;
  hooks.topic_lookup = [](const std::string& name) -> std::optional<topic_info> {
    if (name == "orders-eu") return topic_info{T1, 2};
    if (name == "payments") return topic_info{T2, 2};
    return std::nullopt;
  };
  hooks.topic_names = [] { return std::vector<std::string>{"orders-eu", "payments"}; };
  harness h(test_config(), hooks);
  auto beat = [&](int32_t epoch, std::optional<std::string> regex) {
    return regex_beat(h, epoch, std::move(regex));
  };
  auto first = beat(0, "orders-.*");
  ASSERT_EQ(first.error_code, 0);
  size_t regex_records = 0;
  for (const auto& [partition, records] : h.log)
    for (const auto& rec : records) {
      std::optional<protocol::bytes_view> value;
      if (rec.value) value = protocol::bytes_view(*rec.value);
      auto d = decode_record(rec.key, value);
      if (!d) continue;
      if (auto* c = std::get_if<consumer_record>(&*d))
        if (auto* r = std::get_if<regex_record>(&c->body)) {
          ++regex_records;
          EXPECT_EQ(r->regex, "orders-.*");
          EXPECT_EQ(r->topics, (std::set<std::string>{"orders-eu"}));
        }
    }
  EXPECT_EQ(regex_records, 1u);

  harness h2(test_config(), hooks, /*load_all=*/false);
  h2.now = h.now;
  h2.log = h.log;
  for (int32_t p = 0; p < test_config().offsets_topic_partitions; ++p) h2.load(p);
  const group* g = h2.core.find_group("g");
  ASSERT_NE(g, nullptr);
  ASSERT_TRUE(g->consumer);
  EXPECT_EQ(g->consumer->regex_topics,
            (std::map<std::string, std::set<std::string>>{{"orders-.*", {"orders-eu"}}}));

  // The member subscribes by name instead: the pattern's record is tombstoned.
  protocol::consumer_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "m";
  r.member_epoch = first.member_epoch;
  r.subscribed_topic_regex = "";
  r.subscribed_topic_names = std::vector<std::string>{"payments"};
  reply<protocol::consumer_group_heartbeat_response> out;
  h.core.consumer_group_heartbeat(r, 1, client_info{}, h.now, out.sink());
  h.drain();
  ASSERT_EQ(out->error_code, 0);
  EXPECT_TRUE(h.core.find_group("g")->consumer->regex_topics.empty());
  harness h3(test_config(), hooks, /*load_all=*/false);
  h3.now = h.now;
  h3.log = h.log;
  for (int32_t p = 0; p < test_config().offsets_topic_partitions; ++p) h3.load(p);
  EXPECT_TRUE(h3.core.find_group("g")->consumer->regex_topics.empty());
}

TEST(consumer_group, a_regular_expression_resolves_only_to_topics_the_member_may_describe) {
  coordinator_hooks hooks;
  hooks.topic_lookup = [](const std::string& name) -> std::optional<topic_info> {
    if (name == "orders-eu") return topic_info{T1, 2};
    if (name == "orders-secret") return topic_info{T2, 2};
    return std::nullopt;
  };
  hooks.topic_names = [] { return std::vector<std::string>{"orders-eu", "orders-secret"}; };
  harness h(test_config(), hooks);
  protocol::consumer_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "m";
  r.member_epoch = 0;
  r.rebalance_timeout_ms = 1000;
  r.topic_partitions.emplace();
  r.subscribed_topic_regex = "orders-.*";
  client_info client{"c", "/127.0.0.1", [](const std::string& t) { return t != "orders-secret"; }};
  reply<protocol::consumer_group_heartbeat_response> out;
  h.core.consumer_group_heartbeat(r, 1, client, h.now, out.sink());
  h.drain();
  ASSERT_EQ(out->error_code, 0);
  ASSERT_TRUE(out->assignment);
  ASSERT_EQ(out->assignment->topic_partitions.size(), 1u);
  EXPECT_EQ(out->assignment->topic_partitions[0].topic_id, T1);
}

}  // namespace
}  // namespace sluice::coordinator::testing

namespace sluice::coordinator::testing {
namespace {

TEST(consumer_group, a_static_member_restarts_into_its_partitions_without_a_rebalance) {
  kip848 h;
  auto beat = [&](const std::string& member, int32_t epoch, bool join) {
    protocol::consumer_group_heartbeat_request r;
    r.group_id = "g";
    r.member_id = member;
    r.member_epoch = epoch;
    r.instance_id = "instance-" + std::string(1, member[0]);
    if (join) {
      r.rebalance_timeout_ms = 30'000;
      r.subscribed_topic_names = std::vector<std::string>{"t"};
      r.topic_partitions.emplace();
    }
    reply<protocol::consumer_group_heartbeat_response> out;
    h.core.consumer_group_heartbeat(std::move(r), 1, client_info{}, h.now, out.sink());
    h.drain();
    return *out;
  };
  beat("a1", 0, true);
  h.beat("b", 0, std::nullopt, true);
  auto a2 = h.beat("a1", 1, partition_assignment{{T1, {0, 1, 2, 3}}});
  auto kept = kip848::assigned(a2);
  h.beat("a1", 1, kept);
  h.beat("b", 2);
  const group_epoch before = h.core.find_group("g")->consumer->epoch();
  // a1 leaves for a restart: it keeps its partitions, b gets none of them.
  EXPECT_EQ(beat("a1", -2, false).member_epoch, -2);
  h.beat("b", 2);
  EXPECT_EQ(count(h.core.find_group("g")->consumer->find("b")->assigned), 2u);
  EXPECT_EQ(h.core.find_group("g")->consumer->epoch(), before);
  // Its next incarnation ("a9", same instance id "instance-a") takes its place and partitions.
  auto back = beat("a9", 0, true);
  ASSERT_EQ(back.error_code, 0);
  EXPECT_EQ(back.member_epoch, 2);
  EXPECT_EQ(kip848::assigned(back), kept);
  EXPECT_EQ(h.core.find_group("g")->consumer->epoch(), before) << "no rebalance";
  EXPECT_EQ(h.core.find_group("g")->consumer->find("a1"), nullptr);
  // A second incarnation while the first is active is refused.
  EXPECT_EQ(beat("a7", 0, true).error_code, ec(error_code::unreleased_instance_id));
}

}  // namespace
}  // namespace sluice::coordinator::testing
