// The periodic sweeps: timed-out transactions are aborted under a bumped epoch, idle ids expire
// with a tombstone.
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

TEST(timeouts, an_ongoing_transaction_past_its_timeout_is_aborted_and_its_producer_fenced) {
  harness h;
  auto p = h.init_ok("t", 15'000);
  EXPECT_EQ(partition_errors(*h.add("t", p, {{"a", 0}})).at({"a", 0}), 0);
  auto q = h.begin("young", {{"a", 1}});
  ASSERT_EQ(h.core.next_deadline(), h.now + 10'000);
  h.advance(10'000);  // 10 s: not yet
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);
  h.add("young", q, {{"a", 2}});
  h.advance(10'000);  // 20 s > 15 s
  const txn_metadata* m = h.core.find("t");
  EXPECT_EQ(m->state(), txn_state::prepare_abort);
  EXPECT_EQ(m->epoch(), producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  auto prepare = h.records_of("t").back();
  EXPECT_EQ(prepare->state, txn_state::prepare_abort);
  EXPECT_EQ(prepare->epoch, producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  ASSERT_EQ(h.markers.size(), 1u);
  EXPECT_EQ(h.markers[0].transactional_id, "t");
  EXPECT_EQ(h.markers[0].result, txn_result::abort);
  EXPECT_EQ(h.markers[0].epoch, producer_epoch{static_cast<int16_t>(p.epoch + 1)});
  h.finish_markers();
  EXPECT_EQ(h.core.find("t")->state(), txn_state::complete_abort);
  // The producer learns it was fenced.
  EXPECT_EQ(h.end("t", p, true)->error_code, ec(error_code::producer_fenced));
  EXPECT_EQ(h.core.find("young")->state(), txn_state::ongoing);
}

TEST(timeouts, a_transaction_with_a_write_in_flight_is_left_alone) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto ending = h.end("t", p, true);
  h.advance(120'000);
  EXPECT_TRUE(h.held.size() == 1u);
  h.auto_complete = true;
  h.complete_held();
  EXPECT_EQ(ending->error_code, 0);
  EXPECT_EQ(h.markers[0].result, txn_result::commit);
}

TEST(expiry, idle_ids_are_removed_with_a_tombstone) {
  txn_config c = test_config();
  c.id_expiration_ms = 60'000;
  c.remove_expired_interval_ms = 30'000;
  harness h(c);
  h.init_ok("idle");
  auto p = h.begin("busy", {{"a", 0}});
  auto q = h.begin("done", {{"a", 1}});
  EXPECT_EQ(h.end("done", q, true)->error_code, 0);
  h.finish_markers();
  h.advance(30'000);
  EXPECT_NE(h.core.find("idle"), nullptr);
  h.advance(30'000);  // 60 s idle
  EXPECT_EQ(h.core.find("idle"), nullptr);
  EXPECT_EQ(h.core.find("done"), nullptr);
  EXPECT_NE(h.core.find("busy"), nullptr);  // ongoing transactions never expire
  auto records = h.records_of("idle");
  ASSERT_FALSE(records.empty());
  EXPECT_FALSE(records.back());  // the tombstone
  EXPECT_FALSE(h.records_of("done").back());
  EXPECT_TRUE(h.records_of("busy").back());
  EXPECT_EQ(h.describe({"idle"})->transaction_states[0].error_code,
            ec(error_code::transactional_id_not_found));
  // Reloading keeps them gone; the id starts over with a new producer id.
  for (int32_t partition = 0; partition < 4; ++partition) h.reload(partition);
  EXPECT_EQ(h.core.find("idle"), nullptr);
  auto fresh = h.init_ok("idle");
  EXPECT_GE(fresh.pid, 1003);
  EXPECT_EQ(fresh.epoch, 0);
  (void)p;
}

TEST(expiry, a_failed_tombstone_keeps_the_id) {
  txn_config c = test_config();
  c.id_expiration_ms = 1'000;
  c.remove_expired_interval_ms = 5'000;
  harness h(c);
  auto p = h.init_ok("t");
  h.auto_complete = false;
  h.advance(5'000);
  ASSERT_EQ(h.held.size(), 1u);
  EXPECT_EQ(h.core.find("t")->pending, txn_state::dead);
  EXPECT_EQ(h.init("t")->error_code, ec(error_code::concurrent_transactions));
  h.complete_held(append_status::unavailable);
  ASSERT_NE(h.core.find("t"), nullptr);
  EXPECT_FALSE(h.core.find("t")->pending);
  h.auto_complete = true;
  EXPECT_EQ(h.init("t")->producer_epoch, p.epoch + 1);
}

TEST(expiry, tombstones_are_batched_up_to_the_size_limit) {
  txn_config c = test_config();
  c.id_expiration_ms = 1'000;
  c.remove_expired_interval_ms = 5'000;
  harness h(c);
  // Three ids on one partition of __transaction_state.
  std::vector<std::string> ids{"t"};
  for (int i = 0; ids.size() < 3; ++i) {
    std::string id = "t" + std::to_string(i);
    if (h.partition_of(id) == h.partition_of("t")) ids.push_back(id);
  }
  for (const auto& id : ids) h.init_ok(id);
  h.auto_complete = false;
  h.advance(5'000);
  ASSERT_EQ(h.held.size(), 1u);
  EXPECT_EQ(h.held[0].records.size(), 3u);
  h.complete_held();
  EXPECT_EQ(h.core.transaction_count(), 0u);

  txn_config tiny = c;
  tiny.tombstone_batch_bytes = 1;  // one tombstone per append
  harness g(tiny);
  for (const auto& id : ids) g.init_ok(id);
  g.auto_complete = false;
  g.advance(5'000);
  EXPECT_EQ(g.held.size(), 3u);
  g.complete_held();
  EXPECT_EQ(g.core.transaction_count(), 0u);
}

}  // namespace
}  // namespace sluice::transaction::testing
