#include "storage/partition_log.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace sluice::storage {
namespace {

using test::make_batch;
using test::temp_dir;

constexpr int64_t now = 1'700'000'000'000;

TEST(partition_log, append_assigns_offsets_and_epoch_and_reads_back) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 0);

  auto b1 = make_batch(3, now);
  auto r1 = log->append(b1, test::at(now, 5));
  ASSERT_TRUE(r1.ok()) << r1.message();
  EXPECT_EQ(r1->first_offset, 0);
  EXPECT_EQ(r1->last_offset, 2);
  EXPECT_EQ(r1->records, 3);
  EXPECT_EQ(r1->max_timestamp, now);
  auto b2 = make_batch(2, now + 1);
  auto r2 = log->append(b2, test::at(now, 5));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->first_offset, 3);
  EXPECT_EQ(log->log_end_offset(), 5);

  auto read = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->first_offset, 0);
  EXPECT_EQ(read->region.size, static_cast<int32_t>(b1.size() + b2.size()));
  auto batches = test::parse_batches(test::region_bytes(read->region));
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first.base_offset, 0);
  EXPECT_EQ(batches[0].first.partition_leader_epoch, 5);
  EXPECT_EQ(batches[1].first.base_offset, 3);
  EXPECT_EQ(batches[1].second[1].offset, 4);
  EXPECT_EQ(batches[1].second[1].key, "k1");

  // A read from the middle of a batch returns that whole batch.
  auto mid = log->read(4, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->first_offset, 3);
  EXPECT_EQ(mid->region.size, static_cast<int32_t>(b2.size()));

  auto epochs = log->epoch_entries();
  ASSERT_EQ(epochs.size(), 1u);
  EXPECT_EQ(epochs[0], (leader_epoch_cache::entry{5, 0}));
}

TEST(partition_log, read_limits_whole_batches_bound_and_out_of_range) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.index_interval_bytes = 0;  // an index entry per batch
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  std::vector<size_t> sizes;
  for (int i = 0; i < 10; ++i) {
    auto b = make_batch(2, now, 100);
    sizes.push_back(b.size());
    ASSERT_TRUE(log->append(b, test::at(now)).ok());
  }
  ASSERT_EQ(log->log_end_offset(), 20);
  const auto one = static_cast<int32_t>(sizes[0]);

  // max_bytes between one and two batches: exactly one batch.
  auto r = log->read(0, one + one / 2, INT64_MAX, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, one);
  // Smaller than a batch: nothing, unless min_one_batch.
  r = log->read(0, one - 1, INT64_MAX, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, 0);
  r = log->read(0, 1, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, one);
  r = log->read(6, 0, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 6);
  EXPECT_EQ(r->region.size, one);

  // Bounded by a high watermark: batches whose last offset is below it.
  r = log->read(0, 1 << 20, 7, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, 3 * one);  // offsets 0..5
  r = log->read(6, 1 << 20, 7, true);  // the batch 6..7 reaches the bound
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, 0);
  r = log->read(6, 1 << 20, 8, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, one);

  // At the end: empty; beyond it or below the start: out of range.
  r = log->read(20, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->region.size, 0);
  EXPECT_EQ(log->read(21, 1 << 20, INT64_MAX, true).code(), errc::offset_out_of_range);
  EXPECT_EQ(log->read(-1, 1 << 20, INT64_MAX, true).code(), errc::offset_out_of_range);
  ASSERT_TRUE(log->advance_log_start_offset(4).ok());
  EXPECT_EQ(log->read(3, 1 << 20, INT64_MAX, true).code(), errc::offset_out_of_range);
  r = log->read(4, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 4);
  EXPECT_EQ(log->advance_log_start_offset(21).code(), errc::offset_out_of_range);
}

