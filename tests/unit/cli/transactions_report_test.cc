// Tests of kafka-transactions' tables and find-hanging's reasoning
// (cli/kafka/transactions_report.h), with the cases of Kafka's TransactionsCommandTest.
#include "cli/kafka/transactions_report.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

constexpr int64_t minute = 60'000;

TEST(TransactionsReport, TablePadsCellsAndEndsEachWithATab) {
  EXPECT_EQ(kafka_table({"A", "Bee"}, {{"long", "x"}, {"y", ""}}),
            "A   \tBee\t\n"
            "long\tx  \t\n"
            "y   \t   \t\n");
  EXPECT_EQ(kafka_table(hanging_headers, {}),
            "Topic\tPartition\tProducerId\tProducerEpoch\tCoordinatorEpoch\tStartOffset\t"
            "LastTimestamp\tDuration(min)\t\n");
}

TEST(TransactionsReport, ListRows) {
  std::vector<txn_listing> l = {{0, "foo", 12345, "Ongoing"}, {1, "baz", 13579, "CompleteCommit"}};
  EXPECT_EQ(kafka_table(list_headers, list_rows(l)),
            "TransactionalId\tCoordinator\tProducerId\tTransactionState\t\n"
            "foo            \t0          \t12345     \tOngoing         \t\n"
            "baz            \t1          \t13579     \tCompleteCommit  \t\n");
}

TEST(TransactionsReport, DescribeRowShowsDurationOrNone) {
  txn_description d;
  d.coordinator_id = 5;
  d.transactional_id = "foo";
  d.producer_id = 12345;
  d.producer_epoch = 15;
  d.state = "Ongoing";
  d.timeout_ms = 10000;
  d.start_time_ms = 1000;
  d.partitions = {{"bar", 0}, {"bar", 1}};
  EXPECT_EQ(describe_row(d, 6000),
            (std::vector<std::string>{"5", "foo", "12345", "15", "Ongoing", "10000", "1000", "5000",
                                      "bar-0,bar-1"}));
  d.start_time_ms.reset();
  d.partitions.clear();
  d.state = "Empty";
  auto row = describe_row(d, 6000);
  EXPECT_EQ(row[6], "None");
  EXPECT_EQ(row[7], "None");
  EXPECT_EQ(row[8], "");
}

TEST(TransactionsReport, ProducerRows) {
  std::vector<producer_state> p = {{12345, 15, 1300, 1599509565, 20, 990},
                                   {98765, 30, 2300, 1599509599, std::nullopt, std::nullopt}};
  EXPECT_EQ(producers_rows(p), (std::vector<std::vector<std::string>>{
                                   {"12345", "15", "20", "1300", "1599509565", "990"},
                                   {"98765", "30", "-1", "2300", "1599509599", "None"}}));
}

struct hanging_case : ::testing::Test {
  int64_t now = 100 * minute;
  topic_partition tp{"foo", 5};
  producer_state open{132, 5, 500, now - 60 * minute, 19, 29384};
  std::vector<open_txn> candidates() const { return {{tp, open}}; }
  txn_description ongoing(std::vector<topic_partition> parts) const {
    txn_description d;
    d.coordinator_id = 1;
    d.transactional_id = "bar";
    d.producer_id = 132;
    d.producer_epoch = 5;
    d.state = "Ongoing";
    d.partitions = std::move(parts);
    return d;
  }
};

TEST_F(hanging_case, OnlyOpenTransactionsOlderThanTheTimeout) {
  producer_state closed = open;
  closed.txn_start_offset.reset();
  producer_state young = open;
  young.last_timestamp = now - 15 * minute;  // not *longer* than 15 minutes
  std::vector<partition_producers> parts = {{tp, {open, closed, young}}};
  auto found = old_open_txns(parts, now, 15 * minute);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].producer.last_timestamp, open.last_timestamp);
  EXPECT_EQ(old_open_txns(parts, now, 0).size(), 2u);
}

TEST_F(hanging_case, NoMappedTransactionalIdIsHanging) {
  EXPECT_EQ(hanging_txns(candidates(), {}, {}).size(), 1u);
}

TEST_F(hanging_case, UnknownTransactionalIdIsHanging) {
  EXPECT_EQ(hanging_txns(candidates(), {{132, "bar"}}, {{"bar", std::nullopt}}).size(), 1u);
}

TEST_F(hanging_case, TransactionOnOtherPartitionsIsHanging) {
  auto hanging = hanging_txns(candidates(), {{132, "bar"}}, {{"bar", ongoing({{"foo", 10}})}});
  ASSERT_EQ(hanging.size(), 1u);
  EXPECT_EQ(hanging_rows(hanging, now),
            (std::vector<std::vector<std::string>>{
                {"foo", "5", "132", "5", "19", "29384", std::to_string(now - 60 * minute), "60"}}));
}

TEST_F(hanging_case, TransactionIncludingThePartitionIsNotHanging) {
  EXPECT_TRUE(hanging_txns(candidates(), {{132, "bar"}}, {{"bar", ongoing({tp})}}).empty());
}

TEST(TransactionsReport, AbortSpecText) {
  abort_spec s{{"foo", 5}, 12345, 15, 76};
  EXPECT_EQ(s.to_string(),
            "AbortTransactionSpec(topicPartition=foo-5, producerId=12345, producerEpoch=15, "
            "coordinatorEpoch=76)");
}

}  // namespace
}  // namespace sluice::cli
