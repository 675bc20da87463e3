// Replication across replica_managers in one process (cluster_fixture.h): followers catching up,
// the high watermark over the ISR, acks=-1 and min.insync.replicas, ISR shrink and expansion,
// roles from LeaderAndIsr/StopReplica, and divergent logs converging after a leader change
// (KIP-101).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cluster_fixture.h"
#include "replication/partition.h"

namespace sluice::replication::test {
namespace {

using strings = std::vector<std::string>;
using ids = std::vector<int32_t>;

struct consumer_read {
  std::optional<errc> error;
  int64_t high_watermark = -1;
  size_t bytes = 0;
};

consumer_read consume(replica_manager& rm, const std::string& topic, int32_t partition,
                      int64_t offset) {
  fetch_request_params params;
  params.replica_id = -1;
  params.max_wait_ms = 0;
  fetch_partition_request req;
  req.topic = topic;
  req.partition = partition;
  req.fetch_offset = offset;
  req.max_bytes = 1 << 20;
  params.partitions.push_back(req);
  std::promise<consumer_read> done;
  auto fut = done.get_future();
  rm.fetch(params, [&](std::vector<fetch_partition_result> results) {
    const auto& r = results.at(0);
    consumer_read out{r.error, r.high_watermark, 0};
    if (!r.records.is_null()) out.bytes = static_cast<size_t>(r.records.size());
    done.set_value(out);
  });
  return fut.get();
}

void expect_ok(const std::vector<partition_outcome>& outcomes) {
  for (const auto& o : outcomes)
    EXPECT_FALSE(o.error) << o.topic << "-" << o.partition << ": " << to_string(*o.error);
}

TEST(replication, follower_catches_up_and_consumers_read_only_below_the_high_watermark) {
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3});
  c.at(3).gate->store(false);  // broker 3 cannot reach the leader yet
  expect_ok(c.elect("t", 0, 1, 0, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}));
  EXPECT_TRUE(c.view(1, "t", 0).leader);
  EXPECT_FALSE(c.view(2, "t", 0).leader);

  auto r = c.produce(1, "t", 0, {"a", "b", "c"});
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.base_offset, 0);
  ASSERT_TRUE(c.eventually([&] { return c.view(2, "t", 0).log_end_offset == 3; }));
  // Broker 3 is in the ISR but has nothing: the high watermark stays.
  EXPECT_EQ(c.view(1, "t", 0).high_watermark, 0);
  auto read = consume(c.rm(1), "t", 0, 0);
  EXPECT_FALSE(read.error);
  EXPECT_EQ(read.high_watermark, 0);
  EXPECT_EQ(read.bytes, 0u);

  c.at(3).gate->store(true);
  ASSERT_TRUE(c.eventually([&] { return c.view(1, "t", 0).high_watermark == 3; }));
  EXPECT_GT(consume(c.rm(1), "t", 0, 0).bytes, 0u);
  // Followers learn the high watermark from their next fetch.
  ASSERT_TRUE(c.eventually([&] {
    return c.view(2, "t", 0).high_watermark == 3 && c.view(3, "t", 0).high_watermark == 3;
  }));
  EXPECT_EQ(c.values(2, "t", 0), (strings{"a", "b", "c"}));
  EXPECT_EQ(c.values(3, "t", 0), (strings{"a", "b", "c"}));
  // The leader epoch travels with the batches.
  auto epochs = c.at(3).logs->get({"t", 0})->epoch_entries();
  ASSERT_EQ(epochs.size(), 1u);
  EXPECT_EQ(epochs[0].epoch, 0);
}

TEST(replication, followers_refuse_clients) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  EXPECT_EQ(c.produce(2, "t", 0, {"x"}).error, errc::not_leader);
  EXPECT_EQ(consume(c.rm(2), "t", 0, 0).error, errc::not_leader);
  EXPECT_EQ(c.rm(2).list_offset("t", 0, -1, false, -1).code(), errc::not_leader);
  EXPECT_EQ(c.rm(1).led_partitions(), (std::vector<std::pair<std::string, int32_t>>{{"t", 0}}));
  EXPECT_TRUE(c.rm(2).led_partitions().empty());
}

