// Tests of the Java-to-librdkafka security settings (cli/java_security.h).
#include "cli/java_security.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(JavaSecurity, ScramClientPropertiesBecomeLibrdkafkas) {
  property_map p = parse_properties(
      "security.protocol=SASL_SSL\n"
      "sasl.mechanism=SCRAM-SHA-512\n"
      "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
      "username=\"alice\" password=\"alice-secret\";\n"
      "ssl.truststore.type=PEM\n"
      "ssl.truststore.location=/etc/kafka/ca.pem\n"
      "ssl.endpoint.identification.algorithm=\n");
  ASSERT_TRUE(translate_java_security(p));
  EXPECT_EQ(p, (property_map{{"security.protocol", "SASL_SSL"},
                             {"sasl.mechanism", "SCRAM-SHA-512"},
                             {"sasl.username", "alice"},
                             {"sasl.password", "alice-secret"},
                             {"ssl.ca.location", "/etc/kafka/ca.pem"},
                             {"ssl.endpoint.identification.algorithm", "none"}}));
}

TEST(JavaSecurity, KeyStoresMapByType) {
  property_map pem{{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", "/k/client.pem"}};
  ASSERT_TRUE(translate_java_security(pem));
  EXPECT_EQ(pem, (property_map{{"ssl.certificate.location", "/k/client.pem"},
                               {"ssl.key.location", "/k/client.pem"}}));
  property_map p12{{"ssl.keystore.type", "PKCS12"},
                   {"ssl.keystore.location", "/k/client.p12"},
                   {"ssl.keystore.password", "pw"}};
  ASSERT_TRUE(translate_java_security(p12));
  EXPECT_EQ(p12, (property_map{{"ssl.keystore.location", "/k/client.p12"},
                               {"ssl.keystore.password", "pw"}}));
}

TEST(JavaSecurity, LibrdkafkaSettingsTheUserGaveWin) {
  property_map p{{"sasl.jaas.config",
                  "org.apache.kafka.common.security.plain.PlainLoginModule required "
                  "username=\"java\" password=\"j\";"},
                 {"sasl.username", "explicit"}};
  ASSERT_TRUE(translate_java_security(p));
  EXPECT_EQ(p.at("sasl.username"), "explicit");
  EXPECT_EQ(p.at("sasl.password"), "j");
  EXPECT_FALSE(p.contains("sasl.jaas.config"));
}

TEST(JavaSecurity, UnsecuredOauthbearerLogin) {
  property_map p{
      {"sasl.jaas.config",
       "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
       "unsecuredLoginStringClaim_sub=\"alice\" unsecuredLoginListClaim_scope=\"|a|b\";"}};
  ASSERT_TRUE(translate_java_security(p));
  EXPECT_EQ(p.at("sasl.oauthbearer.config"), "principal=alice scope=a,b");
  EXPECT_EQ(p.at("enable.sasl.oauthbearer.unsecure.jwt"), "true");
}

TEST(JavaSecurity, WhatCannotBeTranslatedIsRefusedNamingTheKey) {
  property_map jks{{"ssl.truststore.location", "/k/trust.jks"}};
  auto r = translate_java_security(jks);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("ssl.truststore.location"), std::string::npos);
  property_map bad{{"sasl.jaas.config", "not jaas"}};
  r = translate_java_security(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.message().find("sasl.jaas.config"), std::string::npos);
  property_map token{{"sasl.jaas.config",
                      "org.apache.kafka.common.security.scram.ScramLoginModule required "
                      "username=\"id\" password=\"hmac\" tokenauth=\"true\";"}};
  EXPECT_FALSE(translate_java_security(token));
}

TEST(JavaSecurity, NothingToDoLeavesSettingsAlone) {
  property_map p{{"acks", "all"}, {"ssl.ca.location", "/x"}};
  ASSERT_TRUE(translate_java_security(p));
  EXPECT_EQ(p, (property_map{{"acks", "all"}, {"ssl.ca.location", "/x"}}));
}

}  // namespace
}  // namespace sluice::cli
