// AddPartitionsToTxn (v0-3 and the batched v4+, with verify_only) and AddOffsetsToTxn.
#include "coordinator/partitioner.h"
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

int16_t only_error(const protocol::add_partitions_to_txn_response& r) {
  auto errors = partition_errors(r);
  EXPECT_FALSE(errors.empty());
  int16_t first = errors.empty() ? -100 : errors.begin()->second;
  for (const auto& [tp, e] : errors) EXPECT_EQ(e, first) << tp.topic << "-" << tp.partition;
  return first;
}

TEST(add_partitions, start_a_transaction_once_written) {
  harness h;
  auto p = h.init_ok("t");
  h.auto_complete = false;
  h.now += 10;
  auto r = h.add("t", p, {{"a", 0}, {"a", 1}, {"b", 0}});
  EXPECT_FALSE(r.done());
  h.complete_held();
  ASSERT_TRUE(r.done());
  EXPECT_EQ(partition_errors(*r),
            (std::map<topic_partition, int16_t>{{{"a", 0}, 0}, {{"a", 1}, 0}, {{"b", 0}, 0}}));
  ASSERT_EQ(r->results_by_topic_v3_and_below.size(), 2u);  // grouped by topic
  const txn_metadata* m = h.core.find("t");
  EXPECT_EQ(m->state(), txn_state::ongoing);
  EXPECT_EQ(m->current.start_ms, h.now);
  auto last = h.records_of("t").back();
  EXPECT_EQ(last->state, txn_state::ongoing);
  EXPECT_EQ(last->partitions, (std::set<topic_partition>{{"a", 0}, {"a", 1}, {"b", 0}}));
}

TEST(add_partitions, more_partitions_join_and_known_ones_write_nothing) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  int64_t start = h.core.find("t")->current.start_ms;
  size_t written = h.records_of("t").size();
  h.now += 100;
  EXPECT_EQ(only_error(*h.add("t", p, {{"a", 0}})), 0);
  EXPECT_EQ(h.records_of("t").size(), written);
  EXPECT_EQ(only_error(*h.add("t", p, {{"a", 0}, {"c", 2}})), 0);
  EXPECT_EQ(h.records_of("t").size(), written + 1);
  EXPECT_EQ(h.core.find("t")->current.partitions, (std::set<topic_partition>{{"a", 0}, {"c", 2}}));
  EXPECT_EQ(h.core.find("t")->current.start_ms, start);  // still the same transaction
}

TEST(add_partitions, unknown_ids_producers_and_epochs_are_refused) {
  harness h;
  auto p = h.init_ok("t");
  EXPECT_EQ(only_error(*h.add("nobody", p, {{"a", 0}})),
            ec(error_code::invalid_producer_id_mapping));
  EXPECT_EQ(only_error(*h.add("t", producer{p.pid + 1, p.epoch}, {{"a", 0}})),
            ec(error_code::invalid_producer_id_mapping));
  EXPECT_EQ(only_error(*h.add("t", producer{p.pid, static_cast<int16_t>(p.epoch + 1)}, {{"a", 0}})),
            ec(error_code::producer_fenced));
  EXPECT_EQ(only_error(*h.add("t", producer{p.pid, 7}, {{"a", 0}}, 1)),
            ec(error_code::invalid_producer_epoch));  // v0-1 clients do not know PRODUCER_FENCED
  EXPECT_EQ(only_error(*h.add("", p, {{"a", 0}})), ec(error_code::invalid_request));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::empty);
}

TEST(add_partitions, a_missing_partition_fails_the_request_and_the_rest_is_not_attempted) {
  harness h;
  auto p = h.init_ok("t");
  h.missing = {{"gone", 3}};
  auto r = h.add("t", p, {{"a", 0}, {"gone", 3}});
  EXPECT_EQ(partition_errors(*r), (std::map<topic_partition, int16_t>{
                                      {{"a", 0}, ec(error_code::operation_not_attempted)},
                                      {{"gone", 3}, ec(error_code::unknown_topic_or_partition)}}));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::empty);
  EXPECT_EQ(h.records_of("t").size(), 1u);
}

TEST(add_partitions, while_ending_or_writing_answer_concurrent_transactions) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto in_flight = h.add("t", p, {{"b", 0}});
  EXPECT_EQ(only_error(*h.add("t", p, {{"c", 0}})), ec(error_code::concurrent_transactions));
  h.auto_complete = true;
  h.complete_held();
  EXPECT_EQ(only_error(*in_flight), 0);
  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_EQ(only_error(*h.add("t", p, {{"a", 0}})), ec(error_code::concurrent_transactions));
  h.finish_markers();
  // Completed: the next transaction starts with the same producer.
  EXPECT_EQ(only_error(*h.add("t", p, {{"z", 0}})), 0);
  EXPECT_EQ(h.core.find("t")->current.partitions, (std::set<topic_partition>{{"z", 0}}));
}

TEST(add_partitions, requests_for_ids_elsewhere_are_redirected) {
  harness h(test_config(), false);
  auto r = h.add("t", producer{1, 0}, {{"a", 0}});
  EXPECT_EQ(only_error(*r), ec(error_code::not_coordinator));
  h.core.begin_load(h.partition_of("t"), 0);
  EXPECT_EQ(only_error(*h.add("t", producer{1, 0}, {{"a", 0}})),
            ec(error_code::coordinator_load_in_progress));
}

