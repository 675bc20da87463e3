// InitProducerId: new ids, epoch bumps, KIP-360 resumption, epoch exhaustion, fencing an ongoing
// transaction, and the errors around them.
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

txn_record idle(int64_t pid, int16_t epoch) {
  txn_record v;
  v.pid = producer_id{pid};
  v.epoch = producer_epoch{epoch};
  v.timeout_ms = 60'000;
  v.state = txn_state::complete_commit;
  v.last_update_ms = 1;
  v.start_ms = 1;
  return v;
}

TEST(init_producer_id, a_new_id_is_answered_once_its_record_is_written) {
  harness h;
  h.auto_complete = false;
  auto r = h.init("t", 30'000);
  EXPECT_FALSE(r.done());
  ASSERT_EQ(h.held.size(), 1u);
  EXPECT_EQ(h.held[0].partition, h.partition_of("t"));
  h.complete_held();
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code, 0);
  EXPECT_EQ(r->producer_id, 1000);
  EXPECT_EQ(r->producer_epoch, 0);
  auto records = h.records_of("t");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]->state, txn_state::empty);
  EXPECT_EQ(records[0]->pid, producer_id{1000});
  EXPECT_EQ(records[0]->epoch, producer_epoch{0});
  EXPECT_EQ(records[0]->timeout_ms, 30'000);
  EXPECT_EQ(records[0]->start_ms, -1);
  EXPECT_EQ(records[0]->last_update_ms, h.now);
}

