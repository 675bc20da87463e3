// EndTxn: PrepareCommit/PrepareAbort, the markers, CompleteCommit/CompleteAbort, and the answers
// around them (retries, wrong states, producers and epochs).
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

TEST(end_txn, commit_answers_after_prepare_then_markers_then_complete) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"b", 2}});
  h.auto_complete = false;
  auto r = h.end("t", p, true);
  EXPECT_FALSE(r.done());
  EXPECT_TRUE(h.markers.empty());
  h.complete_held();
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code, 0);
  EXPECT_EQ(h.records_of("t").back()->state, txn_state::prepare_commit);
  EXPECT_EQ(h.records_of("t").back()->partitions, (std::set<topic_partition>{{"a", 0}, {"b", 2}}));

  ASSERT_EQ(h.markers.size(), 1u);
  const marker_request m = h.markers[0];
  EXPECT_EQ(m.transactional_id, "t");
  EXPECT_EQ(m.state_partition, h.partition_of("t"));
  EXPECT_EQ(m.pid, producer_id{p.pid});
  EXPECT_EQ(m.epoch, producer_epoch{p.epoch});
  EXPECT_EQ(m.coordinator_epoch, 0);
  EXPECT_EQ(m.result, txn_result::commit);
  EXPECT_EQ(m.partitions, (std::vector<topic_partition>{{"a", 0}, {"b", 2}}));

  h.core.marker_done(m.id, {"a", 0}, marker_outcome::written, h.now);
  h.core.marker_done(m.id, {"a", 0}, marker_outcome::written, h.now);  // a repeat is harmless
  h.drain();
  EXPECT_TRUE(h.held.empty());
  EXPECT_EQ(h.core.find("t")->current.partitions, (std::set<topic_partition>{{"b", 2}}));
  h.core.marker_done(m.id, {"b", 2}, marker_outcome::written, h.now);
  h.drain();
  ASSERT_EQ(h.held.size(), 1u);  // CompleteCommit
  h.complete_held();
  const txn_metadata* t = h.core.find("t");
  EXPECT_EQ(t->state(), txn_state::complete_commit);
  EXPECT_FALSE(t->pending);
  EXPECT_TRUE(t->current.partitions.empty());
  EXPECT_EQ(h.records_of("t").back()->state, txn_state::complete_commit);
  EXPECT_TRUE(h.records_of("t").back()->partitions.empty());
  EXPECT_EQ(h.core.markers_in_flight(), 0u);
}

TEST(end_txn, abort_writes_abort_markers) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("t", p, false)->error_code, 0);
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_EQ(h.markers[0].result, txn_result::abort);
  auto w = to_writable_marker(h.markers[0], h.markers[0].partitions);
  EXPECT_FALSE(w.transaction_result);
  EXPECT_EQ(w.producer_id, p.pid);
  ASSERT_EQ(w.topics.size(), 1u);
  EXPECT_EQ(w.topics[0].name, "a");
  EXPECT_EQ(w.topics[0].partition_indexes, std::vector<int32_t>{0});
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_abort);
}

TEST(end_txn, a_transaction_without_partitions_completes_without_markers) {
  harness h;
  auto p = h.begin("t", {});
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_TRUE(h.markers.empty());
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
}

TEST(end_txn, a_retry_after_completion_succeeds_and_the_opposite_is_refused) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::concurrent_transactions));
  EXPECT_EQ(h.end("t", p, false)->error_code, ec(error_code::concurrent_transactions));
  h.finish_markers();
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_EQ(h.end("t", p, false)->error_code, ec(error_code::invalid_txn_state));

  auto q = h.begin("u", {{"a", 0}});
  EXPECT_EQ(h.end("u", q, false)->error_code, 0);
  h.finish_markers();
  EXPECT_EQ(h.end("u", q, false)->error_code, 0);
  EXPECT_EQ(h.end("u", q, true)->error_code, ec(error_code::invalid_txn_state));
}

