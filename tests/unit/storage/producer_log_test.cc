// partition_log with idempotent and transactional producers: duplicates, refused appends,
// transactions and the aborted-transaction index, snapshots, truncation, restart and crash.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/producer_snapshot.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using protocol::control_type;
using test::make_marker;
using test::make_producer_batch;
using test::producer_spec;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t pid_a = 1000;
constexpr int64_t pid_b = 2000;

bool exists_with_suffix(const std::string& dir, std::string_view suffix) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().string().ends_with(suffix)) return true;
  return false;
}

result<append_info> append(partition_log& log, std::vector<uint8_t> bytes,
                           const append_options& o = test::at(now)) {
  return log.append(bytes, o);
}

TEST(producer_log, a_retried_batch_gets_the_original_offsets_and_writes_nothing) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  auto first = make_producer_batch({pid_a, 0, 0}, 3, now);
  auto r1 = append(*log, first);
  ASSERT_TRUE(r1.ok()) << r1.message();
  EXPECT_FALSE(r1->duplicate);
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 3}, 2, now + 1)).ok());
  const int64_t end = log->log_end_offset();
  const int64_t size = log->size_bytes();

  auto retry = append(*log, make_producer_batch({pid_a, 0, 0}, 3, now), test::at(now + 50));
  ASSERT_TRUE(retry.ok()) << retry.message();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_offset, 0);
  EXPECT_EQ(retry->last_offset, 2);
  EXPECT_EQ(retry->log_append_time, now);
  EXPECT_EQ(retry->records, 0);
  EXPECT_EQ(log->log_end_offset(), end);
  EXPECT_EQ(log->size_bytes(), size);
  auto retry2 = append(*log, make_producer_batch({pid_a, 0, 3}, 2, now + 1));
  ASSERT_TRUE(retry2.ok());
  EXPECT_TRUE(retry2->duplicate);
  EXPECT_EQ(retry2->first_offset, 3);
  EXPECT_EQ(retry2->last_offset, 4);
  EXPECT_EQ(test::read_all(*log).size(), 5u);
}

TEST(producer_log, refused_producer_batches_leave_the_log_untouched) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 2, 0}, 2, now)).ok());
  const int64_t size = log->size_bytes();

  auto gap = append(*log, make_producer_batch({pid_a, 2, 5}, 1, now));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.code(), errc::out_of_order_sequence);
  auto zombie = append(*log, make_producer_batch({pid_a, 1, 2}, 1, now));
  ASSERT_FALSE(zombie.ok());
  EXPECT_EQ(zombie.code(), errc::invalid_producer_epoch);
  // Two batches in one append, the second refused: neither is written.
  auto both = make_producer_batch({pid_a, 2, 2}, 1, now);
  auto bad = make_producer_batch({pid_a, 2, 9}, 1, now);
  both.insert(both.end(), bad.begin(), bad.end());
  auto r = log->append(both, test::at(now));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::out_of_order_sequence);
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(log->size_bytes(), size);
  // A producer may not write a marker.
  auto forged = append(*log, make_marker(pid_a, 2, control_type::commit, 0, now));
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.code(), errc::invalid_record);
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 2, 2}, 1, now)).ok());
  EXPECT_EQ(log->log_end_offset(), 3);
}

TEST(producer_log, transactions_bound_the_stable_offset_and_aborts_reach_the_index) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  EXPECT_EQ(log->first_unstable_offset(), std::nullopt);
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 0, true}, 2, now)).ok());  // 0..1
  ASSERT_TRUE(append(*log, test::make_batch(2, now)).ok());                          // 2..3
  ASSERT_TRUE(append(*log, make_producer_batch({pid_b, 0, 0, true}, 1, now)).ok());  // 4
  EXPECT_EQ(log->first_unstable_offset(), 0);
  EXPECT_FALSE(exists_with_suffix(dir.path, ".txnindex"));

  auto nontxn = append(*log, make_producer_batch({pid_a, 0, 2}, 1, now));
  ASSERT_FALSE(nontxn.ok());
  EXPECT_EQ(nontxn.code(), errc::invalid_txn_state);

  auto abort = append(*log, make_marker(pid_a, 0, control_type::abort, 3, now),
                      test::as_coordinator(now));  // 5
  ASSERT_TRUE(abort.ok()) << abort.message();
  EXPECT_EQ(abort->first_offset, 5);
  EXPECT_EQ(log->first_unstable_offset(), 4);
  EXPECT_TRUE(fs::exists(dir / "00000000000000000000.txnindex"));
  const aborted_txn a{pid_a, 0, 5, 4};
  EXPECT_EQ(log->aborted_transactions(0, 6), std::vector<aborted_txn>{a});
  EXPECT_EQ(log->aborted_transactions(2, 3), std::vector<aborted_txn>{a});
  EXPECT_TRUE(log->aborted_transactions(6, 10).empty());

  // A fenced coordinator's marker is refused.
  auto fenced =
      append(*log, make_marker(pid_b, 0, control_type::commit, 2, now), test::as_coordinator(now));
  ASSERT_TRUE(fenced.ok());  // pid_b has seen no coordinator epoch yet
  EXPECT_EQ(log->first_unstable_offset(), std::nullopt);
  ASSERT_TRUE(append(*log, make_producer_batch({pid_b, 0, 1, true}, 1, now)).ok());
  auto stale =
      append(*log, make_marker(pid_b, 0, control_type::abort, 1, now), test::as_coordinator(now));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.code(), errc::transaction_coordinator_fenced);
  EXPECT_EQ(log->first_unstable_offset(), 7);

  auto producers = log->active_producers();
  ASSERT_EQ(producers.size(), 2u);
  EXPECT_EQ(producers[0], (producer_info{pid_a, 0, 1, now, 3, -1}));
  EXPECT_EQ(producers[1], (producer_info{pid_b, 0, 1, now, 2, 7}));
}