TEST(init_producer_id, again_bumps_the_epoch_and_keeps_the_id) {
  harness h;
  auto first = h.init_ok("t");
  auto second = h.init_ok("t", 5'000);
  EXPECT_EQ(second.pid, first.pid);
  EXPECT_EQ(second.epoch, first.epoch + 1);
  EXPECT_EQ(h.core.find("t")->current.timeout_ms, 5'000);
  EXPECT_EQ(h.records_of("t").size(), 2u);
}

TEST(init_producer_id, checks_the_timeout_and_the_request) {
  harness h;
  EXPECT_EQ(h.init("t", 0)->error_code, ec(error_code::invalid_transaction_timeout));
  EXPECT_EQ(h.init("t", 900'001)->error_code, ec(error_code::invalid_transaction_timeout));
  EXPECT_EQ(h.init("t", 900'000)->error_code, 0);
  EXPECT_EQ(h.init("", 1000)->error_code, ec(error_code::invalid_request));
  EXPECT_EQ(h.init("t", 1000, 1000, -1)->error_code, ec(error_code::invalid_request));
  EXPECT_EQ(h.init("t", 1000, -1, 0)->error_code, ec(error_code::invalid_request));
  auto bad = h.init("", 1000);
  EXPECT_EQ(bad->producer_id, -1);
  EXPECT_EQ(bad->producer_epoch, -1);
}

TEST(init_producer_id, an_idempotent_producer_gets_a_fresh_id_and_nothing_is_written) {
  harness h;
  auto a = h.init(std::nullopt);
  auto b = h.init(std::nullopt);
  EXPECT_EQ(a->error_code, 0);
  EXPECT_EQ(a->producer_id, 1000);
  EXPECT_EQ(a->producer_epoch, 0);
  EXPECT_EQ(b->producer_id, 1001);
  EXPECT_TRUE(h.log.empty() || h.log.begin()->second.empty());
}

TEST(init_producer_id, no_producer_id_available_answers_load_in_progress) {
  harness h;
  auto p = h.init_ok("old");
  h.pids_available = false;
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::coordinator_load_in_progress));
  EXPECT_EQ(h.init(std::nullopt)->error_code, ec(error_code::coordinator_load_in_progress));
  EXPECT_EQ(h.core.find("t"), nullptr);
  // A known id only needs an epoch.
  auto again = h.init("old");
  EXPECT_EQ(again->error_code, 0);
  EXPECT_EQ(again->producer_id, p.pid);
}

TEST(init_producer_id, a_write_in_flight_answers_concurrent_transactions) {
  harness h;
  h.auto_complete = false;
  auto first = h.init("t");
  auto second = h.init("t");
  ASSERT_TRUE(second.done());
  EXPECT_EQ(second->error_code, ec(error_code::concurrent_transactions));
  h.complete_held();
  EXPECT_EQ(first->error_code, 0);
}

TEST(init_producer_id, a_failed_write_is_reported_and_the_next_attempt_starts_over) {
  harness h;
  h.auto_complete = false;
  auto r = h.init("t");
  h.complete_held(append_status::unavailable);
  EXPECT_EQ(r->error_code, ec(error_code::coordinator_not_available));
  EXPECT_EQ(r->producer_id, -1);
  auto s = h.init("t");
  h.complete_held(append_status::not_leader);
  EXPECT_EQ(s->error_code, ec(error_code::not_coordinator));
  auto u = h.init("t");
  h.complete_held(append_status::too_large);
  EXPECT_EQ(u->error_code, ec(error_code::unknown_server_error));
  h.auto_complete = true;
  auto ok = h.init("t");
  EXPECT_EQ(ok->error_code, 0);
  EXPECT_EQ(ok->producer_id, 1000);  // the id created by the first attempt
  EXPECT_EQ(ok->producer_epoch, 0);
}

TEST(init_producer_id, kip360_the_current_epoch_is_bumped_and_a_retry_gets_the_same_answer) {
  harness h;
  auto p = h.init_ok("t");  // epoch 0
  auto resumed = h.init("t", 60'000, p.pid, p.epoch);
  ASSERT_EQ(resumed->error_code, 0);
  EXPECT_EQ(resumed->producer_id, p.pid);
  EXPECT_EQ(resumed->producer_epoch, 1);
  EXPECT_EQ(h.core.find("t")->last_epoch, producer_epoch{0});
  // The answer got lost; the producer retries with the epoch it had.
  auto retry = h.init("t", 60'000, p.pid, p.epoch);
  ASSERT_EQ(retry->error_code, 0);
  EXPECT_EQ(retry->producer_epoch, 1);
  // With the epoch it now has, it is bumped again.
  auto next = h.init("t", 60'000, p.pid, 1);
  EXPECT_EQ(next->producer_epoch, 2);
}

TEST(init_producer_id, kip360_a_stale_epoch_or_another_id_is_fenced) {
  harness h;
  auto p = h.init_ok("t");
  h.init_ok("t");  // epoch 1, without the producer's epoch: the previous one is forgotten
  h.init_ok("t");  // epoch 2
  auto stale = h.init("t", 60'000, p.pid, 0);
  EXPECT_EQ(stale->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(stale->producer_id, -1);
  EXPECT_EQ(h.init("t", 60'000, p.pid, 0, 3)->error_code, ec(error_code::invalid_producer_epoch));
  EXPECT_EQ(h.init("t", 60'000, p.pid + 5, 2)->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(h.core.find("t")->epoch(), producer_epoch{2});
}

TEST(init_producer_id, kip360_an_unknown_id_with_a_producer_epoch_starts_at_zero) {
  harness h;
  auto r = h.init("t", 60'000, 77, 5);
  ASSERT_EQ(r->error_code, 0);
  EXPECT_EQ(r->producer_id, 1000);
  EXPECT_EQ(r->producer_epoch, 0);
}

TEST(init_producer_id, an_exhausted_epoch_gets_a_new_producer_id) {
  harness h;
  h.seed("t", idle(5, 32765));
  auto last = h.init_ok("t");  // 32766 is still handed out
  EXPECT_EQ(last.pid, 5);
  EXPECT_EQ(last.epoch, 32766);
  auto rotated = h.init_ok("t");
  EXPECT_EQ(rotated.pid, 1000);
  EXPECT_EQ(rotated.epoch, 0);
  EXPECT_EQ(h.core.find("t")->last_pid, producer_id{5});
  EXPECT_EQ(h.core.find("t")->last_epoch, no_producer_epoch);
}

TEST(init_producer_id, kip360_rotation_remembers_the_old_epoch_for_a_retry) {
  harness h;
  h.seed("t", idle(5, 32766));
  auto r = h.init("t", 60'000, 5, 32766);
  ASSERT_EQ(r->error_code, 0);
  EXPECT_EQ(r->producer_id, 1000);
  EXPECT_EQ(r->producer_epoch, 0);
  // The retry comes with the old id and its exhausted epoch: same answer, no new id.
  auto retry = h.init("t", 60'000, 5, 32766);
  ASSERT_EQ(retry->error_code, 0);
  EXPECT_EQ(retry->producer_id, 1000);
  EXPECT_EQ(retry->producer_epoch, 0);
  EXPECT_EQ(h.next_pid, 1001);
  // The old id with a non-exhausted epoch is someone else.
  EXPECT_EQ(h.init("t", 60'000, 5, 3)->error_code, ec(error_code::producer_fenced));
}

TEST(init_producer_id, an_ongoing_transaction_is_fenced_and_aborted_first) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"b", 1}});
  h.auto_complete = false;
  auto r = h.init("t");
  EXPECT_FALSE(r.done());  // the answer waits for PrepareAbort
  h.complete_held();
  ASSERT_TRUE(r.done());
  EXPECT_EQ(r->error_code, ec(error_code::concurrent_transactions));
  const txn_metadata* m = h.core.find("t");
  EXPECT_EQ(m->state(), txn_state::prepare_abort);
  EXPECT_EQ(m->epoch(), producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_EQ(h.markers[0].result, txn_result::abort);
  EXPECT_EQ(h.markers[0].epoch, producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  EXPECT_EQ(h.markers[0].partitions, (std::vector<topic_partition>{{"a", 0}, {"b", 1}}));
  // The old producer is fenced; the client's retry waits for the markers.
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::concurrent_transactions));
  h.auto_complete = true;
  h.complete_held();
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_abort);
  auto again = h.init_ok("t");
  EXPECT_EQ(again.epoch, p.epoch + 2);
}

TEST(init_producer_id, a_failed_fence_is_not_bumped_twice) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto r = h.init("t");
  h.complete_held(append_status::unavailable);
  EXPECT_EQ(r->error_code, ec(error_code::coordinator_not_available));
  const txn_metadata* m = h.core.find("t");
  EXPECT_EQ(m->state(), txn_state::ongoing);
  EXPECT_EQ(m->epoch(), producer_epoch{static_cast<int16_t>(p.epoch + 1)});  // fenced already
  EXPECT_TRUE(m->failed_epoch_fence);
  EXPECT_EQ(h.add("t", p, {{"a", 1}})
                ->results_by_topic_v3_and_below[0]
                .results_by_partition[0]
                .partition_error_code,
            ec(error_code::producer_fenced));
  auto s = h.init("t");
  h.complete_held();
  EXPECT_EQ(s->error_code, ec(error_code::concurrent_transactions));
  EXPECT_EQ(h.core.find("t")->epoch(), producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  EXPECT_FALSE(h.core.find("t")->failed_epoch_fence);
}

TEST(init_producer_id, prepared_transactions_answer_concurrent_transactions) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_EQ(h.core.find("t")->state(), txn_state::prepare_commit);
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::concurrent_transactions));
  // Also one found in PrepareAbort on load, whose markers are being sent again.
  txn_record v = idle(9, 3);
  v.state = txn_state::prepare_abort;
  v.partitions = {{"a", 0}};
  h.seed("u", v);
  h.markers.clear();
  EXPECT_EQ(h.init("u")->error_code, ec(error_code::concurrent_transactions));
}

}  // namespace
}  // namespace sluice::transaction::testing
