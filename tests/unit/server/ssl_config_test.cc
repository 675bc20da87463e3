// The ssl.* keys: Kafka's defaults, SSL listeners' settings with listener.name.<l>.ssl.* on top,
// the inter-broker listener's protocol, and errors that name the key.
#include <gtest/gtest.h>

#include "server/config.h"
#include "server/listener_configs.h"

namespace sluice::server {
namespace {

result<server_config> load(std::vector<std::pair<std::string, std::string>> file) {
  std::vector<property> f;
  for (auto& [k, v] : file) f.push_back(property{k, v, 1});
  return load_config(f, {}, [] { return std::string("host.example"); });
}

std::string error_of(std::vector<std::pair<std::string, std::string>> file) {
  auto c = load(std::move(file));
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.message();
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ssl_config, kafkas_defaults) {
  auto c = load({{"listeners", "SSL://127.0.0.1:9093"}, {"security.inter.broker.protocol", "SSL"}});
  ASSERT_TRUE(c.ok()) << c.message();
  const net::tls_settings& s = c->typed().listener_tls.at("SSL");
  EXPECT_EQ(s.keystore_type, "JKS");
  EXPECT_EQ(s.truststore_type, "JKS");
  EXPECT_FALSE(s.keystore_location);
  EXPECT_EQ(s.client_auth, net::ssl_client_auth::none);
  EXPECT_EQ(s.enabled_protocols, (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
  EXPECT_EQ(s.protocol, "TLSv1.3");
  EXPECT_TRUE(s.cipher_suites.empty());
  EXPECT_EQ(s.endpoint_identification_algorithm, "https");
  EXPECT_EQ(s.principal_mapping_rules, "DEFAULT");
  EXPECT_EQ(c->typed().inter_broker_listener_name, "SSL");
  EXPECT_EQ(c->typed().inter_broker_security_protocol, "SSL");
  EXPECT_TRUE(c->unknown_keys().empty());
}

TEST(ssl_config, listener_prefixed_keys_override_the_broker_wide_ones_for_their_listener) {
  auto c = load({{"listeners", "CLIENTS://:9093,INTERNAL://:9094,PLAINTEXT://:9092"},
                 {"listener.security.protocol.map", "CLIENTS:SSL,INTERNAL:SSL,PLAINTEXT:PLAINTEXT"},
                 {"inter.broker.listener.name", "INTERNAL"},
                 {"ssl.keystore.type", "PKCS12"},
                 {"ssl.keystore.location", "/etc/sluice/broker.p12"},
                 {"ssl.keystore.password", "secret"},
                 {"ssl.client.auth", "requested"},
                 {"listener.name.internal.ssl.client.auth", "required"},
                 {"listener.name.internal.ssl.truststore.type", "PEM"},
                 {"listener.name.internal.ssl.truststore.location", "/etc/sluice/internal-ca.pem"},
                 {"listener.name.clients.ssl.principal.mapping.rules", "RULE:^CN=(.*?),.*$/$1/L"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_TRUE(c->unknown_keys().empty());
  const auto& clients = c->typed().listener_tls.at("CLIENTS");
  const auto& internal = c->typed().listener_tls.at("INTERNAL");
  EXPECT_EQ(clients.keystore_location, "/etc/sluice/broker.p12");
  EXPECT_EQ(internal.keystore_password, "secret");
  EXPECT_EQ(clients.client_auth, net::ssl_client_auth::requested);
  EXPECT_EQ(internal.client_auth, net::ssl_client_auth::required);
  EXPECT_FALSE(clients.truststore_location);
  EXPECT_EQ(internal.truststore_location, "/etc/sluice/internal-ca.pem");
  EXPECT_EQ(internal.key("ssl.truststore.location"),
            "listener.name.internal.ssl.truststore.location");
  EXPECT_EQ(internal.key("ssl.keystore.location"), "ssl.keystore.location");
  EXPECT_EQ(clients.principal_mapping_rules, "RULE:^CN=(.*?),.*$/$1/L");
  EXPECT_EQ(internal.principal_mapping_rules, "DEFAULT");
  EXPECT_FALSE(c->typed().listener_tls.contains("PLAINTEXT"));
  EXPECT_EQ(c->typed().inter_broker_security_protocol, "SSL");
}

TEST(ssl_config, security_inter_broker_protocol_picks_the_ssl_listener) {
  auto c = load(
      {{"listeners", "PLAINTEXT://:9092,SSL://:9093"}, {"security.inter.broker.protocol", "SSL"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().inter_broker_listener_name, "SSL");
  EXPECT_EQ(c->typed().inter_broker_security_protocol, "SSL");
  auto plain = load({{"listeners", "PLAINTEXT://:9092,SSL://:9093"}});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->typed().inter_broker_security_protocol, "PLAINTEXT");
}

TEST(ssl_config, bad_values_name_their_key) {
  EXPECT_TRUE(has(error_of({{"ssl.client.auth", "always"}}),
                  "invalid value 'always' for ssl.client.auth: must be one of [required, "
                  "requested, none]"));
  EXPECT_TRUE(has(error_of({{"listener.name.ssl.ssl.client.auth", "always"}}),
                  "invalid value 'always' for listener.name.ssl.ssl.client.auth"));
  EXPECT_TRUE(has(error_of({{"ssl.enabled.protocols", "TLSv1.3,SSLv3"}}),
                  "ssl.enabled.protocols: 'SSLv3' is not one of [TLSv1.2, TLSv1.3]"));
  EXPECT_TRUE(has(error_of({{"ssl.endpoint.identification.algorithm", "ldaps"}}),
                  "ssl.endpoint.identification.algorithm"));
  std::string rules = error_of({{"listeners", "PLAINTEXT://:9092,SSL://:9093"},
                                {"listener.name.ssl.ssl.principal.mapping.rules", "RULE:CN=x"}});
  EXPECT_TRUE(has(rules, "for listener.name.ssl.ssl.principal.mapping.rules: Invalid rule"))
      << rules;
}

TEST(ssl_config, keys_that_are_not_per_listener_stay_unknown) {
  auto c = load({{"listener.name.plaintext.log.retention.ms", "1"},
                 {"listener.name.ssl.ssl.keymanager.algorithm", "SunX509"},
                 {"listener.name.ssl.ssl.keystore.location", "/x.p12"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->unknown_keys(),
            (std::vector<std::string>{"listener.name.plaintext.log.retention.ms",
                                      "listener.name.ssl.ssl.keymanager.algorithm"}));
  EXPECT_TRUE(parse_listener_key("listener.name.ssl.ssl.keystore.location"));
  EXPECT_FALSE(parse_listener_key("listener.name..ssl.keystore.location"));
}

}  // namespace
}  // namespace sluice::server
