// listeners, advertised.listeners, the security protocol map and the inter-broker listener.
#include <gtest/gtest.h>

#include "server/config.h"

namespace sluice::server {
namespace {

result<server_config> load(std::vector<std::pair<std::string, std::string>> file) {
  std::vector<property> f;
  for (auto& [k, v] : file) f.push_back(property{k, v, 1});
  return load_config(f, {}, [] { return std::string("host.example"); });
}

std::vector<std::string> shown(const std::vector<listener_config>& ls) {
  std::vector<std::string> out;
  for (const auto& l : ls) out.push_back(l.to_string());
  return out;
}

std::string error_of(std::vector<std::pair<std::string, std::string>> file) {
  auto c = load(std::move(file));
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.message();
}

TEST(listeners, several_with_a_custom_protocol_map) {
  auto c = load(
      {{"listeners", "plaintext://127.0.0.1:9092, INTERNAL://[::1]:9093,EXT://:0"},
       {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,ext:plaintext"},
       {"advertised.listeners", "PLAINTEXT://kafka.example:9092,INTERNAL://[::1]:9093"}});
  ASSERT_TRUE(c.ok()) << c.message();
  const auto& t = c->typed();
  EXPECT_EQ(shown(t.listeners), (std::vector<std::string>{"PLAINTEXT://127.0.0.1:9092",
                                                          "INTERNAL://[::1]:9093", "EXT://:0"}));
  EXPECT_EQ(t.listeners[1].host, "::1");
  EXPECT_EQ(t.listeners[1].security_protocol, "PLAINTEXT");
  EXPECT_EQ(shown(t.advertised_listeners),
            (std::vector<std::string>{"PLAINTEXT://kafka.example:9092", "INTERNAL://[::1]:9093"}));
  EXPECT_EQ(t.listener_security_protocol_map.at("EXT"), "PLAINTEXT");
}

TEST(listeners, advertised_defaults_to_listeners_with_the_canonical_host_for_an_empty_one) {
  auto c = load({{"listeners", "PLAINTEXT://:9092"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(shown(c->typed().advertised_listeners),
            std::vector<std::string>{"PLAINTEXT://host.example:9092"});
  EXPECT_EQ(c->typed().listeners[0].host, "");  // bind side stays "all interfaces"
}

TEST(listeners, bound_ports_replace_port_zero) {
  auto c = load({{"listeners", "PLAINTEXT://127.0.0.1:0"}});
  ASSERT_TRUE(c.ok()) << c.message();
  c->resolve_bound_ports({{"PLAINTEXT", 40001}});
  EXPECT_EQ(c->typed().listeners[0].port, 40001);
  EXPECT_EQ(c->typed().advertised_listeners[0].to_string(), "PLAINTEXT://127.0.0.1:40001");
}

TEST(listeners, every_kafka_security_protocol_is_accepted) {
  for (std::string protocol : {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}) {
    auto c = load(
        {{"listeners", protocol + "://127.0.0.1:9093"}, {"inter.broker.listener.name", protocol}});
    ASSERT_TRUE(c.ok()) << protocol << ": " << c.message();
    EXPECT_EQ(c->typed().listeners[0].security_protocol, protocol);
  }
}

TEST(listeners, sasl_plaintext_listeners_are_accepted) {
  auto c = load({{"listeners", "PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9093"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().listeners[1].security_protocol, "SASL_PLAINTEXT");
}

TEST(listeners, malformed_entries_name_the_key_and_the_entry) {
  struct bad_case {
    std::string key;
    std::string value;
    std::string reason;
  };
  std::vector<bad_case> cases = {
      {"listeners", "localhost:9092", "NAME://host:port"},
      {"listeners", "PLAINTEXT://localhost", "no port"},
      {"listeners", "PLAINTEXT://:70000", "0 to 65535"},
      {"listeners", "PLAINTEXT://:http", "0 to 65535"},
      {"listeners", "PLAINTEXT://::1:9092", "brackets"},
      {"listeners", "PLAIN TEXT://:9092", "invalid listener name"},
      {"listeners", "PLAINTEXT://bad/host:9092", "invalid character"},
      {"listeners", "OTHER://:9092", "no security protocol"},
      {"listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093", "more than once"},
      {"listeners", "", "at least one listener"},
      {"listener.security.protocol.map", "PLAINTEXT", "LISTENER_NAME:SECURITY_PROTOCOL"},
      {"listener.security.protocol.map", "PLAINTEXT:TLS", "unknown security protocol"},
  };
  for (const auto& c : cases) {
    std::string message = error_of({{c.key, c.value}});
    EXPECT_NE(message.find(c.key), std::string::npos) << c.value << ": " << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << c.value << ": " << message;
  }
  std::string ports =
      error_of({{"listeners", "PLAINTEXT://:9092,B://:9092"},
                {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,B:PLAINTEXT"}});
  EXPECT_NE(ports.find("its own port"), std::string::npos) << ports;
}

TEST(listeners, advertised_listeners_rules) {
  std::string unknown =
      error_of({{"advertised.listeners", "OTHER://h:1"},
                {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"}});
  EXPECT_NE(unknown.find("advertised.listeners"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("not one of the names in listeners"), std::string::npos) << unknown;
  std::string wildcard = error_of({{"advertised.listeners", "PLAINTEXT://0.0.0.0:9092"}});
  EXPECT_NE(wildcard.find("advertised.listeners"), std::string::npos) << wildcard;
  // Derived from listeners: the message points at listeners.
  std::string derived = error_of({{"listeners", "PLAINTEXT://0.0.0.0:9092"}});
  EXPECT_NE(derived.find("for listeners"), std::string::npos) << derived;
}

TEST(listeners, inter_broker_listener) {
  auto named = load({{"listeners", "INTERNAL://:9092,CLIENT://:9093"},
                     {"listener.security.protocol.map", "INTERNAL:PLAINTEXT,CLIENT:PLAINTEXT"},
                     {"inter.broker.listener.name", "internal"}});
  ASSERT_TRUE(named.ok()) << named.message();
  EXPECT_EQ(named->typed().inter_broker_listener_name, "INTERNAL");

  std::string missing = error_of(
      {{"listeners", "CLIENT://:9093"}, {"listener.security.protocol.map", "CLIENT:PLAINTEXT"}});
  EXPECT_NE(missing.find("inter.broker.listener.name"), std::string::npos) << missing;
  EXPECT_NE(missing.find("(CLIENT)"), std::string::npos) << missing;

  std::string both = error_of({{"inter.broker.listener.name", "PLAINTEXT"},
                               {"security.inter.broker.protocol", "PLAINTEXT"}});
  EXPECT_NE(both.find("not both"), std::string::npos) << both;
}

}  // namespace
}  // namespace sluice::server