TEST(replication, acks_all_waits_for_the_isr_until_a_lagging_follower_is_removed) {
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3});
  c.at(3).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}));

  auto pending = c.produce_async(1, "t", 0, {"x"}, -1, 20000);
  EXPECT_EQ(pending.wait_for(300ms), std::future_status::timeout);
  c.rm(1).check_isr();  // nobody lags yet
  EXPECT_TRUE(c.isr_changes_seen().empty());

  c.now_ms += test_cluster::lag_ms + 1;
  std::this_thread::sleep_for(300ms);  // broker 2 fetches again at the new time
  c.rm(1).check_isr();
  auto changes = c.isr_changes_seen();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].new_isr, (ids{1, 2}));
  EXPECT_EQ(changes[0].leader_epoch, 0);
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  auto r = pending.get();
  EXPECT_FALSE(r.error) << to_string(*r.error);
  EXPECT_EQ(c.view(1, "t", 0).isr, (ids{1, 2}));
  EXPECT_EQ(c.view(1, "t", 0).partition_epoch, 1);
  EXPECT_EQ(c.view(1, "t", 0).high_watermark, 1);
  EXPECT_EQ(c.rm(1).under_replicated_count(), 1);
}

TEST(replication, min_insync_replicas_refuses_before_appending) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2}, {{"min.insync.replicas", "2"}});
  c.at(2).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1}, {1, 2}, {1, 2}));
  EXPECT_EQ(c.produce(1, "t", 0, {"x"}, -1).error, errc::not_enough_replicas);
  EXPECT_EQ(c.view(1, "t", 0).log_end_offset, 0);
  // acks=1 does not care.
  EXPECT_FALSE(c.produce(1, "t", 0, {"y"}, 1).error);
  EXPECT_EQ(c.view(1, "t", 0).log_end_offset, 1);
}

TEST(replication, isr_shrinking_below_min_insync_while_waiting_fails_after_append) {
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3}, {{"min.insync.replicas", "3"}});
  c.at(3).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}));
  auto pending = c.produce_async(1, "t", 0, {"x"}, -1, 20000);
  EXPECT_EQ(pending.wait_for(200ms), std::future_status::timeout);
  c.now_ms += test_cluster::lag_ms + 1;
  std::this_thread::sleep_for(300ms);
  c.rm(1).check_isr();
  ASSERT_EQ(pending.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(pending.get().error, errc::not_enough_replicas_after_append);
  // And the next acks=-1 produce is refused up front.
  EXPECT_EQ(c.produce(1, "t", 0, {"y"}, -1).error, errc::not_enough_replicas);
}

TEST(replication, a_follower_that_catches_up_rejoins_the_isr) {
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3});
  c.at(3).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2, 3}, {1, 2, 3}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a", "b", "c", "d"}, -1).error);
  EXPECT_EQ(c.view(1, "t", 0).high_watermark, 4);
  EXPECT_TRUE(c.isr_changes_seen().empty());

  c.at(3).gate->store(true);
  ASSERT_TRUE(c.eventually([&] { return c.view(1, "t", 0).isr == ids{1, 2, 3}; }));
  auto changes = c.isr_changes_seen();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].new_isr, (ids{1, 2, 3}));
  EXPECT_EQ(c.view(3, "t", 0).log_end_offset, 4);
  EXPECT_EQ(c.rm(1).under_replicated_count(), 0);
}

TEST(replication, a_refused_isr_change_leaves_the_isr_alone) {
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3});
  c.at(3).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}));
  c.set_refuse_isr_changes(true);
  c.now_ms += test_cluster::lag_ms + 1;
  std::this_thread::sleep_for(300ms);
  c.rm(1).check_isr();
  EXPECT_EQ(c.isr_changes_seen().size(), 1u);
  EXPECT_EQ(c.view(1, "t", 0).isr, (ids{1, 2, 3}));
  // Not pending any more, but held back for the retry backoff: no storm of re-proposals.
  c.rm(1).check_isr();
  EXPECT_EQ(c.isr_changes_seen().size(), 1u);
  c.now_ms += partition::isr_change_retry_backoff_ms;
  c.rm(1).check_isr();
  EXPECT_EQ(c.isr_changes_seen().size(), 2u);
}