TEST(add_partitions, a_v4_batch_answers_every_transaction_together) {
  harness h;
  auto p = h.init_ok("t");
  auto q = h.init_ok("u");
  protocol::add_partitions_to_txn_request r;
  for (auto [id, prod] : {std::pair{std::string("t"), p}, std::pair{std::string("u"), q}}) {
    auto& t = r.transactions.emplace_back();
    t.transactional_id = id;
    t.producer_id = prod.pid;
    t.producer_epoch = prod.epoch;
    t.topics.push_back({"a", {0}, {}});
  }
  r.transactions[1].producer_epoch = 9;
  h.auto_complete = false;
  reply<protocol::add_partitions_to_txn_response> out;
  h.core.add_partitions_to_txn(r, 5, h.now, out.sink());
  h.drain();
  EXPECT_FALSE(out.done());  // "t" waits for its record
  h.complete_held();
  ASSERT_TRUE(out.done());
  EXPECT_EQ(*out.calls, 1);
  EXPECT_EQ(out->error_code, 0);
  ASSERT_EQ(out->results_by_transaction.size(), 2u);
  EXPECT_EQ(out->results_by_transaction[0].transactional_id, "t");
  EXPECT_EQ(
      out->results_by_transaction[0].topic_results[0].results_by_partition[0].partition_error_code,
      0);
  EXPECT_EQ(out->results_by_transaction[1].transactional_id, "u");
  EXPECT_EQ(
      out->results_by_transaction[1].topic_results[0].results_by_partition[0].partition_error_code,
      ec(error_code::producer_fenced));
  EXPECT_EQ(h.core.find("t")->state(), txn_state::ongoing);

  reply<protocol::add_partitions_to_txn_response> none;
  h.core.add_partitions_to_txn(protocol::add_partitions_to_txn_request{}, 4, h.now, none.sink());
  h.drain();
  ASSERT_TRUE(none.done());
  EXPECT_TRUE(none->results_by_transaction.empty());
}

TEST(add_partitions, verify_only_says_which_partitions_are_in_the_transaction) {
  harness h;
  auto p = h.begin("t", {{"a", 0}, {"a", 1}});
  size_t written = h.records_of("t").size();
  auto r = h.add_v4("t", p, {{"a", 1}, {"b", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*r),
            (std::map<topic_partition, int16_t>{
                {{"a", 1}, 0}, {{"b", 0}, ec(error_code::transaction_abortable)}}));
  EXPECT_EQ(h.records_of("t").size(), written);
  EXPECT_EQ(h.core.find("t")->current.partitions.size(), 2u);

  auto wrong_epoch = h.add_v4("t", producer{p.pid, 9}, {{"a", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*wrong_epoch).at({"a", 0}), ec(error_code::producer_fenced));
  auto wrong_id = h.add_v4("t", producer{p.pid + 1, p.epoch}, {{"a", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*wrong_id).at({"a", 0}),
            ec(error_code::invalid_producer_id_mapping));
  auto unknown = h.add_v4("x", p, {{"a", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*unknown).at({"a", 0}),
            ec(error_code::invalid_producer_id_mapping));
  h.missing = {{"a", 0}};
  auto missing = h.add_v4("t", p, {{"a", 0}, {"a", 1}}, true);
  EXPECT_EQ(
      partition_errors_v4(*missing),
      (std::map<topic_partition, int16_t>{{{"a", 0}, ec(error_code::unknown_topic_or_partition)},
                                          {{"a", 1}, ec(error_code::operation_not_attempted)}}));
  h.missing.clear();

  EXPECT_EQ(h.end("t", p, false)->error_code, 0);
  auto ending = h.add_v4("t", p, {{"a", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*ending).at({"a", 0}), ec(error_code::concurrent_transactions));
  h.finish_markers();
  auto done = h.add_v4("t", p, {{"a", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*done).at({"a", 0}), ec(error_code::transaction_abortable));
}

TEST(add_partitions, verify_only_does_not_see_partitions_still_being_written) {
  harness h;
  auto p = h.begin("t", {{"a", 0}});
  h.auto_complete = false;
  auto adding = h.add("t", p, {{"b", 0}});
  auto r = h.add_v4("t", p, {{"b", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*r).at({"b", 0}), ec(error_code::transaction_abortable));
  h.complete_held();
  auto s = h.add_v4("t", p, {{"b", 0}}, true);
  EXPECT_EQ(partition_errors_v4(*s).at({"b", 0}), 0);
}

TEST(add_offsets, adds_the_groups_offsets_partition) {
  harness h;
  auto p = h.init_ok("t");
  auto r = h.add_offsets("t", p, "group-1");
  EXPECT_EQ(r->error_code, 0);
  int32_t partition = coordinator::partition_for("group-1", 50);
  EXPECT_EQ(h.core.find("t")->current.partitions,
            (std::set<topic_partition>{{"__consumer_offsets", partition}}));
  EXPECT_EQ(h.add_offsets("t", producer{p.pid, 9}, "g", 1)->error_code,
            ec(error_code::invalid_producer_epoch));
  EXPECT_EQ(h.add_offsets("t", producer{p.pid, 9}, "g", 2)->error_code,
            ec(error_code::producer_fenced));
  EXPECT_EQ(h.add_offsets("nobody", p, "g")->error_code,
            ec(error_code::invalid_producer_id_mapping));
}

}  // namespace
}  // namespace sluice::transaction::testing
