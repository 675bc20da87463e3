#include "quota/client_quota_manager.h"

#include <gtest/gtest.h>

namespace sluice::quota {
namespace {

using ms = std::chrono::milliseconds;

TEST(client_quota_manager, kafkas_entity_precedence) {
  client_quota_manager m(quota_type::produce, {});
  EXPECT_FALSE(m.quota_for("alice", "app"));
  std::map<std::string, double> q{{"clients/<default>", 8}};
  auto expect = [&](double bound) {
    m.set_quotas(q);
    EXPECT_EQ(m.quota_for("alice", "app"), bound) << q.size();
  };
  expect(8);
  q["clients/app"] = 7;
  expect(7);
  q["users/<default>"] = 6;
  expect(6);
  q["users/<default>/clients/<default>"] = 5;
  expect(5);
  q["users/<default>/clients/app"] = 4;
  expect(4);
  q["users/alice"] = 3;
  expect(3);
  q["users/alice/clients/<default>"] = 2;
  expect(2);
  q["users/alice/clients/app"] = 1;
  expect(1);
  // Other users and clients fall back to the defaults.
  EXPECT_EQ(m.quota_for("bob", "other"), 5);
  EXPECT_EQ(m.quota_for("alice", "other"), 2);
}

TEST(client_quota_manager, throttles_by_kafkas_formula) {
  client_quota_manager m(quota_type::produce, rate_window{11, ms(1000)});
  m.set_quotas({{"clients/app", 1000}});
  // 10000 bytes over the minimum 10 s window is exactly 1000/s: within the quota.
  EXPECT_EQ(m.record("ANONYMOUS", "app", 10000, ms(0)), ms(0));
  // 11000 over 10 s is 10 % over: 10 % of the window.
  EXPECT_EQ(m.record("ANONYMOUS", "app", 1000, ms(0)), ms(1000));
  // Another client id has no quota and is never slowed.
  EXPECT_EQ(m.record("ANONYMOUS", "other", 1e9, ms(0)), ms(0));
  // Once the rate has fallen below the bound the client is within its quota again.
  EXPECT_EQ(m.record("ANONYMOUS", "app", 1, ms(20000)), ms(0));
}

TEST(client_quota_manager, a_user_quota_is_shared_by_the_users_clients) {
  client_quota_manager m(quota_type::fetch, rate_window{2, ms(1000)});
  m.set_quotas({{"users/alice", 100}});
  EXPECT_EQ(m.record("alice", "a", 100, ms(0)), ms(0));
  EXPECT_GT(m.record("alice", "b", 100, ms(0)), ms(0));
  EXPECT_EQ(m.record("bob", "b", 1000, ms(0)), ms(0));
}

TEST(client_quota_manager, a_throttled_fetch_is_unrecorded) {
  client_quota_manager m(quota_type::fetch, rate_window{11, ms(1000)});
  m.set_quotas({{"clients/app", 1000}});
  EXPECT_EQ(m.record("ANONYMOUS", "app", 10000, ms(0)), ms(0));
  // A fetch that would take the client over is throttled, answered empty, and not charged: the
  // next small fetch is within the quota again.
  EXPECT_GT(m.record("ANONYMOUS", "app", 5000, ms(0)), ms(0));
  m.unrecord("ANONYMOUS", "app", 5000, ms(0));
  EXPECT_EQ(m.record("ANONYMOUS", "app", 0, ms(0)), ms(0));
}

TEST(client_quota_manager, max_fetch_bytes_is_the_quota_over_all_but_one_window) {
  client_quota_manager m(quota_type::fetch, rate_window{11, ms(1000)});
  EXPECT_FALSE(m.max_value_in_window("ANONYMOUS", "app"));
  m.set_quotas({{"clients/app", 1000}});
  EXPECT_EQ(m.max_value_in_window("ANONYMOUS", "app"), 10000);
  EXPECT_FALSE(m.max_value_in_window("ANONYMOUS", "other"));
}

TEST(client_quota_manager, request_quota_throttle_is_capped_at_a_window) {
  client_quota_manager m(quota_type::request, rate_window{11, ms(1000)}, ms(1000));
  m.set_quotas({{"clients/<default>", 1}});
  EXPECT_EQ(m.record("u", "c", 1000, ms(0)), ms(1000));
}

TEST(client_quota_manager, principals_name_their_user) {
  EXPECT_EQ(quota_user("User:ANONYMOUS"), "ANONYMOUS");
  EXPECT_EQ(quota_user("User:CN=a,O=b"), "CN=a,O=b");
  EXPECT_EQ(quota_key(quota_type::fetch), "consumer_byte_rate");
}

}  // namespace
}  // namespace sluice::quota

#include "quota/client_quotas.h"

namespace sluice::quota {
namespace {

TEST(client_quotas, each_manager_takes_its_key_and_ignores_other_keys) {
  client_quotas q(rate_window{});
  q.update({{"users/alice", {{"SCRAM-SHA-256", "x"}, {"producer_byte_rate", "1024"}}},
            {"clients/c", {{"consumer_byte_rate", "2048"}, {"request_percentage", "50.0"}}},
            {"ips/1.2.3.4", {{"producer_byte_rate", "1"}}}});
  EXPECT_EQ(q.produce.quota_for("alice", "c"), 1024);
  EXPECT_FALSE(q.produce.quota_for("bob", "c"));
  EXPECT_EQ(q.fetch.quota_for("bob", "c"), 2048);
  EXPECT_EQ(q.request.quota_for("bob", "c"), 50);
  q.update({});
  EXPECT_FALSE(q.produce.enabled());
}

}  // namespace
}  // namespace sluice::quota
