// max.connections and friends: Kafka's defaults, the overrides list, listener-prefixed limits and
// what the acceptor is given (connection_limits_of).
#include "server/connection_limits.h"

#include <gtest/gtest.h>

namespace sluice::server {
namespace {

result<server_config> load(std::vector<std::pair<std::string, std::string>> file) {
  std::vector<property> f;
  for (auto& [k, v] : file) f.push_back(property{k, v, 1});
  return load_config(f, {}, [] { return std::string("host.example"); });
}

TEST(connection_limits, kafkas_defaults_are_unlimited) {
  auto c = load({});
  ASSERT_TRUE(c.ok()) << c.message();
  auto l = connection_limits_of(c->typed());
  EXPECT_EQ(l.max_connections, net::unlimited_connections);
  EXPECT_EQ(l.max_connections_per_ip, net::unlimited_connections);
  EXPECT_EQ(l.max_connection_creation_rate, net::unlimited_connections);
  EXPECT_TRUE(l.max_connections_per_ip_overrides.empty());
  EXPECT_EQ(l.window.samples, 11);
  EXPECT_EQ(l.window.size, std::chrono::seconds(1));
  EXPECT_EQ(l.listeners.size(), 1u);
  EXPECT_EQ(l.inter_broker_listener, "PLAINTEXT");
}

TEST(connection_limits, overrides_and_listener_limits) {
  auto c = load({{"listeners", "PLAINTEXT://127.0.0.1:9092,BROKER://127.0.0.1:9093"},
                 {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT"},
                 {"inter.broker.listener.name", "BROKER"},
                 {"max.connections", "100"},
                 {"max.connections.per.ip", "0"},
                 {"max.connections.per.ip.overrides", "127.0.0.1:5, 10.1.2.3 : 7"},
                 {"listener.name.plaintext.max.connections", "50"},
                 {"listener.name.plaintext.max.connection.creation.rate", "20"},
                 {"quota.window.num", "3"}});
  ASSERT_TRUE(c.ok()) << c.message();
  auto l = connection_limits_of(c->typed());
  EXPECT_EQ(l.max_connections, 100);
  EXPECT_EQ(l.max_connections_per_ip, 0);
  EXPECT_EQ(l.max_connections_per_ip_overrides.at("127.0.0.1"), 5);
  EXPECT_EQ(l.max_connections_per_ip_overrides.at("10.1.2.3"), 7);
  EXPECT_EQ(l.listeners.at("PLAINTEXT"), (net::listener_connection_limits{50, 20}));
  EXPECT_EQ(l.listeners.at("BROKER"), net::listener_connection_limits{});
  EXPECT_EQ(l.inter_broker_listener, "BROKER");
  EXPECT_EQ(l.window.samples, 3);
}

TEST(connection_limits, bad_values_name_their_key) {
  auto bad = load({{"max.connections.per.ip.overrides", "127.0.0.1"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("max.connections.per.ip.overrides"), std::string::npos);
  auto zero = load({{"max.connections.per.ip", "0"}});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("max.connections.per.ip.overrides"), std::string::npos);
  EXPECT_FALSE(load({{"max.connections", "-1"}}).ok());
}

}  // namespace
}  // namespace sluice::server