TEST(partition_log, rolls_on_size_time_and_index_and_reads_across_segments) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 1000;
  cfg.segment_ms = 60'000;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  auto b = make_batch(1, now, 300);
  ASSERT_LT(b.size(), 400u);
  for (int i = 0; i < 5; ++i) {
    auto copy = b;
    ASSERT_TRUE(log->append(copy, test::at(now)).ok());
  }
  // Two batches fit in 1000 bytes, so 5 batches make 3 segments.
  EXPECT_EQ(log->segment_bases(), (std::vector<int64_t>{0, 2, 4}));
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000002.log"));
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000000.index"));
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000000.timeindex"));

  // segment.ms: the first batch of the active segment has timestamp `now`.
  auto late = make_batch(1, now + 60'001, 10);
  ASSERT_TRUE(log->append(late, test::at(now + 60'001)).ok());
  EXPECT_EQ(log->segment_bases().back(), 5);
  // ...and a segment whose first batch is recent does not roll.
  auto soon = make_batch(1, now + 60'002, 10);
  ASSERT_TRUE(log->append(soon, test::at(now + 60'002)).ok());
  EXPECT_EQ(log->segment_bases().back(), 5);

  // Index full: segment.index.bytes of 16 = 2 entries.
  cfg.segment_ms = log_config::unlimited;
  cfg.segment_bytes = 1 << 20;
  cfg.segment_index_bytes = 16;
  cfg.index_interval_bytes = 0;
  log->set_config(cfg);
  size_t before = log->segment_count();
  for (int i = 0; i < 4; ++i) {
    auto small = make_batch(1, now, 10);
    ASSERT_TRUE(log->append(small, test::at(now)).ok());
  }
  EXPECT_GT(log->segment_count(), before);

  auto all = test::read_all(*log, 100);
  ASSERT_EQ(all.size(), static_cast<size_t>(log->log_end_offset()));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].offset, static_cast<int64_t>(i));
}

TEST(partition_log, validation_errors) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.max_message_bytes = 500;
  cfg.message_timestamp_before_max_ms = 1000;
  cfg.message_timestamp_after_max_ms = 2000;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));

  auto big = make_batch(1, now, 600);
  EXPECT_EQ(log->append(big, test::at(now)).code(), errc::message_too_large);

  auto flipped = make_batch(2, now);
  flipped[flipped.size() - 3] ^= 0x10;
  EXPECT_EQ(log->append(flipped, test::at(now)).code(), errc::corrupt_message);

  auto magic = make_batch(2, now);
  magic[protocol::batch_header::magic_at] = 1;
  EXPECT_EQ(log->append(magic, test::at(now)).code(), errc::corrupt_message);

  auto truncated = make_batch(2, now);
  truncated.pop_back();
  EXPECT_EQ(log->append(truncated, test::at(now)).code(), errc::corrupt_message);

  // records count disagrees with lastOffsetDelta (CRC recomputed so only that is wrong).
  auto count = make_batch(2, now);
  count[protocol::batch_header::records_count_at + 3] = 3;
  protocol::set_log_append_time(count, now);  // recomputes the CRC
  EXPECT_EQ(log->append(count, test::at(now)).code(), errc::invalid_record);

  auto old = make_batch(1, now - 1001);
  EXPECT_EQ(log->append(old, test::at(now)).code(), errc::invalid_timestamp);
  auto future = make_batch(1, now + 2001);
  EXPECT_EQ(log->append(future, test::at(now)).code(), errc::invalid_timestamp);
  auto fine = make_batch(1, now + 1999);
  EXPECT_TRUE(log->append(fine, test::at(now)).ok());

  // Two good batches then a bad one: nothing appended.
  auto a = make_batch(1, now);
  auto c = make_batch(1, now);
  auto bad = make_batch(1, now);
  bad[70] ^= 1;
  std::vector<uint8_t> all;
  for (auto* v : {&a, &c, &bad}) all.insert(all.end(), v->begin(), v->end());
  EXPECT_EQ(log->append(all, test::at(now)).code(), errc::corrupt_message);
  EXPECT_EQ(log->log_end_offset(), 1);

  // More bytes than a segment holds.
  cfg.segment_bytes = 100;
  cfg.max_message_bytes = 1 << 20;
  log->set_config(cfg);
  auto large = make_batch(3, now, 50);
  EXPECT_EQ(log->append(large, test::at(now)).code(), errc::record_list_too_large);

  // An empty append is accepted and appends nothing.
  auto empty = log->append({}, test::at(now));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->first_offset, -1);
}

TEST(partition_log, crc_verified_skips_only_the_crc) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  auto opts = test::at(now);
  opts.crc_verified = true;
  auto good = make_batch(2, now);
  EXPECT_TRUE(log->append(good, opts).ok());
  auto magic = make_batch(2, now);
  magic[protocol::batch_header::magic_at] = 1;
  EXPECT_EQ(log->append(magic, opts).code(), errc::corrupt_message);
  auto truncated = make_batch(2, now);
  truncated.pop_back();
  EXPECT_EQ(log->append(truncated, opts).code(), errc::corrupt_message);
  EXPECT_EQ(log->log_end_offset(), 2);
}

TEST(partition_log, preallocated_segments_keep_their_real_size) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.preallocate = true;
  cfg.segment_bytes = 1 << 20;
  std::vector<test::record> before;
  {
    auto log = test::open_log(test::open_options(dir.path, cache, cfg));
    for (int i = 0; i < 5; ++i) {
      auto b = make_batch(2, now);
      ASSERT_TRUE(log->append(b, test::at(now)).ok());
    }
    before = test::read_all(*log);
    EXPECT_EQ(std::filesystem::file_size(dir / "00000000000000000000.log"),
              static_cast<uintmax_t>(log->size_bytes()));
  }
  auto o = test::open_options(dir.path, cache, cfg);
  o.recovery_point = 0;
  auto log = test::open_log(o);
  EXPECT_EQ(log->log_end_offset(), 10);
  EXPECT_EQ(test::read_all(*log), before);
}

