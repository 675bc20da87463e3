// ssl.principal.mapping.rules: the rule syntax and the mapping, checked against the cases Kafka's
// own SslPrincipalMapper tests pin down (the splitting cases show how odd texts are read).
#include "net/ssl_principal_mapper.h"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

std::string split(std::string_view rules) {
  auto m = ssl_principal_mapper::parse(rules);
  EXPECT_TRUE(m.ok()) << rules << ": " << (m.ok() ? "" : m.message());
  return m.ok() ? m->to_string() : "";
}

TEST(ssl_principal_mapper, valid_rules_parse) {
  for (const char* rules : {
           "DEFAULT",
           "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/",
           "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT",
           "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/",
           "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L",
           "RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U",
           "RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/",
           "RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/",
       }) {
    auto m = ssl_principal_mapper::parse(rules);
    EXPECT_TRUE(m.ok()) << rules << ": " << (m.ok() ? "" : m.message());
  }
}

TEST(ssl_principal_mapper, invalid_rules_are_refused_naming_the_rule) {
  for (const char* rules : {
           "default", "DEFAUL", "DEFAULT/L", "DEFAULT/U", "RULE:CN=(.*?),OU=ServiceUsers.*/$1",
           "rule:^CN=(.*?),OU=ServiceUsers.*$/$1/", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U",
           "RULE:^CN=(.*?),OU=ServiceUsers.*$/L", "RULE:^CN=(.*?),OU=ServiceUsers.*$/U",
           "RULE:^CN=(.*?),OU=ServiceUsers.*$/LU",
           "RULE:^CN=((.*$/$1/",  // not a regular expression
       }) {
    auto m = ssl_principal_mapper::parse(rules);
    ASSERT_FALSE(m.ok()) << rules;
    EXPECT_NE(m.message().find("Invalid rule"), std::string::npos) << m.message();
  }
  auto m = ssl_principal_mapper::parse("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.message(),
            "Invalid rule: `RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U`, unmatched substring: `/U`");
}

TEST(ssl_principal_mapper, maps_names_with_the_first_rule_that_applies) {
  auto m = ssl_principal_mapper::parse(
      "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, "
      "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, "
      "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U, "
      "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, "
      "DEFAULT");
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m->name("CN=Duke,OU=ServiceUsers,O=Org,C=US"), "duke");
  EXPECT_EQ(*m->name("CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US"), "duke@sme");
  EXPECT_EQ(*m->name("cn=duke,ou=sme,dc=mycp,dc=com"), "DUKE@SME");
  EXPECT_EQ(*m->name("cN=duke,OU=JavaSoft,O=Sun Microsystems"), "DUKE");
  EXPECT_EQ(*m->name("OU=JavaSoft,O=Sun Microsystems,C=US"), "OU=JavaSoft,O=Sun Microsystems,C=US");
}

TEST(ssl_principal_mapper, the_default_rule_keeps_the_whole_name) {
  auto m = ssl_principal_mapper::parse("DEFAULT");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m->name("CN=client,O=Sluice Test,C=NL"), "CN=client,O=Sluice Test,C=NL");
}

TEST(ssl_principal_mapper, no_applicable_rule_is_an_error) {
  auto m = ssl_principal_mapper::parse("RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/");
  ASSERT_TRUE(m.ok());
  auto name = m->name("CN=someone,OU=Elsewhere");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(
      name.message(),
      "No rules apply to CN=someone,OU=Elsewhere, rules [RULE:^CN=(.*?),OU=ServiceUsers.*$/$1]");
  auto none = ssl_principal_mapper::parse("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->name("CN=x").ok());
}

TEST(ssl_principal_mapper, rules_split_as_kafka_splits_them) {
  EXPECT_EQ(split(""), "[]");
  EXPECT_EQ(split("DEFAULT"), "[DEFAULT]");
  EXPECT_EQ(split("RULE://"), "[RULE:/]");
  EXPECT_EQ(split("RULE:/.*/"), "[RULE:/.*]");
  EXPECT_EQ(split("RULE:/.*/L"), "[RULE:/.*/L]");
  EXPECT_EQ(split("RULE://,DEFAULT"), "[RULE:/, DEFAULT]");
  EXPECT_EQ(split("  RULE:// ,  DEFAULT  "), "[RULE:/, DEFAULT]");
  EXPECT_EQ(split("  RULE:   /     / ,  DEFAULT  "), "[RULE:   /     , DEFAULT]");
  EXPECT_EQ(split("  RULE:  /     /U   ,DEFAULT  "), "[RULE:  /     /U, DEFAULT]");
  EXPECT_EQ(split("  RULE:([A-Z]*)/$1/U   ,RULE:([a-z]+)/$1/,   DEFAULT  "),
            "[RULE:([A-Z]*)/$1/U, RULE:([a-z]+)/$1, DEFAULT]");
  // Empty rules are skipped.
  EXPECT_EQ(split(",   , , ,      , , ,   "), "[]");
  EXPECT_EQ(split(",,RULE://,,,DEFAULT,,"), "[RULE:/, DEFAULT]");
  EXPECT_EQ(split(",  , RULE: /   /    ,,,   DEFAULT, ,   "), "[RULE: /   , DEFAULT]");
  EXPECT_EQ(split("     ,  , RULE:   /  /U    ,,  ,DEFAULT, ,"), "[RULE:   /  /U, DEFAULT]");
  // Escapes stay as written.
  EXPECT_EQ(split(R"(RULE:\/\\\(\)\n\t/\/\//)"), R"([RULE:\/\\\(\)\n\t/\/\/])");
  EXPECT_EQ(split(R"(RULE:\**\/+/*/L,RULE:\/*\**/**/)"), R"([RULE:\**\/+/*/L, RULE:\/*\**/**])");
  // Commas belong to a pattern or replacement; only what follows the last slash ends at one.
  EXPECT_EQ(
      split(
          R"(RULE:,RULE:,/,RULE:,\//U,RULE:,/RULE:,/,RULE:,RULE:,/L,RULE:,/L,RULE:, DEFAULT, /DEFAULT/,DEFAULT)"),
      R"([RULE:,RULE:,/,RULE:,\//U, RULE:,/RULE:,, RULE:,RULE:,/L,RULE:,/L, RULE:, DEFAULT, /DEFAULT, DEFAULT])");
}

TEST(ssl_principal_mapper, escaped_commas_in_names) {
  auto m = ssl_principal_mapper::parse(R"(RULE:^CN=((\\, *|\w)+)(,.*|$)/$1/,DEFAULT)");
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m->name(R"(CN=Tkac\, Adam,OU=ITZ,DC=geodis,DC=cz)"), R"(Tkac\, Adam)");
}

TEST(ssl_principal_mapper, replacements_as_java_reads_them) {
  // A group the pattern lacks is literal text; \$ is a dollar; $12 with one group is group 1, "2".
  auto m = ssl_principal_mapper::parse(R"(RULE:^CN=([a-z]+),.*$/$1-$7-\$1-$12/)");
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(*m->name("CN=alice,O=x"), "alice-$7-$1-alice2");
  // An escaped slash is a slash in both the pattern and the replacement.
  auto s = ssl_principal_mapper::parse(R"(RULE:^CN=([a-z]+)\/(.*)$/$2\/$1/)");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*s->name("CN=a/b"), "b/a");
}

}  // namespace
}  // namespace sluice::net
