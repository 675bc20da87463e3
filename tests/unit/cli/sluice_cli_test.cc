// Tests of the modern CLI's pieces that need no broker: record format strings, tables, progress,
// usage errors and the bash completion script.
#include <gtest/gtest.h>

#include "cli/output.h"
#include "cli/sluice_commands.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

TEST(SluiceFormat, FormatsRecords) {
  console_record r;
  r.topic = "t";
  r.partition = 1;
  r.offset = 9;
  r.timestamp = 42;
  r.key = "k";
  r.value = "v";
  r.headers = {{"a", "1"}, {"b", std::nullopt}};
  EXPECT_EQ(format_record("%t/%p@%o %k=%v %T [%h] 100%%\\n", r), "t/1@9 k=v 42 [a=1,b=] 100%\n");
}

TEST(SluiceFormat, ParsesInputLinesWithAFormat) {
  auto kv = parse_with_format("%k:%v", "user1:hello:world");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->first, "user1");
  EXPECT_EQ(kv->second, "hello:world");
  auto v = parse_with_format("%v", "just a value");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->first);
  EXPECT_EQ(v->second, "just a value");
  auto framed = parse_with_format("[%k] %v", "[id7] payload");
  ASSERT_TRUE(framed);
  EXPECT_EQ(framed->first, "id7");
  EXPECT_EQ(framed->second, "payload");
  EXPECT_FALSE(parse_with_format("%k:%v", "no separator"));
}

TEST(SluiceOutput, RendersAlignedTables) {
  table t({"NAME", "PARTITIONS"});
  t.add({"orders", "3"});
  t.add({"a", "12"});
  EXPECT_EQ(t.render(false), "NAME    PARTITIONS\norders  3\na       12\n");
  EXPECT_EQ(t.render(true).substr(0, 4), "\033[1m");
}

TEST(SluiceOutput, DrawsProgress) {
  EXPECT_EQ(progress_line(5, 10, 123.4, 10), "[#####.....]  50%  5/10  123 msg/s");
}

TEST(SluiceCli, UsageErrorsExitTwo) {
  testing::internal::CaptureStderr();
  testing::internal::CaptureStdout();
  EXPECT_EQ(sluice_main({}), 2);
  EXPECT_EQ(sluice_main({"topic"}), 2);
  EXPECT_EQ(sluice_main({"topic", "create"}), 2);
  EXPECT_EQ(sluice_main({"--format", "yaml", "topic", "list"}), 2);
  EXPECT_EQ(sluice_main({"--timeout", "soon", "cluster", "info"}), 2);
  EXPECT_EQ(sluice_main({"txn"}), 2);
  EXPECT_EQ(sluice_main({"txn", "abort", "t", "-p", "0"}), 2);  // --start-offset is required
  EXPECT_EQ(sluice_main({"txn", "hanging", "--older-than", "soon"}), 2);
  EXPECT_EQ(sluice_main({"txn", "hanging", "a", "b", "-p", "0"}), 2);
  EXPECT_EQ(sluice_main({"consume", "t", "--isolation-level", "serializable"}), 2);
  EXPECT_EQ(
      sluice_main({"consume", "t", "--read-committed", "--isolation-level", "read_committed"}), 2);
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
}

TEST(SluiceCli, PrintsBashCompletion) {
  testing::internal::CaptureStdout();
  EXPECT_EQ(sluice_main({"completion", "bash"}), 0);
  std::string script = testing::internal::GetCapturedStdout();
  EXPECT_NE(script.find("complete -F _sluice sluice"), std::string::npos);
  EXPECT_NE(script.find("\"topic\") opts=\"create delete list describe alter-config"),
            std::string::npos);
  EXPECT_NE(script.find("--brokers"), std::string::npos);
  EXPECT_NE(script.find("\"txn\") opts=\"list describe producers hanging abort"),
            std::string::npos);
  EXPECT_NE(script.find("\"txn hanging\") opts=\"--help --partition --broker --older-than\""),
            std::string::npos);
  EXPECT_NE(script.find("--isolation-level --read-committed"), std::string::npos);
}

TEST(SluiceCli, UnreachableBrokerIsOneLine) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(sluice_main({"-b", "127.0.0.1:1", "topic", "list"}), 1);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "sluice: Could not reach any broker at 127.0.0.1:1: Connection refused\n");
}

}  // namespace
}  // namespace sluice::cli