TEST(partition_log, log_append_time_is_stamped) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.message_timestamp_type = protocol::timestamp_type::log_append_time;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  auto b = make_batch(2, 5);  // a silly CreateTime is simply replaced
  auto r = log->append(b, test::at(now));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->log_append_time, now);
  auto all = test::read_all(*log);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].timestamp, now);
  EXPECT_EQ(all[1].timestamp, now);
}

TEST(partition_log, replica_appends_keep_offsets_and_check_them) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  append_options replica;
  replica.assign_offsets = false;
  replica.now_ms = now;
  auto b = test::make_batch({{"a", "1"}, {"b", "2"}}, now, protocol::compression_type::none, 10, 3);
  auto r = log->append(b, replica);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->first_offset, 10);
  EXPECT_EQ(log->log_end_offset(), 12);
  auto back = test::make_batch({{"a", "1"}}, now, protocol::compression_type::none, 11, 3);
  EXPECT_EQ(log->append(back, replica).code(), errc::unexpected_offset);
  EXPECT_EQ(log->end_offset_for_epoch(3), (leader_epoch_cache::epoch_end{3, 12}));
}

TEST(partition_log, offset_for_timestamp) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 400;
  cfg.index_interval_bytes = 0;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  // Batches of 2 records at timestamps 100, 200, ..., 1000 (offsets 0..19), one out of order.
  std::vector<int64_t> ts = {100, 200, 300, 250, 500, 600, 700, 800, 900, 1000};
  for (int64_t t : ts) {
    auto b = make_batch(2, t, 50);
    ASSERT_TRUE(log->append(b, test::at(now, 7)).ok());
  }
  ASSERT_GT(log->segment_count(), 2u);
  auto q = [&](int64_t t) { return log->offset_for_timestamp(t).value(); };
  EXPECT_EQ(q(0).offset, 0);
  EXPECT_EQ(q(100).offset, 0);
  EXPECT_EQ(q(101).offset, 2);
  EXPECT_EQ(q(260).offset, 4);  // batch with 300 comes before the 250 one
  EXPECT_EQ(q(301).offset, 8);
  EXPECT_EQ(q(1000).offset, 18);
  EXPECT_EQ(q(1000).timestamp, 1000);
  EXPECT_EQ(q(1000).leader_epoch, 7);
  EXPECT_EQ(q(1001).offset, -1);
  EXPECT_EQ(q(list_offsets::earliest).offset, 0);
  EXPECT_EQ(q(list_offsets::latest).offset, 20);
  EXPECT_EQ(q(list_offsets::max_timestamp).timestamp, 1000);
  EXPECT_EQ(q(list_offsets::max_timestamp).offset, 18);
  ASSERT_TRUE(log->advance_log_start_offset(5).ok());
  EXPECT_EQ(q(0).offset, 5);
  EXPECT_EQ(q(list_offsets::earliest).offset, 5);
}

TEST(partition_log, offset_for_timestamp_finds_the_record_inside_a_batch) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache));
  for (auto c : {protocol::compression_type::none, protocol::compression_type::lz4}) {
    // Records at 10, 40, 20, 30 (offsets base..base+3).
    protocol::batch_builder_options o;
    o.compression = c;
    protocol::record_batch_builder b(o);
    for (int64_t t : {10, 40, 20, 30}) b.add(t, test::as_bytes("k"), test::as_bytes("v"));
    auto bytes = b.build().value();
    ASSERT_TRUE(log->append(bytes, test::at(now)).ok());
  }
  auto q = [&](int64_t t) { return log->offset_for_timestamp(t).value(); };
  EXPECT_EQ(q(10).offset, 0);
  EXPECT_EQ(q(11).offset, 1);
  EXPECT_EQ(q(11).timestamp, 40);
  EXPECT_EQ(q(40).offset, 1);
  EXPECT_EQ(q(41).offset, -1);
  EXPECT_EQ(q(list_offsets::max_timestamp).offset, 1);
  ASSERT_TRUE(log->advance_log_start_offset(2).ok());
  EXPECT_EQ(q(11).offset, 2);  // offset 1 is below the log start
  EXPECT_EQ(q(35).offset, 5);  // the first batch has no record >= 35 at or after offset 2
  // Never an offset below the log start.
  ASSERT_TRUE(log->advance_log_start_offset(6).ok());
  EXPECT_GE(q(list_offsets::max_timestamp).offset, 6);
}

