// Random sequences of appends, truncations, log start moves, retention, flushes and reopens (clean
// and crashed) checked after every step against a simple in-memory model of the log.
#include <gtest/gtest.h>

#include <random>

#include "test_util.h"

namespace sluice::storage {
namespace {

using test::temp_dir;

constexpr int64_t now = 1'700'000'000'000;

struct model_batch {
  int64_t base;
  std::vector<test::record> records;
  int64_t last() const { return records.back().offset; }
};

struct model {
  std::vector<model_batch> batches;
  int64_t log_start = 0;
  int64_t log_end = 0;

  std::vector<test::record> visible() const {
    std::vector<test::record> out;
    for (const auto& b : batches)
      for (const auto& r : b.records)
        if (r.offset >= log_start) out.push_back(r);
    return out;
  }
  // Offsets at batch boundaries in [log_start, log_end] (where replication truncates).
  std::vector<int64_t> boundaries() const {
    std::vector<int64_t> out;
    for (const auto& b : batches)
      if (b.base >= log_start) out.push_back(b.base);
    out.push_back(log_end);
    return out;
  }
};

void run_model(uint32_t seed, int steps) {
  // fsync is not under test here (the recovery tests cover it).
  file_io& io = test::no_sync();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  temp_dir dir;
  segment_cache cache(8);  // small: handles get evicted and reopened
  log_config cfg;
  cfg.segment_bytes = 2500 + static_cast<int32_t>(rng() % 3000);
  cfg.index_interval_bytes = static_cast<int32_t>(rng() % 400);
  cfg.file_delete_delay_ms = 0;
  cfg.retention_ms = -1;
  auto first = test::open_options(dir.path, cache, cfg);
  first.io = &io;
  auto log = test::open_log(first);
  model m;
  int64_t ts = now;
  int32_t epoch = 0;

  for (int step = 0; step < steps; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    int op = static_cast<int>(rng() % 100);
    if (op < 55) {
      // Append 1-3 batches of 1-6 records in one call.
      int nb = 1 + static_cast<int>(rng() % 3);
      std::vector<uint8_t> bytes;
      std::vector<model_batch> added;
      int64_t next = m.log_end;
      for (int b = 0; b < nb; ++b) {
        int n = 1 + static_cast<int>(rng() % 6);
        std::vector<test::kv> recs;
        model_batch mb{next, {}};
        ts += static_cast<int64_t>(rng() % 1000);
        for (int k = 0; k < n; ++k) {
          std::string key = "k" + std::to_string(rng() % 50);
          std::string value(rng() % 120, static_cast<char>('a' + rng() % 26));
          recs.push_back({key, value});
          mb.records.push_back({next + k, ts, key, value});
        }
        next += n;
        auto batch = test::make_batch(recs, ts);
        bytes.insert(bytes.end(), batch.begin(), batch.end());
        added.push_back(std::move(mb));
      }
      auto r = log->append(bytes, test::at(ts, epoch));
      ASSERT_TRUE(r.ok()) << r.message();
      ASSERT_EQ(r->first_offset, m.log_end);
      for (auto& b : added) m.batches.push_back(std::move(b));
      m.log_end = next;
    } else if (op < 63) {
      auto bounds = m.boundaries();
      int64_t target = bounds[rng() % bounds.size()];
      ASSERT_TRUE(log->truncate_to(target).ok());
      while (!m.batches.empty() && m.batches.back().last() >= target) m.batches.pop_back();
      m.log_end = target;
    } else if (op < 68) {
      int64_t target = m.log_start + static_cast<int64_t>(rng() % (m.log_end - m.log_start + 1));
      ASSERT_TRUE(log->advance_log_start_offset(target).ok());
      m.log_start = target;
    } else if (op < 73) {
      auto r = log->apply_retention(ts);
      ASSERT_TRUE(r.ok()) << r.message();
      // Whole segments below the log start may go; the log start moves to the first segment.
      m.log_start = std::max(m.log_start, log->log_start_offset());
    } else if (op < 78) {
      ASSERT_TRUE(log->flush().ok());
      ASSERT_EQ(log->recovery_point(), m.log_end);
    } else if (op < 83) {
      ++epoch;
    } else if (op < 86) {
      // Restart empty somewhere ahead (a replica that fell off the leader's log).
      int64_t at = m.log_end + static_cast<int64_t>(rng() % 100);
      ASSERT_TRUE(log->truncate_fully_and_start_at(at).ok());
      m = model{};
      m.log_start = m.log_end = at;
    } else {
      // Reopen: clean (close + marker) or as after a crash with a stale recovery point.
      bool clean = rng() % 2 == 0;
      int64_t rp = log->recovery_point();
      int64_t start = log->log_start_offset();
      if (clean) {
        ASSERT_TRUE(log->close().ok());
        rp = log->recovery_point();
      } else if (rp > 0) {
        rp = static_cast<int64_t>(rng() % static_cast<uint64_t>(rp + 1));
      }
      log.reset();
      auto o = test::open_options(dir.path, cache, cfg);
      o.io = &io;
      o.clean_shutdown = clean;
      o.recovery_point = rp;
      o.log_start_offset = start;
      log = test::open_log(o);
      ASSERT_TRUE(log);
    }

    ASSERT_EQ(log->log_end_offset(), m.log_end);
    ASSERT_EQ(log->log_start_offset(), m.log_start);
    int32_t max_bytes = 50 + static_cast<int32_t>(rng() % 3000);
    ASSERT_EQ(test::read_all(*log, max_bytes), m.visible());
    // A random read lands on the batch holding the offset (or the next one).
    if (m.log_end > m.log_start) {
      int64_t at = m.log_start + static_cast<int64_t>(rng() % (m.log_end - m.log_start));
      auto r = log->read(at, 1, INT64_MAX, true);
      ASSERT_TRUE(r.ok()) << r.message();
      auto batches = test::parse_batches(test::region_bytes(r->region));
      ASSERT_EQ(batches.size(), 1u);
      ASSERT_GE(batches[0].first.last_offset(), at);
      ASSERT_LE(batches[0].first.base_offset, at);
    }
  }
}

TEST(model, random_operation_sequences_match_the_reference) {
  for (uint32_t seed = 1; seed <= 12; ++seed) run_model(seed, 250);
}

}  // namespace
}  // namespace sluice::storage
