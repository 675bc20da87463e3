// Tests of kafka-consumer-groups' tables and argument parsers (cli/group_report.h).
#include "cli/group_report.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

partition_offset po(std::string topic, int32_t partition, int64_t offset) {
  partition_offset p;
  p.topic = std::move(topic);
  p.partition = partition;
  p.offset = offset;
  return p;
}

group_description sample_group() {
  group_description g;
  g.group_id = "g1";
  g.state = "Stable";
  g.assignor = "range";
  g.coordinator_id = 1;
  g.coordinator_host = "localhost";
  g.coordinator_port = 9092;
  group_member small{"consumer-1-abc", std::nullopt, "client-1", "/127.0.0.1", {{"t", 2}}};
  group_member big{"consumer-2-def", std::nullopt, "client-2", "/127.0.0.1", {{"t", 1}, {"t", 0}}};
  g.members = {small, big};
  return g;
}

TEST(GroupReport, OffsetRowsPutBiggerMembersFirstThenUnassigned) {
  group_description g = sample_group();
  std::vector<partition_offset> committed = {po("t", 0, 5), po("t", 1, -1), po("u", 0, 3)};
  std::vector<partition_offset> ends = {po("t", 0, 10), po("t", 1, 4), po("t", 2, 0),
                                        po("u", 0, 3)};
  std::vector<offset_row> rows = group_offset_rows(g, committed, ends);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].consumer_id, "consumer-2-def");
  EXPECT_EQ(rows[0].partition, 0);
  EXPECT_EQ(rows[0].lag, 5);
  EXPECT_EQ(rows[1].partition, 1);
  EXPECT_FALSE(rows[1].current_offset);
  EXPECT_FALSE(rows[1].lag);
  EXPECT_EQ(rows[2].consumer_id, "consumer-1-abc");
  EXPECT_EQ(rows[3].topic, "u");
  EXPECT_EQ(rows[3].consumer_id, "-");
  EXPECT_EQ(rows[3].lag, 0);
}

TEST(GroupReport, OffsetTableLayout) {
  offset_row r;
  r.group = "g1";
  r.topic = "t";
  r.partition = 0;
  r.current_offset = 5;
  r.log_end_offset = 10;
  r.lag = 5;
  EXPECT_EQ(format_offset_table({r}),
            "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG      "
            "       CONSUMER-ID     HOST            CLIENT-ID\n"
            "g1              t               0          5               10              5        "
            "       -               -               -\n");
}

TEST(GroupReport, MembersAndStateTables) {
  group_description g = sample_group();
  std::string members = format_members_table(g, true);
  EXPECT_EQ(members,
            "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     "
            "ASSIGNMENT\n"
            "g1              consumer-1-abc  /127.0.0.1      client-1        1               t(2)\n"
            "g1              consumer-2-def  /127.0.0.1      client-2        2               "
            "t(0,1)\n");
  EXPECT_EQ(format_state_table(g),
            "\nGROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE     "
            "      #MEMBERS\n"
            "g1                        localhost:9092 (1)        range                Stable    "
            "      2\n");
}

TEST(GroupReport, ListWithStatesAndResetPlan) {
  // Kafka 3.9's layout: the widest id (at least 15) plus 10, then 20-wide columns.
  EXPECT_EQ(format_group_list({{"g1", "Stable", false}, {"a-much-longer-group", "Empty", false}},
                              false, true),
            "GROUP                         STATE               \n"
            "g1                            Stable              \n"
            "a-much-longer-group           Empty               \n");
  EXPECT_EQ(format_group_list({{"g1", "Stable", false, "Consumer"}}, true, true),
            "GROUP                     TYPE                 STATE               \n"
            "g1                        Consumer             Stable              \n");
  std::vector<std::pair<std::string, std::vector<partition_offset>>> plan = {
      {"g1", {po("t", 0, 7)}}};
  EXPECT_EQ(
      format_reset_plan(plan),
      "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     "
      "\ng1                             t                              0          7              "
      "\n");
  EXPECT_EQ(format_reset_csv(plan, true), "t,0,7\n");
  EXPECT_EQ(format_reset_csv(plan, false), "g1,t,0,7\n");
}

TEST(GroupReport, ParsesTopicPartitions) {
  auto all = parse_topic_partitions("orders");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->second.empty());
  auto some = parse_topic_partitions("orders:0,2");
  ASSERT_TRUE(some);
  EXPECT_EQ(some->second, (std::vector<int32_t>{0, 2}));
  EXPECT_FALSE(parse_topic_partitions("orders:x"));
}

TEST(GroupReport, ParsesDatetimesAndDurations) {
  EXPECT_EQ(*parse_datetime("2023-11-14T22:13:20.123"), 1700000000123);
  EXPECT_EQ(*parse_datetime("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(*parse_datetime("2023-11-15T00:13:20.123+02:00"), 1700000000123);
  EXPECT_EQ(*parse_datetime("2023-11-14T21:13:20.123-0100"), 1700000000123);
  EXPECT_FALSE(parse_datetime("2023-11-14 22:13:20"));
  EXPECT_EQ(*parse_iso_duration("PT1H"), 3600000);
  EXPECT_EQ(*parse_iso_duration("P1DT2M3.5S"), 86400000 + 120000 + 3500);
  EXPECT_FALSE(parse_iso_duration("1H"));
  EXPECT_FALSE(parse_iso_duration("P1H"));
}

TEST(GroupReport, ParsesResetCsv) {
  auto single = parse_reset_csv("t,0,5\nt,1,6\n", "g1");
  ASSERT_TRUE(single);
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].first, "g1");
  EXPECT_EQ((*single)[0].second.size(), 2u);
  auto multi = parse_reset_csv("g1,t,0,5\ng2,t,0,6\n", "");
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->size(), 2u);
  EXPECT_FALSE(parse_reset_csv("t,zero,5\n", "g"));
}

}  // namespace
}  // namespace sluice::cli
