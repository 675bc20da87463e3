// The producer state across roll, close, crash, retention and expiry: snapshots written, loaded,
// distrusted when damaged, deleted with the log; the transaction index rebuilt by recovery.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/log_manager.h"
#include "storage/producer_snapshot.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using protocol::control_type;
using test::make_marker;
using test::make_producer_batch;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t pid_a = 1000;
constexpr int64_t pid_b = 2000;
constexpr int64_t pid_c = 3000;

result<append_info> append(partition_log& log, std::vector<uint8_t> bytes,
                           const append_options& o = test::at(now)) {
  return log.append(bytes, o);
}

// Counts opens of .log files: a clean open with a snapshot at the log end reads none.
struct counting_io : file_io {
  std::atomic<int> log_opens{0};
  result<unique_fd> open(const std::string& path, int flags, int mode) override {
    if (path.ends_with(".log")) ++log_opens;
    return file_io::open(path, flags, mode);
  }
};

// What a restart must preserve.
struct observed {
  std::vector<producer_info> producers;
  std::optional<int64_t> first_unstable;
  std::vector<aborted_txn> aborted;
  friend bool operator==(const observed&, const observed&) = default;
};
observed observe(const partition_log& log) {
  return {log.active_producers(), log.first_unstable_offset(),
          log.aborted_transactions(log.log_start_offset(), log.log_end_offset())};
}

// A: idempotent batches (offsets 0..5, 9); B: a transaction (6..7) aborted at 10; C: a
// transaction left open (8). One batch per segment (segment.bytes 100), so every append rolls
// and leaves a snapshot behind.
void write_mix(partition_log& log) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(append(log, make_producer_batch({pid_a, 0, 2 * i}, 2, now + i)).ok());
  ASSERT_TRUE(append(log, make_producer_batch({pid_b, 1, 0, true}, 2, now)).ok());
  ASSERT_TRUE(append(log, make_producer_batch({pid_c, 0, 0, true}, 1, now)).ok());
  ASSERT_TRUE(append(log, make_producer_batch({pid_a, 0, 6}, 1, now + 5)).ok());
  ASSERT_TRUE(append(log, make_marker(pid_b, 1, control_type::abort, 4, now + 6),
                     test::as_coordinator(now + 6))
                  .ok());
}

log_config small_segments() {
  log_config cfg;
  cfg.segment_bytes = 100;
  return cfg;
}

TEST(producer_recovery, a_roll_snapshots_the_state_as_the_new_segment_starts) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 3, 0}, 2, now)).ok());  // 0..1
  EXPECT_TRUE(log->producer_snapshot_offsets().empty());
  ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 3, 2}, 2, now + 1)).ok());  // rolls at 2
  EXPECT_EQ(log->producer_snapshot_offsets(), std::vector<int64_t>{2});
  EXPECT_TRUE(fs::exists(dir / "00000000000000000002.snapshot"));
  auto snap = read_producer_snapshot(posix_file_io(), dir.path, 2);
  ASSERT_TRUE(snap.ok()) << snap.message();
  EXPECT_EQ(*snap, (std::vector<producer_snapshot_entry>{{pid_a, 3, 1, 1, 1, now, -1, -1}}));
}

TEST(producer_recovery, close_and_reopen_loads_the_snapshot_without_reading_the_log) {
  temp_dir dir;
  segment_cache cache(64);
  observed before;
  int64_t end = 0;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
    write_mix(*log);
    before = observe(*log);
    end = log->log_end_offset();
    ASSERT_TRUE(log->close().ok());
  }
  ASSERT_EQ(before.producers.size(), 3u);
  ASSERT_EQ(before.first_unstable, 8);  // C's transaction
  ASSERT_EQ(before.aborted, (std::vector<aborted_txn>{{pid_b, 6, 10, 8}}));
  EXPECT_TRUE(fs::exists(producer_snapshot_path(dir.path, end)));

  counting_io io;
  auto o = test::open_options(dir.path, cache, small_segments());
  o.io = &io;
  o.clean_shutdown = true;
  o.recovery_point = end;
  auto log = test::open_log(o);
  ASSERT_TRUE(log);
  EXPECT_EQ(io.log_opens.load(), 0);
  EXPECT_EQ(log->active_producers(), before.producers);
  EXPECT_EQ(log->first_unstable_offset(), before.first_unstable);
  EXPECT_EQ(observe(*log), before);
  // The last batch of A survives as a duplicate; the sequence goes on after it.
  auto retry = append(*log, make_producer_batch({pid_a, 0, 6}, 1, now + 5));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_offset, 9);
  auto next = append(*log, make_producer_batch({pid_a, 0, 8}, 1, now));
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.code(), errc::out_of_order_sequence);
}

