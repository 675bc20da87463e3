// Crash recovery: torn tails, corruption, damaged index and checkpoint files, leftover files,
// and a child process killed with SIGKILL while appending.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "storage/leader_epoch_cache.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using test::make_batch;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Opens as after a crash: no clean-shutdown marker, recovery point `rp`.
std::shared_ptr<partition_log> reopen_crashed(const std::string& dir, segment_cache& cache,
                                              int64_t rp = 0, const log_config& cfg = {}) {
  auto o = test::open_options(dir, cache, cfg);
  o.recovery_point = rp;
  return test::open_log(o);
}

// A log of `n` batches of 2 records; returns the batch byte sizes.
std::vector<size_t> fill(partition_log& log, int n, size_t value_size = 40) {
  std::vector<size_t> sizes;
  for (int i = 0; i < n; ++i) {
    auto b = make_batch(2, now + i, value_size + static_cast<size_t>(i % 7));
    sizes.push_back(b.size());
    EXPECT_TRUE(log.append(b, test::at(now, 1)).ok());
  }
  return sizes;
}

// Counts opens of segment files, to prove a clean open reads no segment data.
struct counting_io : file_io {
  std::atomic<int> segment_opens{0};
  result<unique_fd> open(const std::string& path, int flags, int mode) override {
    if (path.ends_with(".log") || path.ends_with(".index") || path.ends_with(".timeindex"))
      ++segment_opens;
    return file_io::open(path, flags, mode);
  }
};

TEST(recovery, clean_reopen_reads_nothing_and_keeps_everything) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 1000;
  int64_t leo;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    fill(*log, 30);
    leo = log->log_end_offset();
    before = test::read_all(*log);
    ASSERT_TRUE(log->close().ok());
  }
  counting_io io;
  auto o = test::open_options(dir.path, cache, cfg);
  o.io = &io;
  o.clean_shutdown = true;
  o.recovery_point = leo;
  auto log = test::open_log(o);
  EXPECT_EQ(io.segment_opens.load(), 0);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(test::read_all(*log), before);
  auto b = make_batch(1, now);
  EXPECT_EQ(log->append(b, test::at(now))->first_offset, leo);
}

TEST(recovery, crash_without_close_recovers_everything_written) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 1000;
  std::vector<test::record> before;
  int64_t leo;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    fill(*log, 30);
    leo = log->log_end_offset();
    before = test::read_all(*log);
  }
  // No indexes were written for the active segment; the sealed ones are rebuilt when damaged.
  fs::remove(dir / "00000000000000000000.index");
  auto log = reopen_crashed(dir.path, cache, 0, cfg);
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(test::read_all(*log), before);
  EXPECT_EQ(test::read_all(*log, 150), before);
}

TEST(recovery, torn_tail_at_every_byte_of_the_last_batch) {
  temp_dir dir;
  segment_cache cache(64);
  std::vector<size_t> sizes;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache));
    sizes = fill(*log, 5);
    before = test::read_all(*log);
  }
  auto path = dir / "00000000000000000000.log";
  auto full = read_bytes(path);
  size_t last_start = full.size() - sizes.back();
  before.resize(before.size() - 2);
  for (size_t cut = last_start; cut < full.size(); ++cut) {
    write_bytes(path, std::vector<uint8_t>(full.begin(), full.begin() + static_cast<long>(cut)));
    auto log = reopen_crashed(dir.path, cache);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->log_end_offset(), 8) << "cut at " << cut;
    ASSERT_EQ(fs::file_size(path), last_start);
    ASSERT_EQ(test::read_all(*log), before);
  }
}

TEST(recovery, bit_flips_in_the_last_batch_are_caught) {
  temp_dir dir;
  segment_cache cache(64);
  std::vector<size_t> sizes;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache));
    sizes = fill(*log, 4, 200);
    before = test::read_all(*log);
  }
  auto path = dir / "00000000000000000000.log";
  auto full = read_bytes(path);
  size_t last_start = full.size() - sizes.back();
  before.resize(before.size() - 2);
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    // Every byte of the batch except baseOffset and partitionLeaderEpoch, which Kafka's format
    // leaves outside the CRC.
    size_t at;
    do {
      at = last_start + rng() % sizes.back();
    } while ((at - last_start) < 8 || ((at - last_start) >= 12 && (at - last_start) < 16));
    auto damaged = full;
    damaged[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    write_bytes(path, damaged);
    auto log = reopen_crashed(dir.path, cache);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->log_end_offset(), 6) << "flip at " << at;
    ASSERT_EQ(test::read_all(*log), before);
  }
}

