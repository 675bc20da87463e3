#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "storage/log_cleaner.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t hour = 3600 * 1000;

log_config compact_config() {
  log_config cfg;
  cfg.cleanup_compact = true;
  cfg.cleanup_delete = false;
  cfg.segment_bytes = 1200;
  cfg.file_delete_delay_ms = 0;
  cfg.delete_retention_ms = 24 * hour;
  return cfg;
}

// What compaction must leave: every record at or above `uncleanable`, and below it the last
// record of each key (tombstones only if `keep_tombstones`), in offset order.
std::vector<test::record> expected_after(const std::vector<test::record>& all, int64_t uncleanable,
                                         bool keep_tombstones) {
  std::map<std::string, int64_t> last;
  for (const auto& r : all)
    if (r.offset < uncleanable && r.key) last[*r.key] = r.offset;
  std::vector<test::record> out;
  for (const auto& r : all) {
    if (r.offset >= uncleanable) {
      out.push_back(r);
    } else if (r.key && last[*r.key] == r.offset && (r.value || keep_tombstones)) {
      out.push_back(r);
    }
  }
  return out;
}

// Appends `n` single-key updates over `keys` keys, 4 records per batch; every 7th record of a
// key is a tombstone. Records carry timestamp `ts`.
void write_updates(partition_log& log, int n, int keys, int64_t ts, uint32_t seed,
                   protocol::compression_type c = protocol::compression_type::none) {
  std::mt19937 rng(seed);
  std::vector<test::kv> batch;
  for (int i = 0; i < n; ++i) {
    int k = static_cast<int>(rng() % static_cast<uint32_t>(keys));
    std::optional<std::string> value = "v" + std::to_string(i) + std::string(rng() % 40, 'x');
    if (i % 7 == 6) value.reset();
    batch.push_back({"key" + std::to_string(k), value});
    if (batch.size() == 4 || i + 1 == n) {
      auto b = test::make_batch(batch, ts, c);
      ASSERT_TRUE(log.append(b, test::at(ts)).ok());
      batch.clear();
    }
  }
}

TEST(compaction, keeps_the_latest_record_per_key_record_by_record) {
  for (auto c : {protocol::compression_type::none, protocol::compression_type::zstd,
                 protocol::compression_type::gzip}) {
    temp_dir dir;
    segment_cache cache(64);
    auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
    write_updates(*log, 400, 30, now, 3, c);
    auto before = test::read_all(*log);
    auto bases = log->segment_bases();
    ASSERT_GT(bases.size(), 5u);
    int64_t active_base = bases.back();

    log_cleaner cleaner(1 << 20);
    auto range = cleaner.assess(*log, 0, now);
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(range->first_uncleanable, active_base);
    EXPECT_DOUBLE_EQ(range->dirty_ratio(), 1.0);
    auto stats = cleaner.clean(*log, 0, now);
    ASSERT_TRUE(stats.ok()) << stats.message();
    EXPECT_EQ(stats->first_dirty_after, active_base);
    EXPECT_LT(stats->bytes_after, stats->bytes_before);
    EXPECT_EQ(log->segment_bases().back(), active_base);

    auto after = test::read_all(*log);
    EXPECT_EQ(after, expected_after(before, active_base, true));
    EXPECT_EQ(test::read_all(*log, 100), after);
    // Offsets and the log end are unchanged; .deleted files are gone (no delay).
    EXPECT_EQ(log->log_end_offset(), 400);
    for (const auto& e : fs::directory_iterator(dir.path))
      EXPECT_EQ(e.path().string().find(".deleted"), std::string::npos) << e.path();

    // A second pass over an unchanged log finds nothing dirty.
    auto again = cleaner.assess(*log, stats->first_dirty_after, now);
    EXPECT_EQ(again->dirty_bytes, 0);

    // New writes dirty the log again; a second pass cleans the old part against them.
    write_updates(*log, 200, 30, now, 4, c);
    auto before2 = test::read_all(*log);
    auto bases2 = log->segment_bases();
    auto stats2 = cleaner.clean(*log, stats->first_dirty_after, now);
    ASSERT_TRUE(stats2.ok()) << stats2.message();
    EXPECT_LT(log->segment_count(), bases2.size());  // the small cleaned segments were merged
    EXPECT_EQ(test::read_all(*log), expected_after(before2, bases2.back(), true));
  }
}

