// DescribeTransactions and ListTransactions.
#include "harness.h"

namespace sluice::transaction::testing {
namespace {

TEST(describe_transactions, reports_each_id_with_kafkas_state_names) {
  harness h;
  auto p = h.begin("t", {{"b", 1}, {"a", 0}, {"a", 2}});
  int64_t start = h.now;
  auto r = h.describe({"t", "missing", ""});
  ASSERT_EQ(r->transaction_states.size(), 3u);
  const auto& t = r->transaction_states[0];
  EXPECT_EQ(t.error_code, 0);
  EXPECT_EQ(t.transactional_id, "t");
  EXPECT_EQ(t.transaction_state, "Ongoing");
  EXPECT_EQ(t.transaction_timeout_ms, 60'000);
  EXPECT_EQ(t.transaction_start_time_ms, start);
  EXPECT_EQ(t.producer_id, p.pid);
  EXPECT_EQ(t.producer_epoch, p.epoch);
  ASSERT_EQ(t.topics.size(), 2u);
  EXPECT_EQ(t.topics[0].topic, "a");
  EXPECT_EQ(t.topics[0].partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(t.topics[1].topic, "b");
  EXPECT_EQ(r->transaction_states[1].error_code, ec(error_code::transactional_id_not_found));
  EXPECT_EQ(r->transaction_states[1].transactional_id, "missing");
  EXPECT_EQ(r->transaction_states[2].error_code, ec(error_code::invalid_request));

  EXPECT_EQ(h.end("t", p, true)->error_code, 0);
  EXPECT_EQ(h.describe({"t"})->transaction_states[0].transaction_state, "PrepareCommit");
  h.finish_markers();
  auto done = h.describe({"t"});
  EXPECT_EQ(done->transaction_states[0].transaction_state, "CompleteCommit");
  EXPECT_TRUE(done->transaction_states[0].topics.empty());
}

TEST(describe_transactions, ids_elsewhere_and_a_stopped_coordinator) {
  harness h(test_config(), false);
  h.core.begin_load(h.partition_of("t"), 0);
  EXPECT_EQ(h.describe({"t"})->transaction_states[0].error_code,
            ec(error_code::coordinator_load_in_progress));
  std::string elsewhere = "x0";
  for (int i = 1; h.partition_of(elsewhere) == h.partition_of("t"); ++i) {
    elsewhere = "x" + std::to_string(i);
  }
  EXPECT_EQ(h.describe({elsewhere})->transaction_states[0].error_code,
            ec(error_code::not_coordinator));
  h.core.stop(h.now);
  EXPECT_EQ(h.describe({"t"})->transaction_states[0].error_code,
            ec(error_code::coordinator_not_available));
  EXPECT_EQ(h.list()->error_code, ec(error_code::coordinator_not_available));
}

std::map<std::string, std::string> listed(const protocol::list_transactions_response& r) {
  EXPECT_EQ(r.error_code, 0);
  std::map<std::string, std::string> out;
  for (const auto& s : r.transaction_states) out[s.transactional_id] = s.transaction_state;
  return out;
}

TEST(list_transactions, filters_by_state_producer_and_duration) {
  harness h;
  auto a = h.begin("a", {{"x", 0}});
  h.now += 10'000;
  auto b = h.begin("b", {{"x", 1}});
  h.init_ok("c");
  h.now += 5'000;

  EXPECT_EQ(listed(*h.list()), (std::map<std::string, std::string>{
                                   {"a", "Ongoing"}, {"b", "Ongoing"}, {"c", "Empty"}}));
  EXPECT_EQ(listed(*h.list({"Empty"})), (std::map<std::string, std::string>{{"c", "Empty"}}));
  EXPECT_EQ(listed(*h.list({}, {b.pid})), (std::map<std::string, std::string>{{"b", "Ongoing"}}));
  // Running for longer than 7 s: only "a" (15 s); "c" never started, so it counts from -1.
  auto old = listed(*h.list({"Ongoing"}, {}, 7'000));
  EXPECT_EQ(old, (std::map<std::string, std::string>{{"a", "Ongoing"}}));
  EXPECT_EQ(listed(*h.list({}, {}, 7'000)).count("c"), 1u);

  auto unknown = h.list({"Ongoing", "Bogus"});
  EXPECT_EQ(unknown->unknown_state_filters, std::vector<std::string>{"Bogus"});
  EXPECT_EQ(listed(*unknown).size(), 2u);
  auto only_unknown = h.list({"Bogus"});
  EXPECT_TRUE(only_unknown->transaction_states.empty());
  (void)a;
}

}  // namespace
}  // namespace sluice::transaction::testing
