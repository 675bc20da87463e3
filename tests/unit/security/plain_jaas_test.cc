// PLAIN as Kafka's PlainSaslServer, the JAAS parser with Kafka's syntax and errors, the listener
// SASL configuration and the credential cache.
#include <gtest/gtest.h>

#include "security/credential_cache.h"
#include "security/jaas.h"
#include "security/plain.h"
#include "security/sasl_config.h"

namespace sluice::security {
namespace {

constexpr std::string_view kafka_example =
    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" "
    "password=\"admin-secret\" user_admin=\"admin-secret\" user_alice=\"alice-secret\";";

std::shared_ptr<const plain_users> users() {
  auto u = std::make_shared<plain_users>();
  (*u)["alice"] = "alice-secret";
  return u;
}

result<byte_string> plain(std::string_view token) {
  plain_server s(users());
  return s.evaluate(to_bytes(token));
}

TEST(Plain, AcceptsTheRightPassword) {
  plain_server s(users());
  auto r = s.evaluate(to_bytes(std::string("\0alice\0alice-secret", 19)));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_TRUE(r->empty());
  EXPECT_TRUE(s.complete());
  EXPECT_EQ(s.authorization_id(), "alice");
  plain_server t(users());
  EXPECT_TRUE(t.evaluate(to_bytes(std::string("alice\0alice\0alice-secret", 24))).ok());
}

TEST(Plain, KafkasErrors) {
  auto expect = [](std::string_view token, std::string_view message) {
    auto r = plain(token);
    ASSERT_FALSE(r.ok()) << token;
    EXPECT_EQ(r.code(), errc::authentication_failed);
    EXPECT_EQ(r.message(), message);
  };
  using namespace std::string_literals;
  expect("\0alice\0wrong"s, "Authentication failed: Invalid username or password");
  expect("\0bob\0alice-secret"s, "Authentication failed: Invalid username or password");
  expect("\0\0x"s, "Authentication failed: username not specified");
  expect("\0alice\0"s, "Authentication failed: password not specified");
  expect("alice"s, "Invalid SASL/PLAIN response: expected 3 tokens, got 1");
  expect("a\0b\0c\0d"s, "Invalid SASL/PLAIN response: expected 3 tokens, got 4");
  expect("bob\0alice\0alice-secret"s,
         "Authentication failed: Client requested an authorization id that is different from "
         "username");
}

TEST(Plain, ClientToken) {
  plain_client c("alice", "alice-secret");
  auto t = c.evaluate({});
  ASSERT_TRUE(t.ok());
  plain_server s(users());
  EXPECT_TRUE(s.evaluate(*t).ok());
}

TEST(Jaas, KafkasExample) {
  auto e = parse_jaas_config(kafka_example);
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(e->login_module, plain_login_module);
  EXPECT_EQ(e->control_flag, "REQUIRED");
  EXPECT_EQ(e->options.at("username"), "admin");
  EXPECT_EQ(e->options.at("user_alice"), "alice-secret");
  EXPECT_EQ(e->options.size(), 4u);
}

TEST(Jaas, TokenizerLikeJava) {
  // Unquoted words with '-', '_', '$', '.', digits inside; single quotes; escapes; comments.
  auto e = parse_jaas_config(
      "a.b.C optional /* comment */ k1=v-1_$.x k2='single' k3=\"a\\\"b\\n\\101\" // tail\n k4=x;");
  ASSERT_TRUE(e.ok()) << e.message();
  EXPECT_EQ(e->control_flag, "OPTIONAL");
  EXPECT_EQ(e->options.at("k1"), "v-1_$.x");
  EXPECT_EQ(e->options.at("k2"), "single");
  EXPECT_EQ(e->options.at("k3"), "a\"b\nA");
  EXPECT_EQ(e->options.at("k4"), "x");
  // Two adjacent strings are two tokens, as in Java: the second is a key without a value.
  EXPECT_EQ(parse_jaas_config("M required k='it''s';").message(),
            "Value not specified for key 's' in JAAS config");
}

TEST(Jaas, KafkasErrors) {
  auto expect = [](std::string_view text, std::string_view message) {
    auto r = parse_jaas_config(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.code(), errc::invalid_config);
    EXPECT_EQ(r.message(), message) << text;
  };
  expect("", "Login module not specified in JAAS config");
  expect("Module", "Login module control flag not specified in JAAS config");
  expect("Module sometimes;", "Invalid login module control flag 'sometimes' in JAAS config");
  expect("Module required user=\"a\"", "JAAS config entry not terminated by semi-colon");
  expect("Module required user;", "Value not specified for key 'user' in JAAS config");
  expect("Module required password=123;", "Value not specified for key 'password' in JAAS config");
  expect("A required; B required;",
         "JAAS config property contains 2 login modules, should be 1 module");
  EXPECT_EQ(parse_jaas_entries("A required; B optional x=\"y\";")->size(), 2u);
}

sasl_inputs inputs(std::map<std::string, std::string> props,
                   std::vector<std::string> mechanisms = {"PLAIN", "SCRAM-SHA-256"}) {
  sasl_inputs in;
  in.enabled_mechanisms = std::move(mechanisms);
  in.properties = std::move(props);
  return in;
}

TEST(SaslConfig, ListenerOverridesAndUsers) {
  auto c = load_listener_sasl_config(
      "SASL_PLAINTEXT",
      inputs({{"listener.name.sasl_plaintext.plain.sasl.jaas.config", std::string(kafka_example)},
              {"listener.name.sasl_plaintext.connections.max.reauth.ms", "5000"},
              {"listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms", "7000"},
              {"listener.name.sasl_plaintext.sasl.server.max.receive.size", "1024"}}));
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_TRUE(c->enabled("PLAIN"));
  EXPECT_FALSE(c->enabled("SCRAM-SHA-512"));
  EXPECT_EQ(c->plain->at("alice"), "alice-secret");
  EXPECT_EQ(c->reauth_ms("PLAIN"), 5000);
  EXPECT_EQ(c->reauth_ms("SCRAM-SHA-256"), 7000);
  EXPECT_EQ(c->max_receive_size, 1024);
  auto creds = inter_broker_credentials(*c, "PLAIN");
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(creds->username, "admin");
  EXPECT_EQ(creds->password, "admin-secret");
  EXPECT_FALSE(inter_broker_credentials(*c, "SCRAM-SHA-256").ok());  // no JAAS entry
  EXPECT_FALSE(inter_broker_credentials(*c, "SCRAM-SHA-512").ok());  // not enabled

  auto mechanisms = load_listener_sasl_config(
      "SASL_PLAINTEXT",
      inputs({{"listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-512"}}));
  ASSERT_TRUE(mechanisms.ok());
  EXPECT_EQ(mechanisms->enabled_mechanisms, std::vector<std::string>{"SCRAM-SHA-512"});
}

TEST(SaslConfig, ErrorsNameTheKey) {
  auto gssapi = load_listener_sasl_config("SASL_PLAINTEXT", inputs({}, {"GSSAPI"}));
  ASSERT_FALSE(gssapi.ok());
  EXPECT_EQ(gssapi.message().rfind("sasl.enabled.mechanisms: SASL mechanism GSSAPI", 0), 0u);
  auto no_jaas = load_listener_sasl_config("SASL_PLAINTEXT", inputs({}));
  ASSERT_FALSE(no_jaas.ok());
  EXPECT_EQ(no_jaas.message().rfind("listener.name.sasl_plaintext.plain.sasl.jaas.config: ", 0),
            0u);
  auto bad_jaas = load_listener_sasl_config(
      "SASL_PLAINTEXT",
      inputs({{"listener.name.sasl_plaintext.plain.sasl.jaas.config", "X required a=\"b\""}}));
  ASSERT_FALSE(bad_jaas.ok());
  EXPECT_EQ(bad_jaas.message(),
            "listener.name.sasl_plaintext.plain.sasl.jaas.config: JAAS config entry not "
            "terminated by semi-colon");
}

TEST(SaslConfig, MakesServers) {
  auto c = load_listener_sasl_config(
      "L", inputs({{"listener.name.l.plain.sasl.jaas.config", std::string(kafka_example)}}));
  ASSERT_TRUE(c.ok());
  auto cache = std::make_shared<credential_cache>();
  EXPECT_TRUE(make_sasl_server(*c, "PLAIN", cache).ok());
  EXPECT_TRUE(make_sasl_server(*c, "SCRAM-SHA-256", cache).ok());
  EXPECT_FALSE(make_sasl_server(*c, "SCRAM-SHA-512", cache).ok());
}

TEST(CredentialCache, LoadsScramKeysOnly) {
  credential_cache cache;
  auto cred = make_scram_credential(scram_sha_256, "pw", 4096);
  auto problems = cache.replace_all(
      {{"alice", {{"SCRAM-SHA-256", credential_to_string(cred)}, {"producer_byte_rate", "10"}}},
       {"bob", {{"SCRAM-SHA-512", "junk"}}}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "user bob: SCRAM-SHA-512: credential not valid");
  EXPECT_EQ(cache.find(scram_sha_256, "alice"), cred);
  EXPECT_FALSE(cache.find(scram_sha_512, "alice"));
  EXPECT_FALSE(cache.find(scram_sha_512, "bob"));
  EXPECT_EQ(cache.size(), 1u);
  (void)cache.update_user("alice", {});
  EXPECT_FALSE(cache.find(scram_sha_256, "alice"));
}

}  // namespace
}  // namespace sluice::security

namespace sluice::security {
namespace {

TEST(SaslConfig, StartUpChecksNameTheKey) {
  sasl_inputs in;
  in.enabled_mechanisms = {"SCRAM-SHA-256"};
  in.properties["listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"] =
      "com.example.LoginModule required;";
  auto unknown = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.message().rfind("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config: "
                                    "No LoginModule found for com.example.LoginModule",
                                    0),
            0u)
      << unknown.message();
  in.properties["listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"] =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"b\" "
      "password=\"p\";";
  auto c = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_TRUE(c.ok()) << c.message();
  auto not_enabled = inter_broker_credentials(*c, "PLAIN");
  ASSERT_FALSE(not_enabled.ok());
  EXPECT_EQ(not_enabled.message().rfind(
                "sasl.mechanism.inter.broker.protocol: must be included in "
                "sasl.enabled.mechanisms when SASL is used for inter-broker communication",
                0),
            0u);
  EXPECT_TRUE(inter_broker_credentials(*c, "SCRAM-SHA-256").ok());

  std::map<std::string, listener_sasl_config> listeners{{"SASL_PLAINTEXT", *c}};
  auto ignored =
      ignored_sasl_keys({{"listener.name.SASL_PLAINTEXT.plain.sasl.jaas.config", "x"},
                         {"listener.name.sasl_plaintext.plain.sasl.jaas.config", "x"},
                         {"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", "x"},
                         {"listener.name.sasl_plaintext.sasl.enabled.mechanisms", "x"},
                         {"listener.name.plaintext.sasl.enabled.mechanisms", "x"},
                         {"listener.name.plaintext.ssl.keystore.location", "x"}},
                        listeners);
  EXPECT_EQ(ignored, (std::vector<std::string>{
                         "listener.name.SASL_PLAINTEXT.plain.sasl.jaas.config (no SASL listener is "
                         "named SASL_PLAINTEXT in lower case)",
                         "listener.name.plaintext.sasl.enabled.mechanisms (no SASL listener is "
                         "named plaintext in lower case)",
                         "listener.name.sasl_plaintext.plain.sasl.jaas.config (listener "
                         "SASL_PLAINTEXT does not enable plain)"}));
}

}  // namespace
}  // namespace sluice::security
