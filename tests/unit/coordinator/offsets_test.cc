// OffsetCommit, OffsetFetch and OffsetDelete; retention.
#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

using topics = std::vector<std::pair<std::string, std::vector<int32_t>>>;

TEST(commit, a_member_commits_and_fetches) {
  harness h;
  auto g = h.make_stable("g", 1);
  auto c = h.commit("g", g.members[0], g.generation, {{"t", 0, 42}, {"t", 1, 7}, {"u", 0, 1}});
  ASSERT_EQ(c->topics.size(), 2u);
  EXPECT_EQ(c->topics[0].name, "t");
  ASSERT_EQ(c->topics[0].partitions.size(), 2u);
  EXPECT_EQ(c->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(c->topics[1].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("g", "t", 0), 42);
  EXPECT_EQ(h.committed("g", "t", 1), 7);
  EXPECT_EQ(h.committed("g", "t", 2), -1);  // never committed
  EXPECT_EQ(h.committed("other", "t", 0), -1);
}

TEST(commit, checks_generation_and_membership) {
  harness h;
  auto g = h.make_stable("g", 1);
  auto code_of = [](const reply<protocol::offset_commit_response>& r) {
    return r->topics[0].partitions[0].error_code;
  };
  EXPECT_EQ(code_of(h.commit("g", g.members[0], g.generation + 1, {{"t", 0, 1}})),
            ec(error_code::illegal_generation));
  EXPECT_EQ(code_of(h.commit("g", "stranger", g.generation, {{"t", 0, 1}})),
            ec(error_code::unknown_member_id));
  // A non-member (generation -1) may not commit for a group with members.
  EXPECT_EQ(code_of(h.commit("g", "", -1, {{"t", 0, 1}})), ec(error_code::unknown_member_id));
  // A group member of a group that does not exist is stale.
  EXPECT_EQ(code_of(h.commit("nope", "m", 3, {{"t", 0, 1}})), ec(error_code::illegal_generation));
  // During the sync phase the member has no assignment yet.
  h.join("g", g.members[0], join_options{.version = 3});
  EXPECT_EQ(code_of(h.commit("g", g.members[0], g.generation + 1, {{"t", 0, 1}})),
            ec(error_code::rebalance_in_progress));
  EXPECT_EQ(h.committed("g", "t", 0), -1);
}

TEST(commit, commits_during_preparing_rebalance_are_accepted) {
  harness h;
  auto g = h.make_stable("g", 2);
  h.join("g", g.members[0], join_options{.version = 3});
  auto c = h.commit("g", g.members[1], g.generation, {{"t", 0, 9}});
  EXPECT_EQ(c->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("g", "t", 0), 9);
}

TEST(commit, simple_consumers_commit_without_a_group) {
  harness h;
  auto c = h.commit("simple", "", -1, {{"t", 0, 100}}, 2);
  EXPECT_EQ(c->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("simple", "t", 0), 100);
  const group* g = h.core.find_group("simple");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->state(), group_state::empty);
  EXPECT_EQ(g->protocol_type, std::nullopt);
  // v0 too (Kafka kept those in ZooKeeper; we keep them with the others).
  EXPECT_EQ(h.commit("simple", "", -1, {{"t", 1, 5}}, 0)->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("simple", "t", 1), 5);
}

