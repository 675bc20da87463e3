// Compaction of a log with transactions: aborted data goes (and never shadows older records),
// markers go only after delete.retention.ms once their data is gone, each producer's last batch
// stays, and nothing at or above the first unstable offset is cleaned.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/log_cleaner.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using protocol::control_type;
using test::make_marker;
using test::make_producer_batch;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t hour = 3600 * 1000;
constexpr int64_t pid_a = 1000;
constexpr int64_t pid_b = 2000;

log_config compact_config() {
  log_config cfg;
  cfg.cleanup_compact = true;
  cfg.cleanup_delete = false;
  cfg.segment_bytes = 100;  // one batch per segment
  cfg.file_delete_delay_ms = 0;
  cfg.delete_retention_ms = 24 * hour;
  return cfg;
}

struct batch_seen {
  protocol::batch_header header;
  std::vector<test::record> records;
};

// Every batch of the log, markers included.
std::vector<batch_seen> all_batches(const partition_log& log) {
  std::vector<batch_seen> out;
  int64_t next = log.log_start_offset();
  while (next < log.log_end_offset()) {
    auto r = log.read(next, 1 << 20, INT64_MAX, true);
    EXPECT_TRUE(r.ok());
    if (!r || r->region.size == 0) break;
    for (auto& [h, recs] : test::parse_batches(test::region_bytes(r->region))) {
      if (h.last_offset() < next) continue;
      out.push_back({h, recs});
      next = h.last_offset() + 1;
    }
  }
  return out;
}

// The data records a consumer sees: "offset:key=value", markers left out.
std::vector<std::string> data_records(const partition_log& log) {
  std::vector<std::string> out;
  for (const auto& b : all_batches(log)) {
    if (b.header.is_control()) continue;
    for (const auto& r : b.records)
      out.push_back(std::to_string(r.offset) + ":" + r.key.value_or("-") + "=" +
                    r.value.value_or("null"));
  }
  return out;
}

const batch_seen* batch_at(const std::vector<batch_seen>& batches, int64_t offset) {
  for (const auto& b : batches)
    if (b.header.base_offset <= offset && offset <= b.header.last_offset()) return &b;
  return nullptr;
}

void append_ok(partition_log& log, std::vector<uint8_t> bytes,
               const append_options& o = test::at(now)) {
  auto r = log.append(bytes, o);
  ASSERT_TRUE(r.ok()) << r.message();
}

// 0: k0=old (no producer)   1, 2: A's transaction writes k0 twice   3: ABORT A
// 4: B's transaction writes b0   5: COMMIT B   6: A writes a0 (idempotent)   7: the active segment
std::shared_ptr<partition_log> transactional_log(const temp_dir& dir, segment_cache& cache) {
  auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
  append_ok(*log, test::make_batch({{"k0", "old"}}, now));
  append_ok(*log, make_producer_batch({pid_a, 0, 0, true}, 1, now, "k"));
  append_ok(*log, make_producer_batch({pid_a, 0, 1, true}, 1, now, "k"));
  append_ok(*log, make_marker(pid_a, 0, control_type::abort, 0, now), test::as_coordinator(now));
  append_ok(*log, make_producer_batch({pid_b, 0, 0, true}, 1, now, "b"));
  append_ok(*log, make_marker(pid_b, 0, control_type::commit, 0, now), test::as_coordinator(now));
  append_ok(*log, make_producer_batch({pid_a, 0, 2}, 1, now, "a"));
  append_ok(*log, test::make_batch({{"z", "last"}}, now));
  EXPECT_EQ(log->segment_count(), 8u);
  return log;
}

