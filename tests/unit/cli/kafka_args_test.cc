// Tests of Kafka-style argument parsing and usage (cli/kafka_args.h).
#include "cli/kafka_args.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

struct fixture {
  kafka_tool_parser p{"Summary of the tool."};
  std::string topic, codec;
  int32_t partitions = 0;
  int64_t shift = 0;
  std::vector<std::string> config;
  bool create = false, sync = false;
  fixture() {
    p.text(topic, "--topic", "String: topic", "The topic.");
    p.integer(partitions, "--partitions", "Integer: # of partitions", "How many.", 1);
    p.integer(shift, "--shift-by", "Long: number-of-offsets", "Shift.");
    p.list(config, "--config", "String: name=value", "A config.");
    p.flag(create, "--create", "Create.");
    p.flag(sync, "--sync", "Sync.");
    p.optional_text(codec, "--compression-codec", "String: codec", "Codec.", "gzip");
  }
};

TEST(KafkaArgs, TakesValuesWithSpaceOrEquals) {
  fixture f;
  EXPECT_FALSE(f.p.parse({"--topic", "t1", "--partitions=3", "--create"}));
  EXPECT_EQ(f.topic, "t1");
  EXPECT_EQ(f.partitions, 3);
  EXPECT_TRUE(f.create);
  EXPECT_TRUE(f.p.has("--topic"));
  EXPECT_FALSE(f.p.has("--config"));
}

TEST(KafkaArgs, KeepsDefaultsAndAcceptsNegativeValues) {
  fixture f;
  EXPECT_FALSE(f.p.parse({"--shift-by", "-5"}));
  EXPECT_EQ(f.shift, -5);
  EXPECT_EQ(f.partitions, 1);
  EXPECT_FALSE(f.p.has("--partitions"));
}

TEST(KafkaArgs, RepeatsListOptionsAndTakesBareKeyValues) {
  fixture f;
  EXPECT_FALSE(f.p.parse({"--config", "a=1", "--config", "b=2", "c=3", "--create"}));
  EXPECT_EQ(f.config, (std::vector<std::string>{"a=1", "b=2", "c=3"}));
}

TEST(KafkaArgs, OptionalValues) {
  fixture a;
  EXPECT_FALSE(a.p.parse({"--compression-codec"}));
  EXPECT_EQ(a.codec, "gzip");
  fixture b;
  EXPECT_FALSE(b.p.parse({"--compression-codec", "lz4"}));
  EXPECT_EQ(b.codec, "lz4");
  fixture c;
  EXPECT_FALSE(c.p.parse({"--compression-codec", "--sync"}));
  EXPECT_EQ(c.codec, "gzip");
  EXPECT_TRUE(c.sync);
}

TEST(KafkaArgs, UnknownOptionIsAUsageError) {
  fixture f;
  testing::internal::CaptureStderr();
  auto code = f.p.parse({"--topic", "t", "--bogus"});
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1);
  EXPECT_EQ(err.substr(0, err.find('\n')), "bogus is not a recognized option");
  EXPECT_NE(err.find("Option                                   Description"), std::string::npos);
}

TEST(KafkaArgs, BadNumberIsAUsageError) {
  fixture f;
  testing::internal::CaptureStderr();
  auto code = f.p.parse({"--partitions", "many"});
  testing::internal::GetCapturedStderr();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1);
}

TEST(KafkaArgs, RequiredAndExclusiveMessages) {
  fixture f;
  ASSERT_FALSE(f.p.parse({"--create", "--sync"}));
  testing::internal::CaptureStderr();
  auto missing = f.p.require({"--topic"});
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(missing, 1);
  EXPECT_EQ(err.substr(0, err.find('\n')), "Missing required argument \"[topic]\"");
  testing::internal::CaptureStderr();
  auto both = f.p.exclusive("--create", {"--partitions", "--sync"});
  err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(both, 1);
  EXPECT_EQ(err.substr(0, err.find('\n')),
            "Option \"[create]\" can't be used with option \"[sync]\"");
}

TEST(KafkaArgs, HelpAndEmptyCommandLinePrintUsageAndFail) {
  fixture a;
  testing::internal::CaptureStderr();
  EXPECT_EQ(a.p.parse({}), 1);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.substr(0, err.find('\n')), "Summary of the tool.");
  fixture b;
  testing::internal::CaptureStderr();
  EXPECT_EQ(b.p.parse({"--help"}), 1);
  testing::internal::GetCapturedStderr();
  fixture c;
  testing::internal::CaptureStdout();
  EXPECT_EQ(c.p.parse({"--version"}), 0);
  testing::internal::GetCapturedStdout();
}

TEST(KafkaArgs, UsageIsATwoColumnTable) {
  fixture f;
  std::string u = f.p.usage();
  EXPECT_EQ(u.substr(0, u.find('\n')), "Option                                   Description");
  EXPECT_NE(u.find("--partitions <Integer: # of partitions>  How many. (default: 1)"),
            std::string::npos);
  EXPECT_NE(u.find("--compression-codec [String: codec]"), std::string::npos);
}

TEST(KafkaArgs, WrapsText) {
  EXPECT_EQ(wrap_text("aaa bbb ccc", 7), (std::vector<std::string>{"aaa bbb", "ccc"}));
  EXPECT_EQ(wrap_text("one\ntwo", 20), (std::vector<std::string>{"one", "two"}));
}

}  // namespace
}  // namespace sluice::cli
