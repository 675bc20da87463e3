// Loading __transaction_state partitions: replay through the live code path, transactions found
// half-way completed, coordinator epochs across unload and reload, and requests meanwhile.
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

TEST(load, replay_rebuilds_what_was_written) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"b", 1}});
  auto q = h.init_ok("u");
  h.now += 5;
  EXPECT_EQ(h.end("u", q, true)->error_code, ec(error_code::invalid_txn_state));
  const txn_metadata before = *h.core.find("t");
  for (int32_t partition = 0; partition < 4; ++partition) h.reload(partition);
  const txn_metadata* after = h.core.find("t");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->current, before.current);
  EXPECT_EQ(after->state(), txn_state::ongoing);
  EXPECT_EQ(after->last_pid, no_producer_id);  // not in TransactionLogValue v0
  EXPECT_EQ(h.core.find("u")->epoch(), producer_epoch{q.epoch});
  // The transaction goes on with the same producer.
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
}

TEST(load, a_prepare_commit_found_on_load_is_finished) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"b", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  int32_t partition = h.partition_of("t");
  // The coordinator moves before any marker is written.
  h.unload(partition);
  h.drain();
  ASSERT_EQ(h.cancelled.size(), 1u);
  EXPECT_TRUE(h.markers.empty());
  h.now += 1000;
  h.load(partition, 3);
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_EQ(h.markers[0].coordinator_epoch, 3);
  EXPECT_EQ(h.markers[0].result, txn_result::commit);
  EXPECT_EQ(h.markers[0].epoch, producer_epoch{p.epoch});
  EXPECT_EQ(h.markers[0].partitions, (std::vector<topic_partition>{{"a", 0}, {"b", 0}}));
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::concurrent_transactions));
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
  EXPECT_EQ(h.records_of("t").back()->last_update_ms, h.now);
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
}

TEST(load, a_prepare_abort_or_epoch_fence_found_on_load_completes_the_abort) {
  harness h;
  for (auto state : {txn_state::prepare_abort, txn_state::prepare_epoch_fence}) {
    txn_record v;
    v.pid = producer_id{42};
    v.epoch = producer_epoch{3};
    v.timeout_ms = 1000;
    v.state = state;
    v.partitions = {{"a", 0}};
    v.start_ms = v.last_update_ms = 1;
    h.seed("t", v);
    ASSERT_EQ(h.markers.size(), 1u) << to_string(state);
    EXPECT_EQ(h.markers[0].result, txn_result::abort);
    h.finish_markers();
    EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_abort) << to_string(state);
  }
}

TEST(load, an_empty_prepared_transaction_completes_at_once) {
  harness h;
  txn_record v;
  v.pid = producer_id{42};
  v.epoch = producer_epoch{3};
  v.state = txn_state::prepare_commit;
  h.seed("t", v);
  EXPECT_TRUE(h.markers.empty());
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
}

TEST(load, tombstones_remove_ids_and_bad_records_are_skipped) {
  harness h;
  h.init_ok("t");
  int32_t partition = h.partition_of("t");
  h.log[partition].push_back(txn_log_tombstone("t", h.now));
  h.log[partition].push_back(log_record{protocol::bytes{0x00, 0x00, 0x00, 0x01, 'x'},
                                        protocol::bytes{0x00}, h.now});  // a truncated value
  // A key of another version (Kafka skips those too).
  h.log[partition].push_back(log_record{protocol::bytes{0x00, 0x09}, std::nullopt, h.now});
  h.core.unload(partition, std::nullopt);
  h.core.begin_load(partition, 1);
  std::vector<bool> ok;
  for (const auto& r : h.log[partition]) ok.push_back(h.core.replay(partition, 1, r).ok());
  h.core.finish_load(partition, 1, true, h.now);
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(h.core.find("t"), nullptr);
  EXPECT_TRUE(h.core.owns(partition));
}

TEST(load, requests_wait_for_the_load_and_go_elsewhere_after_an_unload) {
  harness h(test_config(), false);
  int32_t partition = h.partition_of("t");
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::not_coordinator));
  h.core.begin_load(partition, 2);
  EXPECT_TRUE(h.core.is_loading(partition));
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::coordinator_load_in_progress));
  EXPECT_EQ(h.list()->error_code, ec(error_code::coordinator_load_in_progress));
  h.core.begin_load(partition, 1);  // a stale election changes nothing
  EXPECT_EQ(h.core.coordinator_epoch(partition), 2);
  h.core.finish_load(partition, 1, true, h.now);  // nor does the end of a stale load
  EXPECT_TRUE(h.core.is_loading(partition));
  h.core.finish_load(partition, 2, true, h.now);
  EXPECT_TRUE(h.core.owns(partition));
  EXPECT_EQ(h.init("t")->error_code, 0);
  h.core.unload(partition, 1);  // an older leadership's resignation changes nothing
  EXPECT_TRUE(h.core.owns(partition));
  h.core.unload(partition, 2);
  EXPECT_FALSE(h.core.owns(partition));
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::not_coordinator));
}

TEST(load, a_failed_load_drops_the_partition) {
  harness h(test_config(), false);
  int32_t partition = h.partition_of("t");
  h.core.begin_load(partition, 0);
  h.core.finish_load(partition, 0, false, h.now);
  EXPECT_FALSE(h.core.owns(partition));
  EXPECT_FALSE(h.core.is_loading(partition));
}

TEST(load, answers_for_an_older_coordinator_epoch_are_not_applied) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  int32_t partition = h.partition_of("t");
  h.auto_complete = false;
  auto r = h.end("t", p, true);
  ASSERT_EQ(h.held.size(), 1u);
  // The partition moves away and back (epoch 5) while PrepareCommit is being written; the
  // write lands in the log, but for the old coordinator epoch.
  auto write = std::move(h.held);
  h.held.clear();
  h.unload(partition);
  h.auto_complete = true;
  h.load(partition, 5);
  h.log[partition].insert(h.log[partition].end(), write[0].records.begin(), write[0].records.end());
  h.core.append_done(write[0].id, append_status::ok, h.now);
  h.drain();
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);  // what the epoch-5 load found
  EXPECT_TRUE(h.markers.empty());
  // The next load reads the record and finishes the commit under its own epoch.
  h.reload(partition);
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_EQ(h.markers[0].coordinator_epoch, 6);
}

TEST(load, markers_of_an_unloaded_partition_are_cancelled_and_late_reports_ignored) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("t", p, false)->error_code, 0);
  uint64_t old_id = h.markers[0].id;
  int32_t partition = h.partition_of("t");
  h.reload(partition);
  EXPECT_EQ(h.cancelled, std::vector<uint64_t>{old_id});
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_NE(h.markers[0].id, old_id);
  h.core.marker_done(old_id, {"a", 0}, marker_outcome::written, h.now);
  h.drain();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::prepare_abort);
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_abort);
}

TEST(load, stop_unloads_everything) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto r = h.end("t", p, true);
  h.core.stop(h.now);
  EXPECT_EQ(h.core.transaction_count(), 0u);
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::coordinator_not_available));
  EXPECT_EQ(h.core.next_deadline(), std::nullopt);
  h.complete_held();
  EXPECT_EQ(r->error_code, ec(error_code::not_coordinator));
}

}  // namespace
}  // namespace sluice::transaction::testing
