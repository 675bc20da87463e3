#include "cluster/client_quota_entity.h"

#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

TEST(client_quota_entity, sanitizes_as_kafkas_sanitizer) {
  EXPECT_EQ(sanitize("alice"), "alice");
  EXPECT_EQ(sanitize("User:CN=a b,O=x*"), "User%3ACN%3Da%20b%2CO%3Dx%2A");
  EXPECT_EQ(sanitize("a/b.c-d_e"), "a%2Fb.c-d_e");
  EXPECT_EQ(sanitize("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(desanitize("User%3ACN%3Da%20b%2CO%3Dx%2A"), "User:CN=a b,O=x*");
  EXPECT_EQ(desanitize("a+b"), "a b");
}

TEST(client_quota_entity, paths_as_kafka_stores_them) {
  client_quota_entity user{quota_entity_name{"alice"}, std::nullopt};
  EXPECT_EQ(user.path(), "users/alice");
  client_quota_entity both{quota_entity_name{"a/b"}, quota_entity_name{std::nullopt}};
  EXPECT_EQ(both.path(), "users/a%2Fb/clients/<default>");
  client_quota_entity client{std::nullopt, quota_entity_name{"producer-1"}};
  EXPECT_EQ(client.path(), "clients/producer-1");
  client_quota_entity default_user{quota_entity_name{std::nullopt}, std::nullopt};
  EXPECT_EQ(default_user.path(), "users/<default>");

  client_quota_entity ip{std::nullopt, std::nullopt, quota_entity_name{"10.1.2.3"}};
  EXPECT_EQ(ip.path(), "ips/10.1.2.3");
  client_quota_entity ip6{std::nullopt, std::nullopt, quota_entity_name{"::1"}};
  EXPECT_EQ(ip6.path(), "ips/%3A%3A1");
  client_quota_entity default_ip{std::nullopt, std::nullopt, quota_entity_name{std::nullopt}};
  EXPECT_EQ(default_ip.path(), "ips/<default>");

  for (const auto& e : {user, both, client, default_user, ip, ip6, default_ip})
    EXPECT_EQ(client_quota_entity::from_path(e.path()), e) << e.path();
  EXPECT_FALSE(client_quota_entity::from_path("users/"));
  EXPECT_FALSE(client_quota_entity::from_path("users/a/clients/"));
  EXPECT_FALSE(client_quota_entity::from_path("topics/t"));
}

TEST(client_quota_entity, quota_keys) {
  EXPECT_TRUE(is_client_quota_key("producer_byte_rate"));
  EXPECT_TRUE(is_client_quota_key("controller_mutation_rate"));
  EXPECT_FALSE(is_client_quota_key("SCRAM-SHA-256"));
  client_quota_entity ip{std::nullopt, std::nullopt, quota_entity_name{"10.1.2.3"}};
  EXPECT_TRUE(ip.has_quota_key("connection_creation_rate"));
  EXPECT_FALSE(ip.has_quota_key("producer_byte_rate"));
  EXPECT_FALSE(client_quota_entity{}.has_quota_key("connection_creation_rate"));
  EXPECT_TRUE(is_ip_address("10.1.2.3"));
  EXPECT_TRUE(is_ip_address("::1"));
  EXPECT_FALSE(is_ip_address("10.1.2"));
  EXPECT_FALSE(is_ip_address("host.example"));
}

}  // namespace
}  // namespace sluice::cluster
