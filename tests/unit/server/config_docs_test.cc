#include "server/config_docs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/config_catalogue.h"

namespace sluice::server {
namespace {

TEST(config_docs, committed_docs_match_the_catalogue) {
  std::filesystem::path path = std::filesystem::path(SLUICE_SOURCE_DIR) / "docs/configuration.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == render_config_docs())
      << "docs/configuration.md is out of date; regenerate it with\n"
         "  build/<dir>/src/server/sluiced --print-config-docs > docs/configuration.md";
}

TEST(config_docs, every_key_is_documented_with_its_default) {
  std::string docs = render_config_docs();
  for (const auto& k : config_catalogue()) {
    std::string row = "| `" + k.name + "` | ";
    size_t at = docs.find(row);
    ASSERT_NE(at, std::string::npos) << k.name;
    std::string line = docs.substr(at, docs.find('\n', at) - at);
    std::string shown = !k.default_value ? "null"
                        : k.default_value->empty()
                            ? "\"\""  // an empty string, as "" (authorizer.class.name)
                            : "`" + *k.default_value + "`";
    EXPECT_NE(line.find(shown), std::string::npos) << line;
    EXPECT_FALSE(k.doc.empty()) << k.name;
  }
}

}  // namespace
}  // namespace sluice::server
