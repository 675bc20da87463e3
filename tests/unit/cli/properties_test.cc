// Tests of .properties parsing and key=value arguments (cli/properties.h).
#include "cli/properties.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(Properties, ParsesJavaPropertiesSyntax) {
  property_map p = parse_properties(
      "# a comment\n"
      "! another comment\n"
      "bootstrap.servers=localhost:9092\n"
      "  client.id : my-client\n"
      "acks all\n"
      "long.value=one \\\n"
      "    two\n"
      "escaped=tab\\there\\u0041\n"
      "empty=\n"
      "\r\n"
      "last=value\r\n");
  EXPECT_EQ(p["bootstrap.servers"], "localhost:9092");
  EXPECT_EQ(p["client.id"], "my-client");
  EXPECT_EQ(p["acks"], "all");
  EXPECT_EQ(p["long.value"], "one two");
  EXPECT_EQ(p["escaped"], "tab\thereA");
  EXPECT_EQ(p["empty"], "");
  EXPECT_EQ(p["last"], "value");
  EXPECT_EQ(p.size(), 7u);
}

TEST(Properties, MissingFileIsAnIoError) {
  auto r = load_properties_file("/nonexistent/x.properties");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), errc::io);
  EXPECT_NE(r.message().find("/nonexistent/x.properties"), std::string::npos);
}

TEST(Properties, SplitsKeyValueAtTheFirstEquals) {
  auto kv = split_key_value("key.separator==");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "key.separator");
  EXPECT_EQ(kv->second, "=");
  auto bare = split_key_value("print.key");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->second, "");
  auto strict = split_key_value("print.key", false);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.message(), "Missing value for key print.key");
}

TEST(Properties, LaterKeyValuesWin) {
  property_map p{{"acks", "1"}};
  ASSERT_TRUE(add_key_values(p, {"acks=all", "linger.ms=5", ""}));
  EXPECT_EQ(p["acks"], "all");
  EXPECT_EQ(p["linger.ms"], "5");
}

TEST(Properties, ReadsBooleansTheWayKafkaDoes) {
  property_map p{{"a", " TRUE "}, {"b", "yes"}};
  EXPECT_TRUE(property_true(p, "a"));
  EXPECT_FALSE(property_true(p, "b"));
  EXPECT_TRUE(property_true(p, "missing", true));
}

}  // namespace
}  // namespace sluice::cli