TEST(txn_compaction, drops_aborted_data_then_the_marker_after_delete_retention) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = transactional_log(dir, cache);
  EXPECT_EQ(log->aborted_transactions(0, 8), (std::vector<aborted_txn>{{pid_a, 1, 3, 4}}));
  auto producers = log->active_producers();
  log_cleaner cleaner(1 << 20);

  // Pass 1: A's aborted writes go; k0=old stays (an aborted record supersedes nothing); the
  // ABORT marker stays, and so does its index entry, since this pass still saw its data.
  auto s1 = cleaner.clean(*log, 0, now);
  ASSERT_TRUE(s1.ok()) << s1.message();
  EXPECT_EQ(s1->aborted_batches_dropped, 2);
  EXPECT_EQ(data_records(*log),
            (std::vector<std::string>{"0:k0=old", "4:b0=v0", "6:a0=v2", "7:z=last"}));
  auto batches = all_batches(*log);
  ASSERT_NE(batch_at(batches, 3), nullptr);
  EXPECT_TRUE(batch_at(batches, 3)->header.is_control());
  EXPECT_FALSE(batch_at(batches, 3)->header.has_delete_horizon());
  EXPECT_EQ(log->aborted_transactions(0, 8), (std::vector<aborted_txn>{{pid_a, 1, 3, 4}}));
  // Snapshots inside the rewritten part are gone (one taken inside A's transaction would keep it
  // open for ever once the marker goes); the one where the active segment starts stays.
  EXPECT_EQ(log->producer_snapshot_offsets(), std::vector<int64_t>{7});

  // Pass 2: no data of A's transaction is left: the marker gets its delete horizon and leaves
  // the index. B's COMMIT stays: B's data is still there.
  auto s2 = cleaner.clean(*log, 0, now + hour);
  ASSERT_TRUE(s2.ok()) << s2.message();
  batches = all_batches(*log);
  const batch_seen* abort = batch_at(batches, 3);
  ASSERT_NE(abort, nullptr);
  EXPECT_TRUE(abort->header.has_delete_horizon());
  EXPECT_EQ(abort->header.base_timestamp, now + hour + 24 * hour);
  ASSERT_EQ(abort->records.size(), 1u);
  EXPECT_EQ(abort->records[0].timestamp, now);  // record timestamps stay
  EXPECT_TRUE(log->aborted_transactions(0, 8).empty());
  EXPECT_EQ(s2->markers_dropped, 0);

  // Before the horizon the marker stays; after it, it goes. The COMMIT never does here.
  ASSERT_TRUE(cleaner.clean(*log, 0, now + 24 * hour).ok());
  EXPECT_NE(batch_at(all_batches(*log), 3), nullptr);
  auto s4 = cleaner.clean(*log, 0, now + 26 * hour);
  ASSERT_TRUE(s4.ok());
  EXPECT_EQ(s4->markers_dropped, 1);
  batches = all_batches(*log);
  EXPECT_EQ(batch_at(batches, 3), nullptr);
  ASSERT_NE(batch_at(batches, 5), nullptr);
  EXPECT_TRUE(batch_at(batches, 5)->header.is_control());
  EXPECT_EQ(data_records(*log),
            (std::vector<std::string>{"0:k0=old", "4:b0=v0", "6:a0=v2", "7:z=last"}));
  EXPECT_EQ(log->active_producers(), producers);
}

TEST(txn_compaction, keeps_a_producers_last_batch_even_when_it_is_aborted) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
  append_ok(*log, make_producer_batch({pid_a, 3, 0, true}, 1, now, "k"));  // 0
  append_ok(*log, make_producer_batch({pid_a, 3, 1, true}, 1, now, "k"));  // 1
  append_ok(*log, make_marker(pid_a, 3, control_type::abort, 0, now), test::as_coordinator(now));
  append_ok(*log, test::make_batch({{"z", "last"}}, now));  // 3, active
  log_cleaner cleaner(1 << 20);
  ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
  auto batches = all_batches(*log);
  EXPECT_EQ(batch_at(batches, 0), nullptr);
  // Offset 1 holds A's last sequence and epoch: kept without its records.
  const batch_seen* last = batch_at(batches, 1);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->header.records_count, 0);
  EXPECT_TRUE(last->records.empty());
  EXPECT_EQ(last->header.producer_id, pid_a);
  EXPECT_EQ(last->header.producer_epoch, 3);
  EXPECT_EQ(last->header.base_sequence, 1);
  EXPECT_TRUE(last->header.is_transactional());
  EXPECT_NE(batch_at(batches, 2), nullptr);  // the ABORT: its (emptied) data is still seen

  // Replayed from the log alone (no snapshot), the producer state comes out the same.
  auto before = log->active_producers();
  log.reset();
  for (const auto& e : fs::directory_iterator(dir.path))
    if (e.path().string().ends_with(".snapshot")) fs::remove(e.path());
  auto reopened = test::open_log(test::open_options(dir.path, cache, compact_config()));
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->active_producers(), before);
  auto batch = make_producer_batch({pid_a, 3, 2}, 1, now);
  auto next = reopened->append(batch, test::at(now));
  EXPECT_TRUE(next.ok()) << next.message();
}

