#include "coordinator/group_configs.h"

#include <gtest/gtest.h>

#include "consumer_harness.h"

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

// The session and heartbeat keys of a group's own configs win over the broker's group.* settings
// at the coordinator (from the member's next heartbeat), as Kafka 4.x's GroupConfigManager.
namespace sluice::coordinator::testing {
namespace {

coordinator_config with_overrides(std::map<std::string, int32_t> values) {
  coordinator_config c = test_config();
  c.group_override = [values](const std::string& group,
                              std::string_view key) -> std::optional<int32_t> {
    auto it = values.find(std::string(key));
    if (group != "g" || it == values.end()) return std::nullopt;
    return it->second;
  };
  return c;
}

TEST(group_config_overrides, a_consumer_groups_own_heartbeat_interval_and_session_timeout_apply) {
  kip848 h(with_overrides(
      {{"consumer.heartbeat.interval.ms", 1234}, {"consumer.session.timeout.ms", 8000}}));
  auto a = h.beat("a", 0, std::nullopt, true);
  ASSERT_EQ(a.error_code, 0);
  EXPECT_EQ(a.heartbeat_interval_ms, 1234);
  h.beat("b", 0, std::nullopt, true);
  // b falls silent: gone after the group's 8 s, long before the broker's default.
  ASSERT_LT(8000, test_config().consumer_session_timeout_ms);
  h.advance(4000);
  auto mid = h.beat("a", a.member_epoch, kip848::assigned(a));
  h.advance(4001);
  auto after = h.beat("a", mid.member_epoch);
  EXPECT_EQ(after.error_code, 0);
  const group* g = h.core.find_group("g");
  ASSERT_NE(g, nullptr);
  ASSERT_TRUE(g->consumer);
  EXPECT_FALSE(g->consumer->members().contains("b"));
  EXPECT_TRUE(g->consumer->members().contains("a"));
}

TEST(group_config_overrides, a_share_groups_own_heartbeat_interval_applies) {
  harness h(with_overrides({{"share.heartbeat.interval.ms", 777}}), topics_hooks());
  protocol::share_group_heartbeat_request r;
  r.group_id = "g";
  r.member_id = "a";
  r.member_epoch = 0;
  r.subscribed_topic_names = std::vector<std::string>{"t"};
  reply<protocol::share_group_heartbeat_response> out;
  h.core.share_group_heartbeat(std::move(r), 1, client_info{}, h.now, out.sink());
  h.drain();
  EXPECT_EQ(out->error_code, 0);
  EXPECT_EQ(out->heartbeat_interval_ms, 777);
}

}  // namespace
}  // namespace sluice::coordinator::testing
