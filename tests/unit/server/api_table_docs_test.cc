// docs/compatibility.md's API table is the broker's own: the block between its markers must be what
// `sluiced --print-api-table` prints (the handler table, which ApiVersions advertises).
#include "handlers/api_table_docs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::handlers {
namespace {

TEST(api_table_docs, committed_table_matches_the_handlers) {
  std::filesystem::path path = std::filesystem::path(SLUICE_SOURCE_DIR) / "docs/compatibility.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string begin = "<!-- api-table:begin -->\n";
  const std::string end = "<!-- api-table:end -->";
  const size_t b = doc.find(begin);
  const size_t e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_TRUE(doc.substr(b + begin.size(), e - b - begin.size()) == render_api_table())
      << "docs/compatibility.md's API table is out of date; paste the output of\n"
         "  build/<dir>/src/server/sluiced --print-api-table\nbetween its markers";
}

TEST(api_table_docs, served_apis_show_their_versions) {
  const std::string table = render_api_table();
  EXPECT_NE(table.find("| 0 | Produce | 0–13 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 68 | ConsumerGroupHeartbeat | 0–1 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 78 | ShareFetch | 1–2 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 93 | StreamsGroupTopologyDescriptionUpdate | not served |"),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace sluice::handlers
