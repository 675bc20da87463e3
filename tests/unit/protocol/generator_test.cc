// The committed generated code matches the generator: when Kafka's schemas are next to the repo
// (../shared/kafka-protocol), run tools/codegen/generate.py into a temporary folder and compare
// every file with src/protocol/generated. Skipped when the schemas or python3 are absent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> read_tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    files[fs::relative(entry.path(), root).string()] = text.str();
  }
  return files;
}

TEST(generator, committed_output_matches_the_schemas) {
  const fs::path source = SLUICE_SOURCE_DIR;
  const fs::path messages = fs::path(SLUICE_SHARED_DIR) / "kafka-protocol" / "messages";
  if (!fs::is_directory(messages)) {
    GTEST_SKIP() << "Kafka's message definitions are not at " << messages
                 << "; nothing to regenerate from";
  }
  if (std::system("python3 --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 is not installed; cannot run the generator";
  }
  char dir_template[] = "/tmp/sluice-codegen-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const fs::path out = dir_template;
  const std::string command = "python3 '" + (source / "tools/codegen/generate.py").string() +
                              "' --messages '" + messages.string() + "' --out '" + out.string() +
                              "' > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  const auto fresh = read_tree(out);
  const auto committed = read_tree(source / "src/protocol/generated");
  fs::remove_all(out);
  EXPECT_GT(fresh.size(), 200u);
  for (const auto& [name, text] : fresh) {
    auto it = committed.find(name);
    if (it == committed.end()) {
      ADD_FAILURE() << name << " is generated but not committed; run `make codegen`";
    } else if (it->second != text) {
      ADD_FAILURE() << name << " differs from the generator's output; run `make codegen`";
    }
  }
  for (const auto& [name, text] : committed) {
    if (!fresh.contains(name)) ADD_FAILURE() << name << " is committed but no longer generated";
  }
}

}  // namespace
