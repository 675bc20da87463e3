#include "net/connection_quotas.h"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

using ms = std::chrono::milliseconds;
using admission = connection_quotas::admission;

connection_limits one_listener() {
  connection_limits l;
  l.listeners["PLAINTEXT"] = {};
  l.inter_broker_listener = "PLAINTEXT";
  return l;
}

TEST(connection_quotas, refuses_connections_beyond_the_per_ip_limit) {
  auto limits = one_listener();
  limits.max_connections_per_ip = 2;
  connection_quotas q(limits);
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.1"), admission::admitted);
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.1"), admission::admitted);
  // Counted all the same, as Kafka does: the caller closes it and releases.
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.1"), admission::too_many_for_ip);
  EXPECT_EQ(q.count("10.0.0.1"), 3u);
  q.release("PLAINTEXT", "10.0.0.1");
  // Another address is not affected.
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.2"), admission::admitted);
  q.release("PLAINTEXT", "10.0.0.1");
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.1"), admission::admitted);
  EXPECT_EQ(q.total(), 3u);
  EXPECT_EQ(q.max_connections_for("10.0.0.1"), 2);
}

TEST(connection_quotas, overrides_replace_the_per_ip_limit_for_their_address) {
  auto limits = one_listener();
  limits.max_connections_per_ip = 0;
  limits.max_connections_per_ip_overrides["127.0.0.1"] = 1;
  connection_quotas q(limits);
  EXPECT_EQ(q.admit("PLAINTEXT", "10.0.0.1"), admission::too_many_for_ip);
  EXPECT_EQ(q.admit("PLAINTEXT", "127.0.0.1"), admission::admitted);
  EXPECT_EQ(q.admit("PLAINTEXT", "127.0.0.1"), admission::too_many_for_ip);
}

TEST(connection_quotas, no_slot_while_the_broker_is_at_max_connections) {
  auto limits = one_listener();
  limits.max_connections = 2;
  connection_quotas q(limits);
  EXPECT_TRUE(q.slot_available("PLAINTEXT"));
  q.admit("PLAINTEXT", "10.0.0.1");
  q.admit("PLAINTEXT", "10.0.0.2");
  EXPECT_FALSE(q.slot_available("PLAINTEXT"));
  q.release("PLAINTEXT", "10.0.0.2");
  EXPECT_TRUE(q.slot_available("PLAINTEXT"));
  // A raised limit frees slots at once.
  q.admit("PLAINTEXT", "10.0.0.2");
  limits.max_connections = 3;
  q.update(limits);
  EXPECT_TRUE(q.slot_available("PLAINTEXT"));
}

TEST(connection_quotas, the_inter_broker_listener_is_exempt_when_there_are_others) {
  connection_limits limits;
  limits.listeners["CLIENT"] = {};
  limits.listeners["BROKER"] = {};
  limits.inter_broker_listener = "BROKER";
  limits.max_connections = 1;
  connection_quotas q(limits);
  q.admit("CLIENT", "10.0.0.1");
  EXPECT_FALSE(q.slot_available("CLIENT"));
  EXPECT_TRUE(q.slot_available("BROKER"));
  q.admit("BROKER", "10.0.0.9");
  // Over the broker-wide limit: the other listener's least recently used connection goes.
  EXPECT_TRUE(q.max_connections_exceeded("CLIENT"));
  EXPECT_FALSE(q.max_connections_exceeded("BROKER"));
}

TEST(connection_quotas, a_single_listener_is_never_exempt) {
  auto limits = one_listener();
  limits.max_connections = 1;
  connection_quotas q(limits);
  q.admit("PLAINTEXT", "10.0.0.1");
  EXPECT_FALSE(q.slot_available("PLAINTEXT"));
}

TEST(connection_quotas, listener_limits_apply_to_their_listener_only) {
  connection_limits limits;
  limits.listeners["A"] = {1, unlimited_connections};
  limits.listeners["B"] = {};
  connection_quotas q(limits);
  q.admit("A", "10.0.0.1");
  EXPECT_FALSE(q.slot_available("A"));
  EXPECT_TRUE(q.slot_available("B"));
  EXPECT_EQ(q.listener_count("A"), 1u);
  q.release("A", "10.0.0.1");
  EXPECT_TRUE(q.slot_available("A"));
}

TEST(connection_quotas, creation_rate_delays_connections_above_it) {
  auto limits = one_listener();
  limits.max_connection_creation_rate = 2;  // per second, measured over 10 s at first
  connection_quotas q(limits);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(q.record_creation("PLAINTEXT", ms(0)), ms(0)) << i;
  // 21 over 10 s is 2.1/s: 5 % over, so half a second of the 10 s window.
  EXPECT_EQ(q.record_creation("PLAINTEXT", ms(0)), ms(500));
  // Never more than one quota window.
  for (int i = 0; i < 20; ++i) q.record_creation("PLAINTEXT", ms(0));
  EXPECT_EQ(q.record_creation("PLAINTEXT", ms(0)), ms(1000));
}

TEST(connection_quotas, listener_creation_rate) {
  connection_limits limits;
  limits.listeners["A"] = {unlimited_connections, 1};
  limits.listeners["B"] = {};
  connection_quotas q(limits);
  for (int i = 0; i < 10; ++i) q.record_creation("A", ms(0));
  EXPECT_GT(q.record_creation("A", ms(0)), ms(0));
  EXPECT_EQ(q.record_creation("B", ms(0)), ms(0));
}

TEST(connection_quotas, ip_connection_rates_throttle_their_address_and_do_not_count_it) {
  connection_quotas q(one_listener());
  EXPECT_EQ(q.record_ip_creation("10.0.0.1", ms(0)), ms(0));  // no IP quotas: never
  q.update_ip_rates({{"10.0.0.1", 2}}, unlimited_connections);
  EXPECT_EQ(q.ip_connection_rate("10.0.0.1"), 2);
  EXPECT_EQ(q.ip_connection_rate("10.0.0.2"), unlimited_connections);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(q.record_ip_creation("10.0.0.1", ms(0)), ms(0)) << i;
  EXPECT_EQ(q.record_ip_creation("10.0.0.1", ms(0)), ms(500));
  // A throttled connection is taken back out of the rate: the next one is throttled the same.
  EXPECT_EQ(q.record_ip_creation("10.0.0.1", ms(0)), ms(500));
  EXPECT_EQ(q.record_ip_creation("10.0.0.2", ms(0)), ms(0));  // another address: no quota

  // The default entity applies to every address without one of its own.
  q.update_ip_rates({{"10.0.0.1", 100}}, 1);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(q.record_ip_creation("10.0.0.3", ms(0)), ms(0)) << i;
  EXPECT_GT(q.record_ip_creation("10.0.0.3", ms(0)), ms(0));
  EXPECT_EQ(q.record_ip_creation("10.0.0.1", ms(0)), ms(0));
}

}  // namespace
}  // namespace sluice::net