TEST(txn_compaction, a_crash_during_the_swap_keeps_the_cleaned_transaction_index) {
  temp_dir dir;
  segment_cache cache(64);
  const aborted_txn a{pid_a, 1, 3, 4};
  {
    auto log = transactional_log(dir, cache);
    log_cleaner cleaner(1 << 20);
    // One group per segment: the fourth swap is the marker's segment. Stop right after its
    // commit point, as if the process died.
    int swaps = 0;
    cleaner.crash_point = [&](const char* step) {
      return !(std::string_view(step) == "swap" && ++swaps == 4);
    };
    ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
    EXPECT_TRUE(fs::exists(dir / "00000000000000000003.txnindex.swap"));
  }
  // Everything up to the log end was synced: recovery re-scans only the last segment, so the
  // marker's segment keeps the index the swap brings (a re-scan would rebuild it from the log,
  // where no aborted data is left).
  auto reopen = [&](bool clean) {
    auto o = test::open_options(dir.path, cache, compact_config());
    o.clean_shutdown = clean;
    o.recovery_point = 8;
    return test::open_log(o);
  };
  auto log = reopen(false);
  ASSERT_TRUE(log);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000003.txnindex.swap"));
  EXPECT_EQ(log->aborted_transactions(0, 8), std::vector<aborted_txn>{a});
  ASSERT_TRUE(log->close().ok());
  log.reset();

  // Died after the log was renamed into place but before the transaction index (renamed last):
  // no <base>.log.cleaned is left, so the swap had committed and the index is installed.
  fs::rename(dir / "00000000000000000003.txnindex", dir / "00000000000000000003.txnindex.swap");
  log = reopen(true);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->aborted_transactions(0, 8), std::vector<aborted_txn>{a});
  ASSERT_TRUE(log->close().ok());
  log.reset();

  // A compaction that never committed (its .log.cleaned still there): its index is dropped and
  // the segment's own stays.
  {
    std::ofstream(dir / "00000000000000000003.log.cleaned") << "partial";
    std::ofstream(dir / "00000000000000000003.txnindex.swap") << "garbage that is not an index";
  }
  log = reopen(true);
  ASSERT_TRUE(log);
  EXPECT_FALSE(fs::exists(dir / "00000000000000000003.txnindex.swap"));
  EXPECT_FALSE(fs::exists(dir / "00000000000000000003.log.cleaned"));
  EXPECT_EQ(log->aborted_transactions(0, 8), std::vector<aborted_txn>{a});
}

TEST(txn_compaction, leaves_everything_from_the_first_unstable_offset_alone) {
  temp_dir dir;
  segment_cache cache(64);
  auto log = test::open_log(test::open_options(dir.path, cache, compact_config()));
  append_ok(*log, test::make_batch({{"k0", "v0"}}, now));                  // 0
  append_ok(*log, test::make_batch({{"k0", "v1"}}, now));                  // 1
  append_ok(*log, make_producer_batch({pid_a, 0, 0, true}, 1, now, "t"));  // 2: open txn
  append_ok(*log, test::make_batch({{"k0", "v3"}}, now));                  // 3
  append_ok(*log, test::make_batch({{"k0", "v4"}}, now));                  // 4
  append_ok(*log, test::make_batch({{"z", "last"}}, now));                 // 5, active
  EXPECT_EQ(log->first_unstable_offset(), 2);
  log_cleaner cleaner(1 << 20);
  auto range = cleaner.assess(*log, 0, now);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->first_uncleanable, 2);
  ASSERT_TRUE(cleaner.clean(*log, 0, now).ok());
  EXPECT_EQ(data_records(*log),
            (std::vector<std::string>{"1:k0=v1", "2:t0=v0", "3:k0=v3", "4:k0=v4", "5:z=last"}));
}

}  // namespace
}  // namespace sluice::storage