// A leader that appended nothing in its epoch leaves an epoch entry at the log end; truncating to
// the log end (what a follower does after the new leader reports a divergence there) drops it.
TEST(partition_log, truncate_to_log_end_drops_an_empty_trailing_epoch) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, log_config{}));
  auto b = make_batch(3, now, 40);
  ASSERT_TRUE(log->append(b, test::at(now, 0)).ok());
  ASSERT_TRUE(log->assign_epoch_start_offset(1, 3).ok());
  ASSERT_EQ(log->latest_epoch()->epoch, 1);

  ASSERT_TRUE(log->truncate_to(3).ok());
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(log->latest_epoch()->epoch, 0);
  EXPECT_EQ(test::read_all(*log).size(), 3u);
}

TEST(partition_log, truncate_to_and_start_at) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 300;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  for (int i = 0; i < 10; ++i) {
    auto b = make_batch(2, now + i, 40);
    ASSERT_TRUE(log->append(b, test::at(now, i < 5 ? 1 : 2)).ok());
  }
  ASSERT_EQ(log->log_end_offset(), 20);
  ASSERT_TRUE(log->assign_epoch_start_offset(3, 20).ok());
  size_t segments = log->segment_count();
  ASSERT_GT(segments, 3u);

  ASSERT_TRUE(log->truncate_to(9).ok());  // inside the batch 8..9: it goes whole
  EXPECT_EQ(log->log_end_offset(), 9);
  EXPECT_LT(log->segment_count(), segments);
  auto all = test::read_all(*log);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.back().offset, 7);
  EXPECT_EQ(log->latest_epoch()->epoch, 1);
  EXPECT_EQ(log->end_offset_for_epoch(1).end_offset, 9);

  auto b = make_batch(3, now, 40);
  auto r = log->append(b, test::at(now, 4));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 9);
  all = test::read_all(*log);
  ASSERT_EQ(all.size(), 11u);
  EXPECT_EQ(all.back().offset, 11);
  EXPECT_EQ(log->end_offset_for_epoch(1), (leader_epoch_cache::epoch_end{1, 9}));
  EXPECT_EQ(log->end_offset_for_epoch(3), (leader_epoch_cache::epoch_end{1, 9}));

  ASSERT_TRUE(log->truncate_to(0).ok());
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_TRUE(test::read_all(*log).empty());

  ASSERT_TRUE(log->truncate_fully_and_start_at(1000).ok());
  EXPECT_EQ(log->log_start_offset(), 1000);
  EXPECT_EQ(log->log_end_offset(), 1000);
  EXPECT_EQ(log->segment_bases(), (std::vector<int64_t>{1000}));
  EXPECT_TRUE(log->epoch_entries().empty());
  auto c = make_batch(1, now);
  EXPECT_EQ(log->append(c, test::at(now))->first_offset, 1000);
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000001000.log"));
}

TEST(partition_log, region_outlives_deleted_segment) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 200;
  cfg.file_delete_delay_ms = 0;
  cfg.retention_ms = -1;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  for (int i = 0; i < 4; ++i) {
    auto b = make_batch(1, now, 120);
    ASSERT_TRUE(log->append(b, test::at(now)).ok());
  }
  auto r = log->read(0, 1 << 20, INT64_MAX, true);
  ASSERT_TRUE(r.ok());
  auto expected = test::region_bytes(r->region);
  ASSERT_TRUE(log->advance_log_start_offset(2).ok());
  auto ret = log->apply_retention(now);
  ASSERT_TRUE(ret.ok());
  EXPECT_GE(ret->segments_deleted, 1);
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000000.log"));
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000000000.log.deleted"));
  // The region still reads the deleted file's bytes.
  EXPECT_EQ(test::region_bytes(r->region), expected);
}

TEST(partition_log, reads_are_consistent_while_appending) {
  temp_dir dir;
  segment_cache cache(64);
  log_config cfg;
  cfg.segment_bytes = 20'000;
  cfg.index_interval_bytes = 512;
  auto log = test::open_log(test::open_options(dir.path, cache, cfg));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 400; ++i) {
      auto b = make_batch(1 + i % 5, now, 10 + i % 200);
      ASSERT_TRUE(log->append(b, test::at(now)).ok());
    }
    done = true;
  });
  int64_t reads = 0;
  while (!done || reads == 0) {
    int64_t next = 0;
    while (true) {
      auto r = log->read(next, 3000, INT64_MAX, true);
      ASSERT_TRUE(r.ok()) << r.message();
      if (r->region.size == 0) break;
      auto batches = test::parse_batches(test::region_bytes(r->region));
      ASSERT_FALSE(batches.empty());
      ASSERT_LE(batches.front().first.base_offset, next);
      for (auto& [h, recs] : batches) {
        ASSERT_EQ(recs.size(), static_cast<size_t>(h.records_count));
        next = h.last_offset() + 1;
      }
      ++reads;
    }
  }
  writer.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(test::read_all(*log).size(), static_cast<size_t>(log->log_end_offset()));
}

}  // namespace
}  // namespace sluice::storage
