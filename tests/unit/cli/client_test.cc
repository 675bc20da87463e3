// Tests of the shared client layer that need no broker: where the brokers come from, settings
// librdkafka does not know, and Kafka's error wording.
#include "cli/client.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sluice::cli {
namespace {

TEST(Client, BrokerListPrecedence) {
  unsetenv("SLUICE_BROKERS");
  EXPECT_EQ(resolve_brokers(""), "localhost:9092");
  EXPECT_EQ(resolve_brokers("", {{"bootstrap.servers", "from-file:1"}}), "from-file:1");
  setenv("SLUICE_BROKERS", "from-env:2", 1);
  EXPECT_EQ(resolve_brokers("", {{"bootstrap.servers", "from-file:1"}}), "from-env:2");
  EXPECT_EQ(resolve_brokers("flag:3", {{"bootstrap.servers", "from-file:1"}}), "flag:3");
  unsetenv("SLUICE_BROKERS");
}

TEST(Client, JavaOnlySettingsAreMappedOrIgnoredAndUnknownOnesWarn) {
  client_settings s;
  s.brokers = "127.0.0.1:1";
  s.properties = {{"key.serializer", "org.apache.kafka.common.serialization.StringSerializer"},
                  {"buffer.memory", "33554432"},
                  {"acks", "all"},
                  {"no.such.setting", "1"}};
  std::vector<std::string> warnings;
  auto c = kafka_client::create(client_kind::producer, s, &warnings);
  ASSERT_TRUE(c) << c.message();
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "WARN The configuration 'no.such.setting' was supplied but isn't a known "
                          "config."}));
}

TEST(Client, InvalidValuesFail) {
  client_settings s;
  s.properties = {{"acks", "sometimes"}};
  auto c = kafka_client::create(client_kind::producer, s);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.code(), errc::invalid_input);
  EXPECT_NE(c.message().find("acks"), std::string::npos);
}

TEST(Client, KafkasErrorWording) {
  EXPECT_EQ(kafka_error_message(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "", "t"),
            "Topic 't' already exists.");
  EXPECT_EQ(kafka_error_message(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                                rd_kafka_err2str(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), "t"),
            "Topic 't' already exists.");
  EXPECT_EQ(kafka_error_message(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, "from the broker"),
            "from the broker");
  EXPECT_EQ(kafka_error_message(RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, ""),
            "The group id does not exist.");
}

TEST(Client, DeadlinesCountDown) {
  deadline d = deadline::after(std::chrono::milliseconds(500));
  EXPECT_FALSE(d.expired());
  EXPECT_LE(d.remaining_ms(), 500);
  EXPECT_EQ(d.remaining_ms(100), 100);
  EXPECT_TRUE(deadline::after(std::chrono::milliseconds(-1)).expired());
}

}  // namespace
}  // namespace sluice::cli