TEST(producer_recovery, a_crash_rebuilds_from_the_latest_snapshot_and_the_log_tail) {
  temp_dir dir;
  segment_cache cache(64);
  observed before;
  int64_t last_base = 0;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
    write_mix(*log);
    before = observe(*log);
    last_base = log->segment_bases().back();
    // No close: the process dies here.
  }
  ASSERT_EQ(last_base, 10);  // the abort marker's segment
  // The snapshot of the last segment's start is used: add a producer to it that the log does
  // not know, to see it come back.
  auto snap = read_producer_snapshot(posix_file_io(), dir.path, last_base);
  ASSERT_TRUE(snap.ok()) << snap.message();
  snap->push_back({4242, 0, 9, 0, 0, now, -1, -1});
  ASSERT_TRUE(write_producer_snapshot(posix_file_io(), dir.path, last_base, *snap, true).ok());
  // Recovery rebuilds the transaction index of the segments it re-scans.
  fs::remove(dir / "00000000000000000010.txnindex");

  auto o = test::open_options(dir.path, cache, small_segments());
  o.recovery_point = last_base;
  auto log = test::open_log(o);
  ASSERT_TRUE(log);
  auto after = observe(*log);
  EXPECT_EQ(after.first_unstable, before.first_unstable);
  EXPECT_EQ(after.aborted, before.aborted);
  EXPECT_TRUE(fs::exists(dir / "00000000000000000010.txnindex"));
  ASSERT_EQ(after.producers.size(), 4u);
  EXPECT_EQ(after.producers.back().producer_id, 4242);
  after.producers.pop_back();
  EXPECT_EQ(after.producers, before.producers);
}

TEST(producer_recovery, without_snapshots_the_whole_log_is_replayed) {
  temp_dir dir;
  segment_cache cache(64);
  observed before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
    write_mix(*log);
    before = observe(*log);
  }
  for (const auto& e : fs::directory_iterator(dir.path)) {
    auto name = e.path().string();
    if (name.ends_with(".snapshot") || name.ends_with(".txnindex")) fs::remove(e.path());
  }
  auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
  ASSERT_TRUE(log);
  EXPECT_EQ(observe(*log), before);
  // What was replayed is snapshotted at the log end.
  EXPECT_EQ(log->producer_snapshot_offsets(), std::vector<int64_t>{log->log_end_offset()});
}

TEST(producer_recovery, a_damaged_snapshot_is_deleted_and_the_state_rebuilt) {
  temp_dir dir;
  segment_cache cache(64);
  observed before;
  int64_t end = 0;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, small_segments()));
    write_mix(*log);
    before = observe(*log);
    end = log->log_end_offset();
    ASSERT_TRUE(log->close().ok());
  }
  std::string path = producer_snapshot_path(dir.path, end);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.put('\x7f');
  }
  auto o = test::open_options(dir.path, cache, small_segments());
  o.clean_shutdown = true;
  o.recovery_point = end;
  auto log = test::open_log(o);
  ASSERT_TRUE(log);
  EXPECT_EQ(observe(*log), before);
  // Rebuilt from the previous snapshot and the log, and written again at the log end.
  auto again = read_producer_snapshot(posix_file_io(), dir.path, end);
  EXPECT_TRUE(again.ok()) << again.message();
}

TEST(producer_recovery, retention_deletes_old_snapshots_and_forgets_producers_with_them) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg = small_segments();
  cfg.retention_bytes = 250;
  cfg.file_delete_delay_ms = 0;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  ASSERT_TRUE(append(*log, make_producer_batch({pid_c, 0, 0}, 2, now)).ok());
  for (int i = 0; i < 8; ++i)
    ASSERT_TRUE(append(*log, make_producer_batch({pid_a, 0, 2 * i}, 2, now)).ok());
  ASSERT_EQ(log->producer_snapshot_offsets().size(), 8u);
  auto r = log->apply_retention(now);
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_GT(r->segments_deleted, 0);
  int64_t first = log->segment_bases().front();
  auto offsets = log->producer_snapshot_offsets();
  ASSERT_FALSE(offsets.empty());
  EXPECT_GE(offsets.front(), first);
  for (const auto& e : fs::directory_iterator(dir.path)) {
    auto name = e.path().filename().string();
    if (!name.ends_with(".snapshot")) continue;
    EXPECT_GE(std::stoll(name.substr(0, 20)), first) << name;
  }
  // C's only batch went with the first segment.
  auto producers = log->active_producers();
  ASSERT_EQ(producers.size(), 1u);
  EXPECT_EQ(producers[0].producer_id, pid_a);
}

TEST(producer_recovery, idle_producers_expire_through_the_log_manager) {
  temp_dir dir;
  int64_t clock = now;
  log_manager_options o;
  o.log_dirs = {dir.path};
  o.broker_id = 1;
  o.clock = [&] { return clock; };
  o.producer_id_expiration_ms = 1000;
  auto m = log_manager::open(o);
  ASSERT_TRUE(m.ok()) << m.message();
  auto log = (*m)->create_partition({"t", 0}, log_config{});
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(append(**log, make_producer_batch({pid_a, 0, 0}, 1, now)).ok());
  ASSERT_TRUE(append(**log, make_producer_batch({pid_b, 0, 0, true}, 1, now)).ok());
  clock = now + 999;
  (*m)->run_producer_expiration_once();
  EXPECT_EQ((*log)->active_producers().size(), 2u);
  clock = now + 1000;
  (*m)->run_producer_expiration_once();
  auto left = (*log)->active_producers();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].producer_id, pid_b);  // its transaction is open
  ASSERT_TRUE((*m)->shutdown().ok());
}

}  // namespace
}  // namespace sluice::storage