TEST(end_txn, prepared_states_without_a_pending_write_follow_kafkas_table) {
  harness h;
  txn_record v;
  v.pid = producer_id{7};
  v.epoch = producer_epoch{1};
  v.timeout_ms = 1000;
  v.state = txn_state::prepare_commit;
  v.partitions = {{"a", 0}};
  v.start_ms = v.last_update_ms = 1;
  h.seed("t", v);
  h.finish_markers();  // the load completes it...
  ASSERT_EQ(h.core.find("t")->state(), txn_state::complete_commit);

  // ...unless its completion cannot be written: the id stays in PrepareCommit, no write pending.
  v.state = txn_state::prepare_abort;
  h.seed("u", v);
  h.auto_complete = false;
  h.finish_markers();
  h.complete_held(append_status::too_large);
  h.auto_complete = true;
  const txn_metadata* u = h.core.find("u");
  ASSERT_EQ(u->state(), txn_state::prepare_abort);
  ASSERT_FALSE(u->pending);
  producer p{7, 1};
  EXPECT_EQ(h.end("u", p, false)->error_code, ec(error_code::concurrent_transactions));
  EXPECT_EQ(h.end("u", p, true)->error_code, ec(error_code::invalid_txn_state));
}

TEST(end_txn, nothing_ongoing_is_an_invalid_state) {
  harness h;
  auto p = h.init_ok("t");
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::invalid_txn_state));
  EXPECT_EQ(h.end("t", p, false)->error_code, ec(error_code::invalid_txn_state));
}

TEST(end_txn, producers_and_epochs_are_checked) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("x", p, true)->error_code, ec(error_code::invalid_producer_id_mapping));
  EXPECT_EQ(h.end("t", producer{p.pid + 1, p.epoch}, true)->error_code,
            ec(error_code::invalid_producer_id_mapping));
  producer newer{p.pid, static_cast<int16_t>(p.epoch + 1)};
  EXPECT_EQ(h.end("t", newer, true)->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(h.end("t", newer, true, 1)->error_code, ec(error_code::invalid_producer_epoch));
  EXPECT_EQ(h.end("t", newer, true, 2)->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(h.end("", p, true)->error_code, ec(error_code::invalid_request));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);
}

TEST(end_txn, a_failed_prepare_write_leaves_the_transaction_ongoing) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto r = h.end("t", p, true);
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::concurrent_transactions));
  h.complete_held(append_status::not_leader);
  EXPECT_EQ(r->error_code, ec(error_code::not_coordinator));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);
  EXPECT_FALSE(h.core.find("t")->pending);
  EXPECT_TRUE(h.markers.empty());
  h.auto_complete = true;
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
}

TEST(end_txn, deleted_partitions_count_as_done) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"gone", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  uint64_t id = h.markers[0].id;
  h.core.marker_done(id, {"gone", 0}, marker_outcome::partition_gone, h.now);
  h.core.marker_done(id, {"a", 0}, marker_outcome::written, h.now);
  h.drain();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
}

TEST(end_txn, fenced_markers_stop_and_leave_the_transaction_to_its_new_owner) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"b", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  uint64_t id = h.markers[0].id;
  h.core.marker_done(id, {"a", 0}, marker_outcome::fenced, h.now);
  h.drain();
  EXPECT_EQ(h.cancelled, std::vector<uint64_t>{id});
  EXPECT_TRUE(h.markers.empty());
  h.core.marker_done(id, {"b", 0}, marker_outcome::written, h.now);  // too late: ignored
  h.drain();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::prepare_commit);
  EXPECT_EQ(h.core.markers_in_flight(), 0u);
  // A reload (as after the partition moves back) sends them again.
  h.reload(h.partition_of("t"));
  ASSERT_EQ(h.markers.size(), 1u);
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
}

TEST(end_txn, the_completion_is_retried_while_the_log_is_unavailable) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  h.auto_complete = false;
  h.finish_markers();
  ASSERT_EQ(h.held.size(), 1u);
  h.complete_held(append_status::unavailable);
  EXPECT_TRUE(h.held.empty());
  EXPECT_EQ(h.core.find("t")->state(), txn_state::prepare_commit);
  EXPECT_EQ(h.core.find("t")->pending, txn_state::complete_commit);  // still owned by the retry
  EXPECT_EQ(h.core.next_deadline(), h.now + h.core.config().complete_retry_backoff_ms);
  h.advance(h.core.config().complete_retry_backoff_ms);
  ASSERT_EQ(h.held.size(), 1u);
  h.complete_held();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_commit);
  EXPECT_FALSE(h.core.find("t")->pending);
}

}  // namespace
}  // namespace sluice::transaction::testing