TEST(replication, divergent_logs_converge_after_a_leader_change) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a", "b"}, -1).error);

  // Broker 2 is cut off; broker 1 takes writes only it has (acks=1), then dies.
  c.at(2).gate->store(false);
  std::this_thread::sleep_for(200ms);  // a fetch already parked at the leader ends empty
  ASSERT_FALSE(c.produce(1, "t", 0, {"lost1", "lost2", "lost3"}, 1).error);
  EXPECT_EQ(c.view(1, "t", 0).log_end_offset, 5);
  EXPECT_EQ(c.view(2, "t", 0).log_end_offset, 2);

  // The controller elects broker 2 (epoch 1), which takes new writes.
  expect_ok(c.elect("t", 0, 2, 1, {2}, {1, 2}, {2}));
  ASSERT_FALSE(c.produce(2, "t", 0, {"c"}, 1).error);
  ASSERT_FALSE(c.produce(2, "t", 0, {"d", "e", "f", "g"}, 1).error);

  // Broker 1 comes back as a follower: it truncates its tail and fetches the new leader's log.
  expect_ok(c.elect("t", 0, 2, 1, {2}, {1, 2}, {1}, 2));
  ASSERT_TRUE(c.eventually([&] { return c.view(1, "t", 0).log_end_offset == 7; }));
  EXPECT_EQ(c.values(1, "t", 0), (strings{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_EQ(c.values(2, "t", 0), (strings{"a", "b", "c", "d", "e", "f", "g"}));
  auto epochs = c.at(1).logs->get({"t", 0})->epoch_entries();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].epoch, 1);
  EXPECT_EQ(epochs[1].start_offset, 2);
  // It rejoins the ISR once caught up.
  ASSERT_TRUE(c.eventually([&] { return c.view(2, "t", 0).isr == ids{2, 1}; }));
}

TEST(replication, a_follower_ahead_in_an_old_epoch_truncates_through_fetch_divergence) {
  // Two epochs on the old leader that the new leader never saw: the follower needs more than
  // one round to find the common point.
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a"}, -1).error);
  c.at(2).gate->store(false);
  std::this_thread::sleep_for(200ms);
  ASSERT_FALSE(c.produce(1, "t", 0, {"x1"}, 1).error);
  expect_ok(c.elect("t", 0, 1, 1, {1}, {1, 2}, {1}));  // 1 re-elected alone: epoch 1
  ASSERT_FALSE(c.produce(1, "t", 0, {"x2", "x3"}, 1).error);
  // Now 2 leads in epoch 2 with only "a".
  expect_ok(c.elect("t", 0, 2, 2, {2}, {1, 2}, {2}));
  ASSERT_FALSE(c.produce(2, "t", 0, {"b", "c"}, 1).error);
  expect_ok(c.elect("t", 0, 2, 2, {2}, {1, 2}, {1}));
  ASSERT_TRUE(c.eventually([&] { return c.values(1, "t", 0) == strings{"a", "b", "c"}; }));
}

TEST(replication, stale_epochs_are_refused) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 3, {1, 2}, {1, 2}, {1, 2}));
  auto older = c.elect("t", 0, 2, 2, {1, 2}, {1, 2}, {1});
  ASSERT_EQ(older.size(), 1u);
  EXPECT_EQ(older[0].error, errc::fenced_leader_epoch);
  EXPECT_TRUE(c.view(1, "t", 0).leader);
  // A controller older than one already heard from.
  c.controller_epoch = 0;
  auto stale = c.elect("t", 0, 2, 9, {1, 2}, {1, 2}, {1});
  EXPECT_EQ(stale.at(0).error, errc::fenced_leader_epoch);
  EXPECT_EQ(c.rm(1).controller_epoch(), 1);
  // Same leader epoch, newer partition epoch: the ISR changes, the role stays.
  c.controller_epoch = 1;
  expect_ok(c.elect("t", 0, 1, 3, {1}, {1, 2}, {1}, 7));
  // Follower 2 is caught up and still fetching, so the leader may already have proposed it back
  // (and the test controller accepted: partition epoch 8) by the time this looks.
  auto after = c.view(1, "t", 0);
  EXPECT_TRUE((after.isr == ids{1} && after.partition_epoch == 7) ||
              (after.isr == ids{1, 2} && after.partition_epoch == 8))
      << "isr size " << after.isr.size() << ", partition epoch " << after.partition_epoch;
  EXPECT_TRUE(after.leader);
  // Not a replica here.
  auto stranger = c.elect("t", 0, 2, 4, {2}, {2}, {1});
  EXPECT_EQ(stranger.at(0).error, errc::unknown_topic_or_partition);
}

