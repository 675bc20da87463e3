// Tests of the console consumer's formatter and the console producer's line reader.
#include "cli/record_format.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

console_record sample() {
  console_record r;
  r.topic = "t";
  r.partition = 2;
  r.offset = 41;
  r.timestamp_type = console_record::ts_kind::create_time;
  r.timestamp = 1700000000123;
  r.key = "k1";
  r.value = "hello";
  r.headers = {{"h1", "v1"}, {"h2", std::nullopt}};
  return r;
}

TEST(MessageFormatter, PrintsOnlyTheValueByDefault) {
  message_formatter f;
  EXPECT_EQ(f.format(sample()), "hello\n");
}

TEST(MessageFormatter, PrintsEveryFieldInKafkasOrder) {
  message_formatter f = message_formatter::from_properties({{"print.timestamp", "true"},
                                                            {"print.partition", "true"},
                                                            {"print.offset", "true"},
                                                            {"print.headers", "true"},
                                                            {"print.key", "true"}});
  EXPECT_EQ(f.format(sample()),
            "CreateTime:1700000000123\tPartition:2\tOffset:41\th1:v1,h2:null\tk1\thello\n");
}

TEST(MessageFormatter, HonoursSeparatorsNullLiteralAndNoValue) {
  message_formatter f = message_formatter::from_properties({{"print.key", "true"},
                                                            {"print.value", "false"},
                                                            {"key.separator", " => "},
                                                            {"null.literal", "<null>"},
                                                            {"line.separator", "|"}});
  console_record r = sample();
  r.key.reset();
  EXPECT_EQ(f.format(r), "<null>|");
  message_formatter g = message_formatter::from_properties(
      {{"print.headers", "true"}, {"headers.separator", ";"}, {"key.separator", "/"}});
  console_record plain;
  plain.value = "v";
  EXPECT_EQ(g.format(plain), "NO_HEADERS/v\n");
  EXPECT_EQ(g.format(sample()), "h1:v1;h2:null/hello\n");
}

TEST(MessageFormatter, PrintsLogAppendTimeAndMissingTimestamps) {
  message_formatter f = message_formatter::from_properties({{"print.timestamp", "true"}});
  console_record r = sample();
  r.timestamp_type = console_record::ts_kind::log_append_time;
  EXPECT_EQ(f.format(r), "LogAppendTime:1700000000123\thello\n");
  r.timestamp_type = console_record::ts_kind::none;
  EXPECT_EQ(f.format(r), "NO_TIMESTAMP\thello\n");
}

TEST(LineReader, ReadsWholeLinesAsValuesByDefault) {
  auto reader = line_reader::from_properties({});
  ASSERT_TRUE(reader);
  auto r = reader->parse("a\tb", 1);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(r->value, "a\tb");
}

TEST(LineReader, ParsesKeysWithASeparator) {
  auto reader = line_reader::from_properties({{"parse.key", "true"}, {"key.separator", ":"}});
  ASSERT_TRUE(reader);
  auto r = reader->parse("user1:hello:world", 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->key, "user1");
  EXPECT_EQ(r->value, "hello:world");
  auto missing = reader->parse("novalue", 7);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.message(), "No key separator found on line number 7: 'novalue'");
}

TEST(LineReader, IgnoreErrorTreatsAMissingSeparatorAsNoKey) {
  auto reader = line_reader::from_properties({{"parse.key", "true"}, {"ignore.error", "true"}});
  ASSERT_TRUE(reader);
  auto r = reader->parse("novalue", 1);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(r->value, "novalue");
}

TEST(LineReader, ParsesHeadersKeysAndNullMarkers) {
  auto reader = line_reader::from_properties(
      {{"parse.key", "true"}, {"parse.headers", "true"}, {"null.marker", "NULL"}});
  ASSERT_TRUE(reader);
  auto r = reader->parse("h1:v1,h2:NULL\tNULL\tvalue", 1);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->headers.size(), 2u);
  EXPECT_EQ(r->headers[0].first, "h1");
  EXPECT_EQ(r->headers[0].second, "v1");
  EXPECT_FALSE(r->headers[1].second);
  EXPECT_FALSE(r->key);
  EXPECT_EQ(r->value, "value");
  auto tomb = reader->parse("h:v\tk\tNULL", 2);
  ASSERT_TRUE(tomb);
  EXPECT_EQ(tomb->key, "k");
  EXPECT_FALSE(tomb->value);
}

TEST(LineReader, RejectsCollidingSeparators) {
  auto r = line_reader::from_properties({{"headers.delimiter", ","}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.message(), "headers.delimiter and headers.separator may not be equal");
  auto n = line_reader::from_properties({{"null.marker", "\t"}});
  ASSERT_FALSE(n);
  EXPECT_EQ(n.message(), "null.marker and key.separator may not be equal");
}

}  // namespace
}  // namespace sluice::cli