TEST(compaction, tombstones_go_after_delete_retention) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  write_updates(*log, 300, 20, now - 2 * hour, 5);
  auto before = test::read_all(*log);
  int64_t active_base = log->segment_bases().back();
  log_cleaner cleaner(1 << 20);
  // delete.retention.ms of 24 hours: tombstones stay.
  auto s1 = cleaner.clean(*log, 0, now);
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(s1->tombstones_dropped, 0);
  EXPECT_EQ(test::read_all(*log), expected_after(before, active_base, true));
  // One hour: they go (the segments are two hours old).
  cfg.delete_retention_ms = hour;
  log->set_config(cfg);
  auto s2 = cleaner.clean(*log, 0, now);
  ASSERT_TRUE(s2.ok());
  EXPECT_GT(s2->tombstones_dropped, 0);
  EXPECT_EQ(test::read_all(*log), expected_after(before, active_base, false));
}

TEST(compaction, lag_and_high_watermark_bound_the_cleanable_part) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  cfg.min_compaction_lag_ms = hour;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  write_updates(*log, 200, 10, now - 2 * hour, 6);
  int64_t old_end = log->log_end_offset();
  write_updates(*log, 200, 10, now, 7);
  log_cleaner cleaner(1 << 20);
  auto range = cleaner.assess(*log, 0, now);
  ASSERT_TRUE(range.ok());
  EXPECT_LE(range->first_uncleanable, old_end);
  EXPECT_GT(range->first_uncleanable, 0);
  auto before = test::read_all(*log);
  ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
  EXPECT_EQ(test::read_all(*log), expected_after(before, range->first_uncleanable, true));

  cfg.min_compaction_lag_ms = 0;
  log->set_config(cfg);
  log->set_high_watermark(50);
  auto bounded = cleaner.assess(*log, 0, now);
  EXPECT_LE(bounded->first_uncleanable, 50);
}

TEST(compaction, overdue_by_max_compaction_lag) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  cfg.max_compaction_lag_ms = hour;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  write_updates(*log, 100, 10, now - 2 * hour, 8);
  log_cleaner cleaner(1 << 20);
  auto range = cleaner.assess(*log, 0, now);
  EXPECT_TRUE(range->overdue);
  EXPECT_FALSE(cleaner.assess(*log, 0, now - 2 * hour)->overdue);
}

TEST(compaction, small_offset_map_cleans_in_several_passes) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
  write_updates(*log, 600, 200, now, 9);
  auto before = test::read_all(*log);
  int64_t active_base = log->segment_bases().back();
  log_cleaner cleaner(64 * 100);  // room for 100 keys
  int64_t dirty = 0;
  int passes = 0;
  while (dirty < active_base && passes < 50) {
    auto s = cleaner.clean(*log, dirty, now);
    ASSERT_TRUE(s.ok()) << s.message();
    ASSERT_GT(s->first_dirty_after, dirty);
    dirty = s->first_dirty_after;
    ++passes;
  }
  EXPECT_GT(passes, 1);
  // Every pass kept the latest record of each key it knew; a final pass with a big map must
  // reach the full result.
  log_cleaner big(1 << 20);
  ASSERT_TRUE(big.clean(*log, 0, now).ok());
  EXPECT_EQ(test::read_all(*log), expected_after(before, active_base, true));
}

TEST(compaction, crash_after_writing_cleaned_files_leaves_the_log_as_it_was) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    write_updates(*log, 300, 20, now, 10);
    before = test::read_all(*log);
    log_cleaner cleaner(1 << 20);
    cleaner.crash_point = [](const char* step) { return std::string_view(step) != "cleaned"; };
    ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
    EXPECT_TRUE(fs::exists(dir / "00000000000000000000.log.cleaned"));
  }
  auto o = test::open_options(dir.path, cache, cfg);
  o.recovery_point = 0;
  auto log = test::open_log(o);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000000.log.cleaned"));
  EXPECT_FALSE(fs::exists(dir / "00000000000000000000.index.cleaned"));
  EXPECT_EQ(test::read_all(*log), before);
}