TEST(commit, oversized_metadata_and_unknown_topics_fail_only_their_partitions) {
  coordinator_hooks hooks;
  hooks.partition_exists = [](const std::string& topic, int32_t) { return topic != "gone"; };
  auto config = test_config();
  config.offset_metadata_max_bytes = 4;
  harness h(config, hooks);
  auto c = h.commit("s", "", -1, {{"t", 0, 1}, {"gone", 0, 2}}, 7, std::nullopt, "12345");
  EXPECT_EQ(c->topics[0].partitions[0].error_code, ec(error_code::offset_metadata_too_large));
  EXPECT_EQ(c->topics[1].partitions[0].error_code, ec(error_code::unknown_topic_or_partition));
  auto ok = h.commit("s", "", -1, {{"t", 0, 1}, {"gone", 0, 2}}, 7, std::nullopt, "1234");
  EXPECT_EQ(ok->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(ok->topics[1].partitions[0].error_code, ec(error_code::unknown_topic_or_partition));
  auto f = h.fetch("s", topics{{"t", {0}}});
  EXPECT_EQ(f->topics[0].partitions[0].metadata, "1234");
}

TEST(commit, waits_for_the_write_and_reports_its_failure) {
  harness h;
  h.auto_complete = false;
  auto c = h.commit("s", "", -1, {{"t", 0, 1}});
  EXPECT_FALSE(c.done());
  EXPECT_EQ(h.committed("s", "t", 0), -1);  // not visible before it is written
  h.complete_held(append_status::not_leader);
  EXPECT_EQ(c->topics[0].partitions[0].error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(h.committed("s", "t", 0), -1);
  auto big = h.commit("s", "", -1, {{"t", 0, 1}});
  h.complete_held(append_status::too_large);
  EXPECT_EQ(big->topics[0].partitions[0].error_code, ec(error_code::invalid_commit_offset_size));
  auto ok = h.commit("s", "", -1, {{"t", 0, 3}});
  h.complete_held();
  EXPECT_EQ(ok->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("s", "t", 0), 3);
}

TEST(fetch, version_shapes) {
  harness h;
  h.commit("g", "", -1, {{"t", 0, 5}, {"t", 1, 6}, {"u", 0, 7}});
  // null topics (v2+): everything the group has, by topic.
  auto all = h.fetch("g", std::nullopt, 6);
  ASSERT_EQ(all->topics.size(), 2u);
  EXPECT_EQ(all->topics[0].name, "t");
  EXPECT_EQ(all->topics[0].partitions.size(), 2u);
  EXPECT_EQ(all->topics[1].partitions[0].committed_offset, 7);
  // v8: per group.
  auto v8 = h.fetch("g", topics{{"t", {1, 9}}}, 8);
  ASSERT_EQ(v8->groups.size(), 1u);
  EXPECT_EQ(v8->groups[0].group_id, "g");
  EXPECT_EQ(v8->groups[0].topics[0].partitions[0].committed_offset, 6);
  EXPECT_EQ(v8->groups[0].topics[0].partitions[1].committed_offset, -1);
  EXPECT_TRUE(v8->topics.empty());
  // Group errors: per partition at v1, at the top from v2, per group from v8.
  harness unloaded(test_config(), {}, false);
  auto v1 = unloaded.fetch("g", topics{{"t", {0, 1}}}, 1);
  ASSERT_EQ(v1->topics[0].partitions.size(), 2u);
  EXPECT_EQ(v1->topics[0].partitions[1].error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(v1->topics[0].partitions[1].committed_offset, -1);
  auto v2 = unloaded.fetch("g", topics{{"t", {0, 1}}}, 2);
  EXPECT_EQ(v2->error_code, ec(error_code::not_coordinator));
  EXPECT_TRUE(v2->topics.empty());
  auto v8e = unloaded.fetch("g", topics{{"t", {0}}}, 8);
  EXPECT_EQ(v8e->groups[0].error_code, ec(error_code::not_coordinator));
}

TEST(fetch, several_groups_at_once) {
  harness h;
  h.commit("a", "", -1, {{"t", 0, 1}});
  h.commit("b", "", -1, {{"t", 0, 2}});
  protocol::offset_fetch_request r;
  for (const char* id : {"a", "b", "c"}) {
    auto& g = r.groups.emplace_back();
    g.group_id = id;
    g.topics.emplace();
    g.topics->push_back({.name = "t", .partition_indexes = {0}});
  }
  reply<protocol::offset_fetch_response> out;
  h.core.offset_fetch(r, 9, out.sink());
  h.drain();
  ASSERT_EQ(out->groups.size(), 3u);
  EXPECT_EQ(out->groups[0].topics[0].partitions[0].committed_offset, 1);
  EXPECT_EQ(out->groups[1].topics[0].partitions[0].committed_offset, 2);
  EXPECT_EQ(out->groups[2].topics[0].partitions[0].committed_offset, -1);
}

// ---- retention ----

TEST(retention, offsets_of_a_simple_group_expire_and_the_group_goes) {
  auto config = test_config();
  config.offsets_retention_ms = 60'000;
  config.offsets_retention_check_interval_ms = 10'000;
  harness h(config);
  h.commit("s", "", -1, {{"t", 0, 1}});
  h.advance(30'000);
  h.commit("s", "", -1, {{"t", 1, 2}});  // newer
  size_t before = h.log[h.partition_of("s")].size();
  h.advance(30'000);  // the first is 60 s old
  EXPECT_EQ(h.committed("s", "t", 0), -1);
  EXPECT_EQ(h.committed("s", "t", 1), 2);
  auto& log = h.log[h.partition_of("s")];
  ASSERT_EQ(log.size(), before + 1);
  EXPECT_FALSE(log.back().value.has_value());  // a tombstone
  h.advance(30'000);
  EXPECT_EQ(h.core.find_group("s"), nullptr);
  // The last offset's tombstone and the group's.
  ASSERT_EQ(log.size(), before + 3);
  auto last = decode_record(log.back().key, std::nullopt);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(std::holds_alternative<group_metadata_entry>(*last));
}

TEST(retention, an_empty_group_keeps_offsets_for_the_retention_after_emptying) {
  auto config = test_config();
  config.offsets_retention_ms = 60'000;
  config.offsets_retention_check_interval_ms = 10'000;
  harness h(config);
  auto g = h.make_stable("g", 1);
  h.commit("g", g.members[0], g.generation, {{"t", 0, 1}});
  for (int i = 0; i < 11; ++i) {  // stays a member (heartbeats) well past the retention
    h.heartbeat("g", g.members[0], g.generation);
    h.advance(9'000);
  }
  // A stable consumer group with unknown subscriptions (the test metadata is not a
  // subscription) keeps everything.
  EXPECT_EQ(h.committed("g", "t", 0), 1);
  h.leave("g", g.members[0]);
  h.advance(50'000);
  EXPECT_EQ(h.committed("g", "t", 0), 1);  // empty for 50 s only
  h.advance(10'000);
  EXPECT_EQ(h.committed("g", "t", 0), -1);
  EXPECT_EQ(h.core.find_group("g"), nullptr);
}

TEST(retention, a_stable_consumer_group_loses_offsets_of_topics_it_left) {
  auto config = test_config();
  config.offsets_retention_ms = 60'000;
  config.offsets_retention_check_interval_ms = 10'000;
  harness h(config);
  join_options o;
  o.protocols = {{"range", subscription({"t"})}};
  auto g = h.make_stable("g", 1, o);
  h.commit("g", g.members[0], g.generation, {{"t", 0, 1}, {"old", 0, 2}});
  for (int i = 0; i < 8; ++i) {
    h.heartbeat("g", g.members[0], g.generation);
    h.advance(9'000);
  }
  EXPECT_EQ(h.committed("g", "t", 0), 1);
  EXPECT_EQ(h.committed("g", "old", 0), -1);
}

TEST(retention, an_explicit_retention_time_sets_the_expiry) {
  auto config = test_config();
  config.offsets_retention_check_interval_ms = 1'000;
  harness h(config);
  protocol::offset_commit_request r;
  r.group_id = "s";
  r.retention_time_ms = 5'000;
  auto& t = r.topics.emplace_back();
  t.name = "t";
  t.partitions.push_back({0, 3, -1, -1, "", {}});
  reply<protocol::offset_commit_response> out;
  h.core.offset_commit(r, 2, h.now, out.sink());
  h.drain();
  // Written as OffsetCommitValue v1, the version with an expire timestamp.
  const auto& value = *h.log[h.partition_of("s")].back().value;
  EXPECT_EQ(value[1], 1);
  h.advance(4'000);
  EXPECT_EQ(h.committed("s", "t", 0), 3);
  h.advance(1'000);
  EXPECT_EQ(h.committed("s", "t", 0), -1);
}

TEST(retention, offsets_of_deleted_topics_go_at_once) {
  harness h;
  auto g = h.make_stable("g", 1);
  h.commit("g", g.members[0], g.generation, {{"t", 0, 1}, {"u", 0, 2}});
  h.commit("s", "", -1, {{"t", 0, 3}});
  h.core.partitions_deleted({topic_partition{"t", 0}}, h.now);
  h.drain();
  EXPECT_EQ(h.committed("g", "t", 0), -1);
  EXPECT_EQ(h.committed("g", "u", 0), 2);
  EXPECT_EQ(h.core.find_group("s"), nullptr);  // nothing left of it
}

// ---- OffsetDelete ----

reply<protocol::offset_delete_response> delete_offsets(harness& h, const std::string& group,
                                                       const std::string& topic,
                                                       std::vector<int32_t> partitions) {
  protocol::offset_delete_request r;
  r.group_id = group;
  auto& t = r.topics.emplace_back();
  t.name = topic;
  for (int32_t p : partitions) t.partitions.emplace_back().partition_index = p;
  reply<protocol::offset_delete_response> out;
  h.core.offset_delete(r, 0, h.now, out.sink());
  h.drain();
  return out;
}

TEST(offset_delete, removes_offsets_of_an_empty_group) {
  harness h;
  h.commit("s", "", -1, {{"t", 0, 1}, {"t", 1, 2}});
  auto d = delete_offsets(h, "s", "t", {0});
  EXPECT_EQ(d->error_code, 0);
  EXPECT_EQ(d->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("s", "t", 0), -1);
  EXPECT_EQ(h.committed("s", "t", 1), 2);
  EXPECT_FALSE(h.log[h.partition_of("s")].back().value.has_value());
  // Deleting the last offset of an empty group deletes the group.
  delete_offsets(h, "s", "t", {1});
  EXPECT_EQ(h.core.find_group("s"), nullptr);
}

TEST(offset_delete, an_active_consumer_group_keeps_offsets_of_subscribed_topics) {
  harness h;
  join_options o;
  o.protocols = {{"range", subscription({"t"})}};
  auto g = h.make_stable("g", 1, o);
  h.commit("g", g.members[0], g.generation, {{"t", 0, 1}, {"other", 0, 2}});
  auto kept = delete_offsets(h, "g", "t", {0});
  EXPECT_EQ(kept->topics[0].partitions[0].error_code, ec(error_code::group_subscribed_to_topic));
  auto gone = delete_offsets(h, "g", "other", {0});
  EXPECT_EQ(gone->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(h.committed("g", "t", 0), 1);
  EXPECT_EQ(h.committed("g", "other", 0), -1);
}

TEST(offset_delete, group_errors) {
  coordinator_hooks hooks;
  hooks.partition_exists = [](const std::string& topic, int32_t) { return topic != "gone"; };
  harness h(test_config(), hooks);
  EXPECT_EQ(delete_offsets(h, "nope", "t", {0})->error_code, ec(error_code::group_id_not_found));
  EXPECT_EQ(delete_offsets(h, "", "t", {0})->error_code, ec(error_code::invalid_group_id));
  join_options o;
  o.protocol_type = "connect";
  h.make_stable("c", 1, o);
  EXPECT_EQ(delete_offsets(h, "c", "t", {0})->error_code, ec(error_code::non_empty_group));
  h.commit("s", "", -1, {{"t", 0, 1}});
  auto unknown = delete_offsets(h, "s", "gone", {0});
  EXPECT_EQ(unknown->topics[0].partitions[0].error_code,
            ec(error_code::unknown_topic_or_partition));
}

}  // namespace
}  // namespace sluice::coordinator::testing