TEST(recovery, byte_flipped_in_the_middle_of_a_segment_is_detected) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 2000;
  std::vector<size_t> sizes;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    sizes = fill(*log, 40);
    before = test::read_all(*log);
    ASSERT_GT(log->segment_count(), 3u);
  }
  // Damage the value of the 5th batch of the first segment (a CRC-covered byte).
  auto path = dir / "00000000000000000000.log";
  auto bytes = read_bytes(path);
  size_t at = 0;
  for (int i = 0; i < 4; ++i) at += sizes[static_cast<size_t>(i)];
  bytes[at + sizes[4] - 5] ^= 0x40;
  write_bytes(path, bytes);
  auto log = reopen_crashed(dir.path, cache, 0, cfg);
  // Everything from the damaged batch on is gone, later segments included.
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->segment_count(), 1u);
  before.resize(8);
  EXPECT_EQ(test::read_all(*log), before);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000010.log"));
  auto b = make_batch(1, now);
  EXPECT_EQ(log->append(b, test::at(now))->first_offset, 8);
}

TEST(recovery, only_segments_past_the_recovery_point_are_scanned) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 1000;
  int64_t leo;
  std::vector<int64_t> bases;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    fill(*log, 30);
    leo = log->log_end_offset();
    bases = log->segment_bases();
    ASSERT_GT(bases.size(), 4u);
  }
  // Damage the first segment's last byte: below the recovery point it is not re-scanned...
  auto first = dir / "00000000000000000000.log";
  auto bytes = read_bytes(first);
  bytes.back() ^= 1;
  write_bytes(first, bytes);
  {
    auto log = reopen_crashed(dir.path, cache, bases[2], cfg);
    EXPECT_EQ(log->log_end_offset(), leo);
    EXPECT_EQ(log->recovery_point(), bases[2]);
  }
  // ...but with no recovery point it is.
  auto log = reopen_crashed(dir.path, cache, 0, cfg);
  EXPECT_LT(log->log_end_offset(), bases[1]);
}

TEST(recovery, zero_and_garbage_tails_are_cut) {
  for (bool zeros : {true, false}) {
    temp_dir dir;
    segment_cache cache(64);
    std::vector<test::record> before;
    {
      auto log = test::open_log(test::open_options(dir.path, cache));
      fill(*log, 3);
      before = test::read_all(*log);
    }
    auto path = dir / "00000000000000000000.log";
    auto bytes = read_bytes(path);
    size_t valid = bytes.size();
    std::mt19937 rng(1);
    for (int i = 0; i < 4096; ++i) bytes.push_back(zeros ? 0 : static_cast<uint8_t>(rng()));
    write_bytes(path, bytes);
    auto log = reopen_crashed(dir.path, cache);
    EXPECT_EQ(log->log_end_offset(), 6);
    EXPECT_EQ(fs::file_size(path), valid);
    EXPECT_EQ(test::read_all(*log), before);
  }
}

TEST(recovery, damaged_index_files_are_rebuilt) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 3000;
  cfg.index_interval_bytes = 100;
  int64_t leo;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    fill(*log, 40);
    leo = log->log_end_offset();
    before = test::read_all(*log);
    ASSERT_TRUE(log->close().ok());
  }
  auto index = dir / "00000000000000000000.index";
  auto good = read_bytes(index);
  ASSERT_GT(good.size(), 16u);
  // Entries pointing past the log, a torn entry, random garbage, and a missing time index.
  auto past = good;
  past[past.size() - 3] = 0x7f;
  write_bytes(index, past);
  fs::remove(dir / "00000000000000000000.timeindex");
  write_bytes(dir / "00000000000000000020.index", {1, 2, 3});
  auto o = test::open_options(dir.path, cache, cfg);
  o.clean_shutdown = true;
  o.recovery_point = leo;
  auto log = test::open_log(o);
  EXPECT_EQ(test::read_all(*log), before);
  EXPECT_EQ(test::read_all(*log, 120), before);
  EXPECT_EQ(log->offset_for_timestamp(now + 5)->offset, 10);
  // Rebuilt and written back.
  EXPECT_EQ(read_bytes(index), good);
  EXPECT_TRUE(fs::exists(dir / "00000000000000000000.timeindex"));
}

TEST(recovery, damaged_epoch_checkpoint_and_leftover_files) {
  temp_dir dir;
  segment_cache cache(64);
  {
    auto log = test::open_log(test::open_options(dir.path, cache));
    fill(*log, 3);
  }
  std::ofstream(dir / "leader-epoch-checkpoint") << "0\n5\n1 0\n";
  for (auto name : {"00000000000000000000.log.deleted", "00000000000000000007.log.cleaned",
                    "leader-epoch-checkpoint.tmp", "00000000000000000099.index",
                    "00000000000000000099.timeindex"})
    std::ofstream(dir / name) << "junk";
  auto log = reopen_crashed(dir.path, cache);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_TRUE(log->epoch_entries().empty());
  for (auto name : {"00000000000000000000.log.deleted", "00000000000000000007.log.cleaned",
                    "leader-epoch-checkpoint.tmp", "00000000000000000099.index",
                    "00000000000000000099.timeindex"})
    EXPECT_FALSE(fs::exists(dir / name)) << name;
  EXPECT_TRUE(fs::exists(dir / "00000000000000000000.log"));
}

