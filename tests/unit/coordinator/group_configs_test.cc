#include "coordinator/group_configs.h"

#include <gtest/gtest.h>

namespace sluice::coordinator {
namespace {

using protocol::error_code;

TEST(group_configs, kafkas_checks) {
  EXPECT_FALSE(validate_group_config({{"share.auto.offset.reset", "earliest"},
                                      {"share.record.lock.duration.ms", "15000"},
                                      {"share.isolation.level", "read_committed"},
                                      {"consumer.session.timeout.ms", "30000"},
                                      {"consumer.heartbeat.interval.ms", "3000"}}));
  EXPECT_FALSE(validate_group_config({{"share.auto.offset.reset", "by_duration:PT1H30M"}}));
  EXPECT_FALSE(validate_group_config({{"share.auto.offset.reset", "by_duration:P1DT0.5S"}}));
  auto refused = [](cluster::config_map c) { return *validate_group_config(c); };
  EXPECT_EQ(refused({{"colour", "1"}}).message, "Unknown group config name: colour");
  EXPECT_EQ(refused({{"share.auto.offset.reset", "sometimes"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"share.auto.offset.reset", "by_duration:1H"}}).code,
            error_code::invalid_config);
  EXPECT_EQ(refused({{"share.record.lock.duration.ms", "999"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"share.delivery.count.limit", "x"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"share.isolation.level", "dirty"}}).code, error_code::invalid_config);
  EXPECT_EQ(refused({{"share.session.timeout.ms", "1000"}, {"share.heartbeat.interval.ms", "2000"}})
                .message,
            "share.session.timeout.ms must be greater than share.heartbeat.interval.ms");
}

TEST(group_configs, the_reset_is_a_list_offsets_timestamp) {
  EXPECT_EQ(share_reset_timestamp("latest", 1'000'000), -1);
  EXPECT_EQ(share_reset_timestamp("earliest", 1'000'000), -2);
  EXPECT_EQ(share_reset_timestamp("by_duration:PT10M", 1'000'000), 1'000'000 - 600'000);
  EXPECT_EQ(share_reset_timestamp("by_duration:P2D", 1'000), 0);  // not before the epoch
}

TEST(group_configs, each_group_sees_its_own_set) {
  group_configs g;
  g.set_all({{"groups/a", {{"share.delivery.count.limit", "3"}}},
             {"client-metrics/x", {{"metrics", "*"}}},
             {"users/alice", {{"producer_byte_rate", "1"}}}});
  EXPECT_EQ(g.groups(), std::vector<std::string>{"a"});
  EXPECT_EQ(g.int_value("a", "share.delivery.count.limit"), 3);
  EXPECT_EQ(g.value("b", "share.delivery.count.limit"), std::nullopt);
  EXPECT_EQ(group_of_entity(group_entity("g-1")), "g-1");
}

}  // namespace
}  // namespace sluice::coordinator
