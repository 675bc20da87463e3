#include "server/properties.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sluice::server {
namespace {

std::vector<std::pair<std::string, std::string>> parse(std::string_view text) {
  auto r = parse_properties(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.message());
  std::vector<std::pair<std::string, std::string>> out;
  if (r.ok()) {
    for (const auto& p : *r) out.emplace_back(p.key, p.value);
  }
  return out;
}

using kv = std::vector<std::pair<std::string, std::string>>;

TEST(properties, separators_and_blanks) {
  EXPECT_EQ(
      parse("a=1\nb: 2\nc 3\n  d =  4\n\te\t:\t5\nf\n g = h = i\n"),
      (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", ""}, {"g", "h = i"}}));
  // The seed's style: spaces around '='.
  EXPECT_EQ(parse("broker.id = 1\n"), (kv{{"broker.id", "1"}}));
  // Trailing blanks belong to the value (Kafka trims when it parses the type).
  EXPECT_EQ(parse("k=v  \n"), (kv{{"k", "v  "}}));
}

TEST(properties, comments_and_blank_lines) {
  EXPECT_EQ(
      parse("# comment\n! also a comment\n\n   \n  # indented comment\nk=v # not a comment\n"),
      (kv{{"k", "v # not a comment"}}));
  // A comment line does not continue, even ending in a backslash.
  EXPECT_EQ(parse("# comment \\\nk=v\n"), (kv{{"k", "v"}}));
}

TEST(properties, line_continuations) {
  EXPECT_EQ(parse("listeners=PLAINTEXT://:9092,\\\n          INTERNAL://:9093\n"),
            (kv{{"listeners", "PLAINTEXT://:9092,INTERNAL://:9093"}}));
  // Windows and old-Mac line ends.
  EXPECT_EQ(parse("a=1\\\r\n  2\r\nb=3\rc=4"), (kv{{"a", "12"}, {"b", "3"}, {"c", "4"}}));
  // An even number of backslashes is an escaped backslash, not a continuation.
  EXPECT_EQ(parse("a=x\\\\\nb=y\n"), (kv{{"a", "x\\"}, {"b", "y"}}));
  // A continued line may start with '#': it is data, not a comment.
  EXPECT_EQ(parse("a=x\\\n#y\n"), (kv{{"a", "x#y"}}));
  // A continuation onto an empty line ends the logical line; at end of file it just ends.
  EXPECT_EQ(parse("a=x\\\n\nb=y\\"), (kv{{"a", "x"}, {"b", "y"}}));
}

TEST(properties, escapes) {
  EXPECT_EQ(parse("tab=a\\tb\nnl=a\\nb\ncr=\\r\nff=\\f\n"),
            (kv{{"tab", "a\tb"}, {"nl", "a\nb"}, {"cr", "\r"}, {"ff", "\f"}}));
  EXPECT_EQ(parse("key\\=with\\:seps\\ and\\ spaces=value\n"),
            (kv{{"key=with:seps and spaces", "value"}}));
  EXPECT_EQ(parse("u=\\u0041\\u00e9\\u20ac\n"), (kv{{"u", "A\xc3\xa9\xe2\x82\xac"}}));
  EXPECT_EQ(parse("pair=\\uD83D\\uDE00\n"), (kv{{"pair", "\xf0\x9f\x98\x80"}}));
  EXPECT_EQ(parse("other=\\q\\#\n"), (kv{{"other", "q#"}}));
  EXPECT_EQ(parse("literal=${HOME}/data\n"), (kv{{"literal", "${HOME}/data"}}));
  EXPECT_EQ(parse("utf8=d\xc3\xa9j\xc3\xa0\n"), (kv{{"utf8", "d\xc3\xa9j\xc3\xa0"}}));
}

TEST(properties, malformed_unicode_escape_is_an_error_with_its_line) {
  auto r = parse_properties("a=1\nb=\\u12G4\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("line 2"), std::string::npos) << r.message();
}

TEST(properties, line_numbers_and_repeated_keys) {
  auto r = parse_properties("# head\na=1\n\nb=2\\\n  3\na=4\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].line, 2);
  EXPECT_EQ((*r)[1].line, 4);
  EXPECT_EQ((*r)[2].key, "a");
  EXPECT_EQ((*r)[2].line, 6);
}

TEST(properties, overrides) {
  auto o = parse_override("log.dirs=/a,/b");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->key, "log.dirs");
  EXPECT_EQ(o->value, "/a,/b");
  auto eq = parse_override("k=a=b");
  ASSERT_TRUE(eq.ok());
  EXPECT_EQ(eq->value, "a=b");
  auto empty_value = parse_override("k=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->value, "");
  EXPECT_FALSE(parse_override("no-equals").ok());
  EXPECT_FALSE(parse_override("=value").ok());
}

TEST(properties, files) {
  auto path = std::filesystem::temp_directory_path() / "sluice-properties-test.properties";
  {
    std::ofstream out(path);
    out << "broker.id=3\nlog.dirs=/tmp/x\n";
  }
  auto r = load_properties_file(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  auto missing = load_properties_file("/nonexistent/server.properties");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), errc::io_error);
  EXPECT_NE(missing.message().find("/nonexistent/server.properties"), std::string::npos);
}

TEST(properties, the_shipped_server_properties_loads) {
  auto r =
      load_properties_file(std::filesystem::path(SLUICE_SOURCE_DIR) / "config/server.properties");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_FALSE(r->empty());
}

}  // namespace
}  // namespace sluice::server
