#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "test_util.h"

namespace sluice::storage {
namespace {

using test::make_batch;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t hour = 3600 * 1000;

// 20 batches of 3 records; batch i has timestamp `now - (20 - i) hours` and a 200-byte value.
std::shared_ptr<partition_log> aged_log(const temp_dir& dir, segment_cache& cache, log_config cfg) {
  cfg.segment_bytes = 1500;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  for (int i = 0; i < 20; ++i) {
    auto b = make_batch(3, now - (20 - i) * hour, 150);
    EXPECT_TRUE(log->append(b, test::at(now)).ok());
  }
  return log;
}

void expect_records_from(const partition_log& log, int64_t first, int64_t end) {
  auto all = test::read_all(log);
  ASSERT_EQ(all.size(), static_cast<size_t>(end - first));
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].offset, first + static_cast<int64_t>(i));
    // Batch i (offsets 3i..3i+2) carries timestamp now - (20 - i) hours.
    ASSERT_EQ(all[i].timestamp, now - (20 - all[i].offset / 3) * hour);
  }
}

TEST(retention, by_time_deletes_whole_old_segments_only) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.retention_ms = 10 * hour + 1;
  cfg.file_delete_delay_ms = 200;
  auto log = aged_log(dir, cache, cfg);
  auto bases = log->segment_bases();
  ASSERT_GT(bases.size(), 4u);
  auto r = log->apply_retention(now);
  ASSERT_TRUE(r.ok());
  // Batches 0..9 are older than 10 hours; a segment goes only when all of it is.
  int64_t start = log->log_start_offset();
  EXPECT_LE(start, 30);
  EXPECT_GT(start, 0);
  EXPECT_EQ(log->segment_bases().front(), start);
  expect_records_from(*log, start, 60);
  // Renamed to .deleted first, removed after file.delete.delay.ms.
  EXPECT_FALSE(fs::exists(dir / "00000000000000000000.log"));
  EXPECT_TRUE(fs::exists(dir / "00000000000000000000.log.deleted"));
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  log->delete_pending_files();
  EXPECT_FALSE(fs::exists(dir / "00000000000000000000.log.deleted"));
  EXPECT_EQ(log->read(0, 100, INT64_MAX, true).code(), errc::offset_out_of_range);
}

TEST(retention, by_time_rolls_and_deletes_an_expired_active_segment) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.retention_ms = hour / 2;
  cfg.file_delete_delay_ms = 0;
  auto log = aged_log(dir, cache, cfg);
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_EQ(log->log_start_offset(), 60);
  EXPECT_EQ(log->log_end_offset(), 60);
  EXPECT_EQ(log->segment_bases(), (std::vector<int64_t>{60}));
  EXPECT_TRUE(test::read_all(*log).empty());
  auto b = make_batch(1, now);
  EXPECT_EQ(log->append(b, test::at(now))->first_offset, 60);
}

TEST(retention, by_size) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.retention_bytes = 3000;
  cfg.retention_ms = -1;
  cfg.file_delete_delay_ms = 0;
  auto log = aged_log(dir, cache, cfg);
  int64_t total = log->size_bytes();
  ASSERT_GT(total, 6000);
  auto r = log->apply_retention(now);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(r->segments_deleted, 0);
  // As Kafka: delete oldest segments while the rest stays at or above retention.bytes.
  EXPECT_GE(log->size_bytes(), 3000);
  EXPECT_EQ(log->size_bytes(), total - r->bytes_deleted);
  auto bases = log->segment_bases();
  auto first_size = static_cast<int64_t>(fs::file_size(dir / segment_file_name(bases[0], ".log")));
  EXPECT_LT(log->size_bytes() - first_size, 3000);
  expect_records_from(*log, log->log_start_offset(), 60);
}

TEST(retention, never_past_the_high_watermark) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.retention_ms = 1;
  cfg.file_delete_delay_ms = 0;
  auto log = aged_log(dir, cache, cfg);
  log->set_high_watermark(10);
  ASSERT_TRUE(log->apply_retention(now).ok());
  // Only segments that end at or below offset 10.
  auto bases = log->segment_bases();
  EXPECT_LE(log->log_start_offset(), 10);
  EXPECT_LE(bases.front(), 10);
  expect_records_from(*log, log->log_start_offset(), 60);
  log->set_high_watermark(60);
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_EQ(log->log_start_offset(), 60);
}

TEST(retention, compact_policy_keeps_old_segments_but_honours_log_start) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.cleanup_delete = false;
  cfg.cleanup_compact = true;
  cfg.retention_ms = 1;
  cfg.retention_bytes = 1;
  cfg.file_delete_delay_ms = 0;
  auto log = aged_log(dir, cache, cfg);
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_EQ(log->log_start_offset(), 0);
  ASSERT_TRUE(log->advance_log_start_offset(25).ok());
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_EQ(log->log_start_offset(), 25);  // within a segment: the start stays where it was set
  EXPECT_GT(log->segment_bases().front(), 0);
  EXPECT_LE(log->segment_bases().front(), 25);
  expect_records_from(*log, 25, 60);
}

TEST(retention, new_config_applies_to_a_live_partition) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.retention_ms = -1;
  cfg.file_delete_delay_ms = 0;
  auto log = aged_log(dir, cache, cfg);
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_EQ(log->log_start_offset(), 0);
  cfg.segment_bytes = 1500;
  cfg.retention_ms = 5 * hour + 1;
  log->set_config(cfg);
  ASSERT_TRUE(log->apply_retention(now).ok());
  EXPECT_GT(log->log_start_offset(), 30);
  expect_records_from(*log, log->log_start_offset(), 60);
}

}  // namespace
}  // namespace sluice::storage