// Stops at the commit point (.swap files in place), optionally with some of the old segments
// already renamed away, and checks that open completes the swap.
void crash_at_swap(int renamed_before_crash) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  std::vector<test::record> expected;
  std::vector<int64_t> bases;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    write_updates(*log, 300, 20, now, 11);
    auto before = test::read_all(*log);
    bases = log->segment_bases();
    expected = expected_after(before, bases.back(), true);
    log_cleaner cleaner(1 << 20);
    cleaner.crash_point = [](const char* step) { return std::string_view(step) != "swap"; };
    ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
    EXPECT_TRUE(fs::exists(dir / "00000000000000000000.log.swap"));
  }
  // The swap replaces a group starting at offset 0; simulate a crash part way through moving the
  // group's old files aside.
  for (int i = 0; i < renamed_before_crash && i + 1 < static_cast<int>(bases.size()); ++i) {
    auto name = dir / segment_file_name(bases[static_cast<size_t>(i)], ".log");
    fs::rename(name, name + ".deleted");
  }
  auto o = test::open_options(dir.path, cache, cfg);
  o.recovery_point = 0;
  auto log = test::open_log(o);
  ASSERT_TRUE(log);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000000.log.swap"));
  auto after = test::read_all(*log);
  // The first group is swapped in; later groups were never cleaned, so records there may be
  // superseded ones still: compare the key -> latest value view and offsets order.
  std::map<std::string, std::optional<std::string>> got, want;
  for (const auto& r : after) got[*r.key] = r.value;
  for (const auto& r : expected) want[*r.key] = r.value;
  EXPECT_EQ(got, want);
  for (size_t i = 1; i < after.size(); ++i) ASSERT_LT(after[i - 1].offset, after[i].offset);
  // Nothing was lost: each expected record is still there.
  size_t j = 0;
  for (const auto& r : after)
    if (j < expected.size() && r == expected[j]) ++j;
  EXPECT_EQ(j, expected.size());
}

TEST(compaction, crash_at_the_commit_point_completes_the_swap) {
  crash_at_swap(0);
}
TEST(compaction, crash_in_the_middle_of_the_swap_completes_it) {
  crash_at_swap(1);
}

TEST(compaction, readers_keep_reading_old_segments_during_a_swap) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
  write_updates(*log, 300, 20, now, 12);
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  auto old_bytes = test::region_bytes(r->region);
  log_cleaner cleaner(1 << 20);
  ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
  EXPECT_EQ(test::region_bytes(r->region), old_bytes);
}

TEST(compaction, concurrent_readers_never_fail_while_cleaning_and_retention_run) {
  temp_dir dir;
  segment_cache cache(64);
  auto cfg = compact_config();
  cfg.cleanup_delete = true;
  cfg.retention_ms = -1;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  write_updates(*log, 300, 20, now, 13);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop) {
      // Consume from the start to the end; the log start may overtake us (retention), then
      // start over. Any other error fails the test.
      int64_t next = log->log_start_offset();
      int64_t last = -1;
      while (true) {
        auto r = log->read(next, 500, INT64_MAX, true);
        if (!r && r.code() == errc::offset_out_of_range) break;
        ASSERT_TRUE(r.ok()) << r.message();
        if (r->region.size == 0) break;
        for (auto& [h, recs] : test::parse_batches(test::region_bytes(r->region))) {
          for (auto& rec : recs) {
            ASSERT_GT(rec.offset, last);
            last = rec.offset;
          }
          next = h.last_offset() + 1;
        }
      }
      ++reads;
    }
  });
  log_cleaner cleaner(1 << 20);
  int64_t dirty = 0;
  for (int round = 0; round < 6; ++round) {
    write_updates(*log, 100, 20, now, 14 + static_cast<uint32_t>(round));
    auto s = cleaner.clean(*log, dirty, now);
    ASSERT_TRUE(s.ok()) << s.message();
    dirty = s->first_dirty_after;
    ASSERT_TRUE(log->advance_log_start_offset(log->log_start_offset() + 5).ok());
    ASSERT_TRUE(log->apply_retention(now).ok());
  }
  while (reads < 3) std::this_thread::yield();
  stop = true;
  reader.join();
}

}  // namespace
}  // namespace sluice::storage
