// TxnOffsetCommit: offsets held per producer until the transaction's marker commits or aborts
// them, live and on replay, with OffsetFetch's require_stable.
#include <gtest/gtest.h>

#include "harness.h"

namespace sluice::coordinator::testing {
namespace {

using topics = std::vector<std::pair<std::string, std::vector<int32_t>>>;

reply<protocol::txn_offset_commit_response> txn_commit(
    harness& h, const std::string& group, int64_t producer_id,
    std::vector<std::tuple<std::string, int32_t, int64_t>> offsets, int16_t version = 3,
    int32_t generation = -1, std::string member = "") {
  protocol::txn_offset_commit_request r;
  r.transactional_id = "tx";
  r.group_id = group;
  r.producer_id = producer_id;
  r.producer_epoch = 2;
  r.generation_id_or_member_epoch = generation;
  r.member_id = std::move(member);
  for (const auto& [topic, partition, offset] : offsets) {
    if (r.topics.empty() || r.topics.back().name != topic) r.topics.emplace_back().name = topic;
    auto& p = r.topics.back().partitions.emplace_back();
    p.partition_index = partition;
    p.committed_offset = offset;
  }
  reply<protocol::txn_offset_commit_response> out;
  h.core.txn_offset_commit(r, version, h.now, out.sink());
  h.drain();
  return out;
}

TEST(txn_offsets, are_written_transactionally_and_hidden_until_committed) {
  harness h;
  auto out = txn_commit(h, "g", 7, {{"t", 0, 10}, {"t", 1, 20}});
  ASSERT_TRUE(out.done());
  EXPECT_EQ(out->topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(out->topics[0].partitions[1].error_code, 0);
  // Written as the producer's transactional records.
  const auto& written = h.log[h.partition_of("g")];
  ASSERT_EQ(written.size(), 2u);
  ASSERT_TRUE(written[0].txn.has_value());
  EXPECT_EQ(written[0].txn->producer_id, 7);
  EXPECT_EQ(written[0].txn->producer_epoch, 2);
  EXPECT_FALSE(written[0].txn->marker_commits.has_value());

  EXPECT_EQ(h.committed("g", "t", 0), -1);
  auto stable = h.fetch("g", topics{{"t", {0, 2}}}, 7, true);
  EXPECT_EQ(stable->topics[0].partitions[0].error_code, ec(error_code::unstable_offset_commit));
  EXPECT_EQ(stable->topics[0].partitions[1].error_code, 0);

  h.core.complete_transaction(h.partition_of("g"), 7, true);
  EXPECT_EQ(h.committed("g", "t", 0), 10);
  EXPECT_EQ(h.committed("g", "t", 1), 20);
  auto after = h.fetch("g", topics{{"t", {0}}}, 7, true);
  EXPECT_EQ(after->topics[0].partitions[0].error_code, 0);
}

TEST(txn_offsets, an_abort_drops_them) {
  harness h;
  h.commit("g", "", -1, {{"t", 0, 5}});
  txn_commit(h, "g", 7, {{"t", 0, 10}});
  h.core.complete_transaction(h.partition_of("g"), 7, false);
  EXPECT_EQ(h.committed("g", "t", 0), 5);
  auto stable = h.fetch("g", topics{{"t", {0}}}, 7, true);
  EXPECT_EQ(stable->topics[0].partitions[0].error_code, 0);
}

TEST(txn_offsets, another_producers_marker_leaves_them_alone) {
  harness h;
  txn_commit(h, "g", 7, {{"t", 0, 10}});
  h.core.complete_transaction(h.partition_of("g"), 8, true);
  EXPECT_EQ(h.committed("g", "t", 0), -1);
}

TEST(txn_offsets, a_plain_commit_written_later_wins_over_the_transaction) {
  harness h;
  txn_commit(h, "g", 7, {{"t", 0, 10}});
  h.commit("g", "", -1, {{"t", 0, 99}});
  h.core.complete_transaction(h.partition_of("g"), 7, true);
  EXPECT_EQ(h.committed("g", "t", 0), 99);
}

TEST(txn_offsets, a_failed_append_holds_nothing) {
  harness h;
  h.auto_complete = false;
  auto out = txn_commit(h, "g", 7, {{"t", 0, 10}});
  EXPECT_FALSE(out.done());
  h.complete_held(append_status::fenced);
  h.drain();
  ASSERT_TRUE(out.done());
  EXPECT_EQ(out->topics[0].partitions[0].error_code, ec(error_code::invalid_producer_epoch));
  h.core.complete_transaction(h.partition_of("g"), 7, true);
  EXPECT_EQ(h.committed("g", "t", 0), -1);
  auto stable = h.fetch("g", topics{{"t", {0}}}, 7, true);
  EXPECT_EQ(stable->topics[0].partitions[0].error_code, 0);
}

TEST(txn_offsets, a_member_generation_is_checked_from_v3) {
  harness h;
  auto g = h.make_stable("g", 1);
  auto wrong = txn_commit(h, "g", 7, {{"t", 0, 10}}, 3, g.generation + 1, g.members[0]);
  EXPECT_EQ(wrong->topics[0].partitions[0].error_code, ec(error_code::illegal_generation));
  auto stranger = txn_commit(h, "g", 7, {{"t", 0, 10}}, 3, g.generation, "nobody");
  EXPECT_EQ(stranger->topics[0].partitions[0].error_code, ec(error_code::unknown_member_id));
  auto member = txn_commit(h, "g", 7, {{"t", 0, 10}}, 3, g.generation, g.members[0]);
  EXPECT_EQ(member->topics[0].partitions[0].error_code, 0);
  // v0-v2 carry no member: accepted even for a group with members.
  auto old = txn_commit(h, "g", 8, {{"t", 1, 10}}, 0);
  EXPECT_EQ(old->topics[0].partitions[0].error_code, 0);
}

TEST(txn_offsets, replay_holds_them_until_the_marker_in_the_log) {
  harness h;
  txn_commit(h, "g", 7, {{"t", 0, 10}});
  txn_commit(h, "g", 8, {{"t", 1, 30}});
  h.commit("g", "", -1, {{"t", 2, 50}});
  const int32_t p = h.partition_of("g");
  auto records = h.log[p];
  // Producer 7 committed, producer 8 still open when the coordinator moved.
  records.push_back(log_record{{}, std::nullopt, h.now, txn_tag{7, 2, true}});

  harness reloaded(test_config(), {}, false);
  reloaded.core.begin_load(p, 1);
  for (const auto& r : records) ASSERT_TRUE(reloaded.core.replay(p, 1, r).ok());
  reloaded.core.finish_load(p, 1, true, reloaded.now);
  EXPECT_EQ(reloaded.committed("g", "t", 0), 10);
  EXPECT_EQ(reloaded.committed("g", "t", 1), -1);
  EXPECT_EQ(reloaded.committed("g", "t", 2), 50);
  auto stable = reloaded.fetch("g", topics{{"t", {1}}}, 7, true);
  EXPECT_EQ(stable->topics[0].partitions[0].error_code, ec(error_code::unstable_offset_commit));
  reloaded.core.complete_transaction(p, 8, true);
  EXPECT_EQ(reloaded.committed("g", "t", 1), 30);
}

TEST(txn_offsets, deleting_the_offsets_drops_open_transactional_ones) {
  harness h;
  txn_commit(h, "g", 7, {{"t", 0, 10}});
  h.core.partitions_deleted({topic_partition{"t", 0}}, h.now);
  h.core.complete_transaction(h.partition_of("g"), 7, true);
  EXPECT_EQ(h.committed("g", "t", 0), -1);
}

}  // namespace
}  // namespace sluice::coordinator::testing
