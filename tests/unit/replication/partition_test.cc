// The partition's replication state machine on its own, with explicit times and no threads: the
// high watermark over the ISR, ISR expansion and shrinking, pending changes and stale answers,
// and where a follower cuts its log.
#include "replication/partition.h"

#include <gtest/gtest.h>

#include "../storage/test_util.h"
#include "replication/replica_fetcher.h"
#include "storage/log_manager.h"

namespace sluice::replication {
namespace {

using ids = std::vector<int32_t>;
constexpr int64_t lag = 10'000;

struct fixture {
  storage::test::temp_dir dir;
  std::unique_ptr<storage::log_manager> logs;
  std::shared_ptr<storage::partition_log> log;
  std::unique_ptr<partition> p;

  fixture() {
    storage::log_manager_options o;
    o.log_dirs = {dir.path};
    auto opened = storage::log_manager::open(std::move(o));
    EXPECT_TRUE(opened.ok());
    logs = std::move(*opened);
    auto created = logs->create_partition({"t", 0}, storage::log_config{});
    EXPECT_TRUE(created.ok());
    log = *created;
    p = std::make_unique<partition>("t", 0, protocol::uuid{}, log, -1);
    p->set_managed(1, -1);
  }

  // `n` records appended as a leader in `epoch`.
  void append(int n, int32_t epoch) {
    auto batch = storage::test::make_batch(n, 1'700'000'000'000);
    storage::append_options o;
    o.leader_epoch = epoch;
    o.now_ms = 1'700'000'000'000;
    ASSERT_TRUE(log->append(batch, o).ok());
  }
};

role_state leader_state(int32_t epoch, ids isr, ids replicas, int32_t partition_epoch = 0) {
  return role_state{1, epoch, partition_epoch, std::move(isr), std::move(replicas)};
}

TEST(partition, high_watermark_is_the_least_isr_log_end_and_never_moves_back) {
  fixture f;
  f.p->become_leader(leader_state(0, {1, 2, 3}, {1, 2, 3}), 1000);
  f.append(10, 0);
  EXPECT_FALSE(f.p->maybe_advance_high_watermark());  // followers not heard from yet
  EXPECT_EQ(f.p->high_watermark(), 0);
  EXPECT_FALSE(f.p->record_follower_fetch(2, 5, 0, 1100).high_watermark_moved);
  EXPECT_TRUE(f.p->record_follower_fetch(3, 3, 0, 1100).high_watermark_moved);
  EXPECT_EQ(f.p->high_watermark(), 3);
  EXPECT_FALSE(f.p->record_follower_fetch(3, 2, 0, 1200).high_watermark_moved);
  EXPECT_EQ(f.p->high_watermark(), 3);
  f.p->record_follower_fetch(2, 10, 0, 1300);
  f.p->record_follower_fetch(3, 10, 0, 1300);
  EXPECT_EQ(f.p->high_watermark(), 10);
  EXPECT_EQ(f.log->retention_upper_bound(), 10);
}

TEST(partition, an_isr_of_one_advances_on_append) {
  fixture f;
  f.p->become_leader(leader_state(0, {1}, {1, 2}), 1000);
  f.append(4, 0);
  EXPECT_TRUE(f.p->maybe_advance_high_watermark());
  EXPECT_EQ(f.p->high_watermark(), 4);
}

TEST(partition, a_follower_joins_at_the_high_watermark_and_the_epoch_start) {
  fixture f;
  f.append(5, 0);  // written in epoch 0; this leadership (epoch 1) starts at 5
  f.p->become_leader(leader_state(1, {1, 2}, {1, 2, 3}), 1000);
  EXPECT_EQ(f.p->high_watermark(), 0);                             // broker 2 has not fetched
  EXPECT_FALSE(f.p->record_follower_fetch(3, 4, 0, 1100).expand);  // below the epoch start
  auto join = f.p->record_follower_fetch(3, 5, 0, 1200).expand;
  ASSERT_TRUE(join);
  EXPECT_EQ(join->new_isr, (ids{1, 2, 3}));
  EXPECT_EQ(join->leader_epoch, 1);
  EXPECT_TRUE(f.p->isr_change_pending());
  EXPECT_FALSE(f.p->record_follower_fetch(3, 5, 0, 1300).expand);  // one change at a time
  // While it is pending the high watermark already waits for broker 3.
  f.append(2, 1);
  f.p->record_follower_fetch(2, 7, 0, 1400);
  EXPECT_EQ(f.p->high_watermark(), 5);
  isr_change_result accepted{std::nullopt, 1, 1, {1, 2, 3}, 1};
  f.p->complete_isr_change(*join, accepted, 1500);
  EXPECT_EQ(f.p->isr(), (ids{1, 2, 3}));
  EXPECT_EQ(f.p->partition_epoch(), 1);
  EXPECT_FALSE(f.p->isr_change_pending());
}

TEST(partition, the_isr_shrinks_by_followers_not_caught_up_within_the_lag) {
  fixture f;
  f.p->become_leader(leader_state(0, {1, 2, 3}, {1, 2, 3}), 1000);
  f.append(5, 0);
  f.p->record_follower_fetch(2, 5, 0, 1500);  // caught up
  f.p->record_follower_fetch(3, 2, 0, 1500);  // behind
  EXPECT_FALSE(f.p->propose_isr_shrink(1000 + lag, lag));
  auto shrink = f.p->propose_isr_shrink(1000 + lag + 1, lag);
  ASSERT_TRUE(shrink);
  EXPECT_EQ(shrink->new_isr, (ids{1, 2}));
  EXPECT_FALSE(f.p->propose_isr_shrink(1000 + lag + 2, lag));  // pending
  // Refused: the ISR stays, and the check proposes again once the retry backoff has passed.
  const int64_t refused_at = 1000 + lag + 3;
  f.p->complete_isr_change(*shrink, isr_change_result{errc::invalid_update_version}, refused_at);
  EXPECT_EQ(f.p->isr(), (ids{1, 2, 3}));
  EXPECT_FALSE(f.p->propose_isr_shrink(refused_at + 1, lag));
  EXPECT_TRUE(f.p->propose_isr_shrink(refused_at + partition::isr_change_retry_backoff_ms, lag));
}

TEST(partition, a_follower_reaching_the_previous_log_end_counts_as_caught_up_then) {
  fixture f;
  f.p->become_leader(leader_state(0, {1, 2}, {1, 2}), 0);
  f.append(5, 0);
  f.p->record_follower_fetch(2, 0, 0, 5000);  // leader end was 5 at this fetch
  f.append(5, 0);
  // It fetches from 5: it had everything the leader had at t=5000, not at t=9000.
  f.p->record_follower_fetch(2, 5, 0, 9000);
  EXPECT_EQ(f.p->progress_of(2).last_caught_up_ms, 5000);
  EXPECT_FALSE(f.p->propose_isr_shrink(5000 + lag, lag));
  EXPECT_TRUE(f.p->propose_isr_shrink(5000 + lag + 1, lag));
}

TEST(partition, an_answer_for_an_older_leadership_is_ignored) {
  fixture f;
  f.p->become_leader(leader_state(0, {1, 2}, {1, 2}), 0);
  auto shrink = f.p->propose_isr_shrink(lag + 1, lag);
  ASSERT_TRUE(shrink);
  f.p->become_leader(leader_state(1, {1, 2}, {1, 2}, 4), lag + 2);
  isr_change_result accepted{std::nullopt, 1, 0, {1}, 5};
  EXPECT_FALSE(f.p->complete_isr_change(*shrink, accepted, lag + 3));
  EXPECT_EQ(f.p->isr(), (ids{1, 2}));
  EXPECT_EQ(f.p->partition_epoch(), 4);
}

TEST(partition, followers_copy_the_leader_high_watermark_below_their_log_end) {
  fixture f;
  f.p->become_follower({2, 0, 0, {2, 1}, {1, 2}});
  EXPECT_FALSE(f.p->is_leader());
  f.append(3, 0);
  f.p->set_follower_high_watermark(10);
  EXPECT_EQ(f.p->high_watermark(), 3);
  f.p->set_follower_high_watermark(2);
  EXPECT_EQ(f.p->high_watermark(), 2);
  // No leader work on a follower.
  EXPECT_FALSE(f.p->record_follower_fetch(2, 3, 0, 0).high_watermark_moved);
  EXPECT_FALSE(f.p->propose_isr_shrink(lag * 10, lag));
  bool ran = false;
  EXPECT_FALSE(f.p->with_leader_lock([&](int32_t) { ran = true; }));
  EXPECT_FALSE(ran);
  EXPECT_TRUE(f.p->with_follower_lock(0, [&] { ran = true; }));
  EXPECT_TRUE(ran);
  EXPECT_FALSE(f.p->with_follower_lock(1, [] {}));  // another epoch
}

TEST(partition, where_a_follower_cuts_its_log) {
  fixture f;
  f.append(3, 0);  // offsets 0-2 in epoch 0
  f.append(2, 2);  // offsets 3-4 in epoch 2
  const auto& log = *f.log;
  // The leader knows epoch 0 ends at 2: cut there.
  auto a = follower_truncation_point(log, 0, 2, 0);
  EXPECT_EQ(a.offset, 2);
  EXPECT_TRUE(a.complete);
  // The leader's epoch 1 is unknown here: cut to the end of our epoch 0 and ask again.
  auto b = follower_truncation_point(log, 1, 4, 0);
  EXPECT_EQ(b.offset, 3);
  EXPECT_FALSE(b.complete);
  // Same latest epoch, the leader further along: nothing to cut.
  auto c = follower_truncation_point(log, 2, 10, 0);
  EXPECT_EQ(c.offset, 5);
  EXPECT_TRUE(c.complete);
  // No answer for the epoch: fall back to the high watermark.
  auto d = follower_truncation_point(log, -1, -1, 1);
  EXPECT_EQ(d.offset, 1);
}

}  // namespace
}  // namespace sluice::replication