TEST(recovery, epoch_entries_beyond_the_recovered_end_are_dropped) {
  temp_dir dir;
  segment_cache cache(64);
  {
    auto log = test::open_log(test::open_options(dir.path, cache));
    fill(*log, 3);
    ASSERT_TRUE(log->assign_epoch_start_offset(4, 6).ok());
    ASSERT_TRUE(log->assign_epoch_start_offset(5, 100).ok());
  }
  auto log = reopen_crashed(dir.path, cache);
  auto entries = log->epoch_entries();
  ASSERT_EQ(entries.size(), 1u);  // epoch 1 at 0; 4 and 5 start at or past the end (6)
  EXPECT_EQ(entries[0].epoch, 1);
}

using test::faulty_io;

TEST(recovery, failed_write_leaves_no_trace_and_takes_the_partition_offline) {
  temp_dir dir;
  segment_cache cache(64);
  faulty_io io;
  auto o = test::open_options(dir.path, cache);
  o.io = &io;
  auto log = test::open_log(o);
  fill(*log, 3);
  auto before = test::read_all(*log);
  io.fail_write_after = 30;
  auto b = make_batch(2, now, 100);
  auto r = log->append(b, test::at(now));
  EXPECT_EQ(r.code(), errc::io_error);
  EXPECT_TRUE(log->is_offline());
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(test::read_all(*log), before);
  io.fail_write_after = -1;
  auto again = make_batch(1, now);
  EXPECT_EQ(log->append(again, test::at(now)).code(), errc::io_error);  // stays offline
  log.reset();
  auto reopened = reopen_crashed(dir.path, cache);
  EXPECT_EQ(reopened->log_end_offset(), 6);
  EXPECT_EQ(test::read_all(*reopened), before);
}

TEST(recovery, failed_fsync_is_never_taken_for_success) {
  temp_dir dir;
  segment_cache cache(64);
  faulty_io io;
  auto o = test::open_options(dir.path, cache);
  o.io = &io;
  auto log = test::open_log(o);
  fill(*log, 2);
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->recovery_point(), 4);
  fill(*log, 2);
  io.fail_fsync = true;
  EXPECT_EQ(log->flush().code(), errc::io_error);
  EXPECT_EQ(log->recovery_point(), 4);
  io.fail_fsync = false;
  EXPECT_EQ(log->flush().code(), errc::io_error);  // offline: no second chance
  EXPECT_EQ(log->recovery_point(), 4);
  EXPECT_TRUE(log->is_offline());
}

// The child appends batches of records whose values encode their offsets and, after each
// flush, tells the parent the flushed offset through a pipe. The parent kills it at a random
// moment and recovers the log.
TEST(recovery, sigkill_during_appends) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 4; ++round) {
    temp_dir dir;
    log_config cfg;
    cfg.segment_bytes = 256 * 1024;
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      segment_cache cache(16);
      auto opened = partition_log::open(test::open_options(dir.path, cache, cfg));
      if (!opened) ::_exit(2);
      auto log = *opened;
      std::mt19937 crng(static_cast<uint32_t>(round));
      for (int64_t i = 0;; ++i) {
        std::vector<test::kv> recs;
        int64_t base = log->log_end_offset();
        int n = 1 + static_cast<int>(crng() % 20);
        for (int k = 0; k < n; ++k) {
          std::string v = "value-" + std::to_string(base + k) + std::string(crng() % 3000, 'x');
          recs.push_back({"key" + std::to_string(k), v});
        }
        auto b = test::make_batch(recs, now);
        if (!log->append(b, test::at(now))) ::_exit(3);
        if (i % 25 == 24) {
          if (!log->flush()) ::_exit(4);
          int64_t flushed = log->recovery_point();
          if (::write(fds[1], &flushed, sizeof flushed) != sizeof flushed) ::_exit(5);
        }
      }
    }
    ::close(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ::usleep(static_cast<useconds_t>(100'000 + rng() % 400'000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    int64_t flushed = 0;
    int64_t v;
    while (::read(fds[0], &v, sizeof v) == sizeof v) flushed = v;
    ::close(fds[0]);

    segment_cache cache(16);
    auto o = test::open_options(dir.path, cache, cfg);
    o.recovery_point = flushed;
    auto log = test::open_log(o);
    ASSERT_TRUE(log);
    ASSERT_GE(log->log_end_offset(), flushed);
    auto all = test::read_all(*log, 64 * 1024);
    ASSERT_EQ(all.size(), static_cast<size_t>(log->log_end_offset()));
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i].offset, static_cast<int64_t>(i));
      ASSERT_EQ(all[i].value->rfind("value-" + std::to_string(i), 0), 0u) << i;
    }
    // And the recovered log takes appends at the right offset.
    auto b = make_batch(1, now);
    int64_t end = log->log_end_offset();
    EXPECT_EQ(log->append(b, test::at(now))->first_offset, end);
  }
}

}  // namespace
}  // namespace sluice::storage
