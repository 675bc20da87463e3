// Tests of kafka-configs' --add-config parsing and entry lines (cli/config_text.h).
#include "cli/config_text.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

TEST(ConfigText, ParsesAddConfigWithBracketedLists) {
  auto r = parse_add_config("retention.ms=1000, cleanup.policy=[compact,delete],x=y");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (std::pair<std::string, std::string>{"retention.ms", "1000"}));
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"cleanup.policy", "compact,delete"}));
  EXPECT_EQ((*r)[2].first, "x");
  EXPECT_FALSE(parse_add_config("novalue"));
  EXPECT_FALSE(parse_add_config("a=b=c"));
}

TEST(ConfigText, FormatsEntriesWithSynonyms) {
  config_entry e;
  e.name = "cleanup.policy";
  e.value = "compact";
  e.source = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
  config_entry s1 = e;
  config_entry s2;
  s2.name = "log.cleanup.policy";
  s2.value = "delete";
  s2.source = RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG;
  e.synonyms = {s1, s2};
  EXPECT_EQ(format_config_entry(e),
            "  cleanup.policy=compact sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:"
            "cleanup.policy=compact, DEFAULT_CONFIG:log.cleanup.policy=delete}\n");
  config_entry secret;
  secret.name = "ssl.key.password";
  secret.sensitive = true;
  EXPECT_EQ(format_config_entry(secret), "  ssl.key.password=null sensitive=true synonyms={}\n");
}

}  // namespace
}  // namespace sluice::cli