TEST(producer_log, aborted_transactions_are_searched_across_segments_until_complete) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 100;  // one batch per segment
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  // A's transaction spans segments and is aborted; B's later one too.
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 0, true}, 2, now)).ok());  // 0..1
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 2, true}, 2, now)).ok());  // 2..3
  ASSERT_TRUE(
      append(*log, make_marker(pid_a, 0, control_type::abort, 0, now), test::as_coordinator(now))
          .ok());                                                                    // 4
  ASSERT_TRUE(append(*log, make_producer_batch({pid_b, 0, 0, true}, 2, now)).ok());  // 5..6
  ASSERT_TRUE(
      append(*log, make_marker(pid_b, 0, control_type::abort, 0, now), test::as_coordinator(now))
          .ok());                                            // 7
  ASSERT_TRUE(append(*log, test::make_batch(1, now)).ok());  // 8
  ASSERT_GE(log->segment_count(), 4u);

  const aborted_txn a{pid_a, 0, 4, 5};
  const aborted_txn b{pid_b, 5, 7, 8};
  // From the first segment: A's entry lives in a later segment's index.
  EXPECT_EQ(log->aborted_transactions(0, 2), std::vector<aborted_txn>{a});
  EXPECT_EQ(log->aborted_transactions(0, 9), (std::vector<aborted_txn>{a, b}));
  EXPECT_EQ(log->aborted_transactions(5, 9), std::vector<aborted_txn>{b});
  EXPECT_TRUE(log->aborted_transactions(8, 9).empty());
}

TEST(producer_log, truncation_rebuilds_the_producer_state) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 300;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  for (int i = 0; i < 6; ++i)  // offsets 2i..2i+1, sequences the same
    ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 2 * i}, 2, now + i)).ok());
  ASSERT_TRUE(append(*log, make_producer_batch({pid_b, 0, 0, true}, 2, now)).ok());  // 12..13
  ASSERT_TRUE(
      append(*log, make_marker(pid_b, 0, control_type::abort, 0, now), test::as_coordinator(now))
          .ok());                                                                    // 14
  ASSERT_TRUE(append(*log, make_producer_batch({pid_b, 0, 2, true}, 1, now)).ok());  // 15
  ASSERT_FALSE(log->producer_snapshot_offsets().empty());  // rolls took snapshots
  EXPECT_EQ(log->first_unstable_offset(), 15);

  ASSERT_TRUE(log->truncate_to(14).ok());  // the abort marker and the open transaction go
  EXPECT_EQ(log->first_unstable_offset(), 12);
  EXPECT_TRUE(log->aborted_transactions(0, 20).empty());
  for (int64_t s : log->producer_snapshot_offsets()) EXPECT_LE(s, 14);

  ASSERT_TRUE(log->truncate_to(6).ok());  // A's batches from offset 6 on go
  EXPECT_EQ(log->first_unstable_offset(), std::nullopt);
  auto producers = log->active_producers();
  ASSERT_EQ(producers.size(), 1u);
  EXPECT_EQ(producers[0].producer_id, pid_a);
  EXPECT_EQ(producers[0].last_sequence, 5);
  auto gap = append(*log, make_producer_batch({pid_a, 0, 8}, 2, now));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.code(), errc::out_of_order_sequence);
  auto next = append(*log, make_producer_batch({pid_a, 0, 6}, 2, now));
  ASSERT_TRUE(next.ok()) << next.message();
  EXPECT_FALSE(next->duplicate);
  EXPECT_EQ(next->first_offset, 6);

  ASSERT_TRUE(log->truncate_fully_and_start_at(50).ok());
  EXPECT_TRUE(log->active_producers().empty());
  EXPECT_TRUE(log->producer_snapshot_offsets().empty());
  EXPECT_FALSE(exists_with_suffix(dir.path, ".snapshot"));
}

}  // namespace
}  // namespace sluice::storage