TEST(replication, leadership_listeners_hear_elections_and_resignations) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  std::vector<std::optional<int32_t>> heard;
  c.rm(1).on_leadership_change(
      [&](const std::string&, int32_t, std::optional<int32_t> epoch) { heard.push_back(epoch); });
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  expect_ok(c.elect("t", 0, 2, 1, {2}, {1, 2}, {1, 2}));
  expect_ok(c.elect("t", 0, 1, 2, {1, 2}, {1, 2}, {1, 2}));
  expect_ok(c.rm(1).stop_replicas(1, 1, {{"t", 0, -1, false}}));
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_EQ(heard[0], 0);
  EXPECT_EQ(heard[1], std::nullopt);
  EXPECT_EQ(heard[2], 2);
  EXPECT_EQ(heard[3], std::nullopt);
}

TEST(replication, stop_replica_stops_fetching_and_deletes_the_log) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a"}, -1).error);
  auto kept = c.rm(2).stop_replicas(1, 1, {{"t", 0, -1, false}});
  expect_ok(kept);
  ASSERT_FALSE(c.produce(1, "t", 0, {"b"}, 1).error);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(c.view(2, "t", 0).log_end_offset, 1);  // no longer fetching
  expect_ok(c.rm(2).stop_replicas(1, 1, {{"t", 0, -2, true}}));
  EXPECT_FALSE(c.rm(2).hosts("t", 0));
  EXPECT_EQ(c.at(2).logs->get({"t", 0}), nullptr);
}

TEST(replication, high_watermarks_survive_a_restart) {
  test_cluster c(2);
  c.create_topic("t", 1, {1, 2});
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {1, 2}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a", "b", "c"}, -1).error);
  ASSERT_TRUE(c.eventually([&] { return c.view(2, "t", 0).high_watermark == 3; }));
  c.rm(2).checkpoint_high_watermarks();
  std::ifstream in(c.at(2).dir.path + "/replication-offset-checkpoint");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find("t 0 3"), std::string::npos) << text;

  c.at(2).gate->store(false);
  c.restart(2);
  c.at(2).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2}, {1, 2}, {2}));
  EXPECT_EQ(c.view(2, "t", 0).high_watermark, 3);
  EXPECT_EQ(c.view(2, "t", 0).log_end_offset, 3);
}

TEST(replication, a_new_leader_loads_its_internal_topics_past_its_stale_high_watermark) {
  // What a coordinator replays after an election: everything the new leader holds, not just what
  // its (follower-copied, lagging) high watermark covers, or the newest offsets and transaction
  // states would be forgotten. Kafka's coordinators read to the log end for the same reason.
  test_cluster c(3);
  c.create_topic("t", 1, {1, 2, 3});
  c.at(3).gate->store(false);
  expect_ok(c.elect("t", 0, 1, 0, {1, 2, 3}, {1, 2, 3}, {1, 2, 3}));
  ASSERT_FALSE(c.produce(1, "t", 0, {"a", "b", "c"}).error);
  ASSERT_TRUE(c.eventually([&] { return c.view(2, "t", 0).log_end_offset == 3; }));
  EXPECT_EQ(c.view(2, "t", 0).high_watermark, 0);
  expect_ok(c.elect("t", 0, 2, 1, {2, 3}, {1, 2, 3}, {2, 3}));
  ASSERT_TRUE(c.view(2, "t", 0).leader);
  auto chunk = c.rm(2).read_batches("t", 0, 0, 1 << 20);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->next_offset, 3);
  EXPECT_TRUE(chunk->at_end);
  EXPECT_FALSE(chunk->data.empty());
}

}  // namespace
}  // namespace sluice::replication::test
