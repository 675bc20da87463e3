// Tests of argparse4j-style parsing (cli/kafka/argparse.h) with kafka-transactions' command line:
// Kafka's failing cases from TransactionsCommandTest, argparse4j's usage and error text.
#include "cli/kafka/argparse.h"

#include <gtest/gtest.h>

#include "cli/kafka/kafka_transactions.h"

namespace sluice::cli {
namespace {

const std::string main_usage =
    "usage: kafka-transactions.sh [-h] [-v] [--command-config FILE]\n"
    "                             --bootstrap-server host:port COMMAND ...\n";

// The error text with argparse4j's wrapping and justification undone.
std::string unwrapped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == ' ') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

parse_outcome parse(std::vector<std::string> args) {
  return kafka_transactions_parser().parse(args);
}

std::vector<std::string> with_server(std::vector<std::string> rest) {
  std::vector<std::string> args = {"--bootstrap-server", "localhost:9092"};
  args.insert(args.end(), rest.begin(), rest.end());
  return args;
}

TEST(Argparse, ParsesCommandAndOptions) {
  auto o = parse(with_server({"describe-producers", "--topic", "foo", "--partition=5"}));
  ASSERT_TRUE(o.args) << o.err;
  EXPECT_EQ(o.args->command, "describe-producers");
  EXPECT_EQ(o.args->text("bootstrap-server"), "localhost:9092");
  EXPECT_EQ(o.args->text("topic"), "foo");
  EXPECT_EQ(o.args->number("partition"), 5);
  EXPECT_FALSE(o.args->has("broker-id"));
}

TEST(Argparse, NegativeNumbersAreValues) {
  auto o = parse(with_server({"abort", "--topic", "foo", "--partition", "0", "--producer-id",
                              "12345", "--producer-epoch", "15", "--coordinator-epoch", "-1"}));
  ASSERT_TRUE(o.args) << o.err;
  EXPECT_EQ(o.args->number("coordinator-epoch"), -1);
  EXPECT_EQ(o.args->number("producer-epoch"), 15);
}

TEST(Argparse, UniquePrefixesOfLongNames) {
  auto o = parse(with_server({"describe", "--trans", "bar"}));
  ASSERT_TRUE(o.args) << o.err;
  EXPECT_EQ(o.args->text("transactional-id"), "bar");
  auto amb = parse(with_server({"abort", "--topic", "t", "--p", "0"}));
  EXPECT_FALSE(amb.args);
  EXPECT_NE(unwrapped(amb.err).find("kafka-transactions.sh: error: ambiguous option: --p could "
                                    "match --partition, --producer-id, --producer-epoch"),
            std::string::npos)
      << amb.err;
}

TEST(Argparse, DefaultsApplyWhenAbsent) {
  auto o = parse(with_server({"find-hanging", "--broker-id", "0"}));
  ASSERT_TRUE(o.args) << o.err;
  EXPECT_EQ(o.args->number("max-transaction-timeout"), 15);
}

TEST(Argparse, NoCommandIsTooFewArguments) {
  auto o = parse(with_server({}));
  EXPECT_FALSE(o.args);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err, main_usage + "kafka-transactions.sh: error: too few arguments\n");
  EXPECT_EQ(parse({}).err, o.err);
}

TEST(Argparse, MissingServerIsReportedAfterTheCommand) {
  auto o = parse({"describe", "--transactional-id", "foo"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err,
            main_usage + "kafka-transactions.sh: error: argument --bootstrap-server is required\n");
  // An unknown word of the command wins: argparse4j throws it before the deferred error.
  auto u = parse({"list", "--bootstrap-server", "x"});
  EXPECT_EQ(u.err,
            "usage: kafka-transactions.sh --bootstrap-server host:port list [-h]\n"
            "                             [--duration-filter DURATION_FILTER]\n"
            "kafka-transactions.sh: error: unrecognized arguments: '--bootstrap-server'\n");
}

// TransactionsCommandTest's assertCommandFailure cases that fail while parsing.
TEST(Argparse, RequiredOptionsOfCommands) {
  auto no_topic = parse(with_server({"describe-producers", "--partition", "0"}));
  EXPECT_EQ(no_topic.exit_code, 1);
  EXPECT_EQ(no_topic.err,
            "usage: kafka-transactions.sh --bootstrap-server host:port\n"
            "                             describe-producers [-h]\n"
            "                             [--broker-id BROKER_ID] --topic TOPIC\n"
            "                             --partition PARTITION\n"
            "kafka-transactions.sh: error: argument --topic is required\n");
  auto no_partition = parse(with_server({"describe-producers", "--topic", "foo"}));
  EXPECT_NE(no_partition.err.find("error: argument --partition is required\n"), std::string::npos);
  auto no_id = parse(with_server({"describe"}));
  EXPECT_EQ(no_id.err,
            "usage: kafka-transactions.sh --bootstrap-server host:port describe [-h]\n"
            "                             --transactional-id TRANSACTIONAL_ID\n"
            "kafka-transactions.sh: error: argument --transactional-id is required\n");
  EXPECT_FALSE(parse(with_server({"abort", "--partition", "0", "--start-offset", "9990"})).args);
  EXPECT_FALSE(parse(with_server({"abort", "--topic", "foo", "--start-offset", "9990"})).args);
}

TEST(Argparse, ValuesConvertAsJavaDoes) {
  auto bad_int = parse(with_server({"describe-producers", "--topic", "t", "--partition", "x"}));
  EXPECT_NE(bad_int.err.find("argument --partition:  could  not convert 'x'\nto Integer (For "
                             "input string: \"x\")\n"),
            std::string::npos)
      << bad_int.err;
  auto big = parse(with_server({"list", "--duration-filter", "99999999999999999999"}));
  EXPECT_NE(unwrapped(big.err).find("error: argument --duration-filter: could not convert "
                                    "'99999999999999999999' to Long (For input string: "
                                    "\"99999999999999999999\")"),
            std::string::npos)
      << big.err;
  auto shorty = parse(with_server({"abort", "--topic", "t", "--partition", "0", "--producer-id",
                                   "1", "--producer-epoch", "40000"}));
  EXPECT_NE(shorty.err.find("Value out of range. Value:\"40000\" Radix:10"), std::string::npos)
      << shorty.err;
  auto missing = parse(with_server({"describe", "--transactional-id"}));
  EXPECT_NE(
      unwrapped(missing.err).find("error: argument --transactional-id: expected one argument"),
      std::string::npos)
      << missing.err;
}

TEST(Argparse, UnknownCommand) {
  auto o = parse(with_server({"frobnicate"}));
  EXPECT_EQ(o.err, main_usage +
                       "kafka-transactions.sh: error:  invalid  choice:  'frobnicate'  (choose "
                       "from\n'list', 'describe', 'describe-producers', 'abort', "
                       "'find-hanging')\n");
}

TEST(Argparse, HelpGoesToStdoutAndExitsOne) {
  auto o = parse({"-h"});
  EXPECT_FALSE(o.args);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(o.err.empty());
  EXPECT_EQ(o.out.rfind(main_usage, 0), 0u);
  EXPECT_NE(o.out.find("\ncommands:\n  COMMAND\n    list                 list transactions\n"),
            std::string::npos)
      << o.out;
  auto sub = parse(with_server({"abort", "--help"}));
  EXPECT_NE(sub.out.find("\nBrokers on versions older than 3.0:\n"), std::string::npos);
  auto v = parse({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, "0.1.0 (Sluice)\n");
}

TEST(Argparse, WrapJustifiesFullLines) {
  EXPECT_EQ(argparse_wrap("aaa bbb ccc ddd", 10, 0, ""), "aaa    bbb\nccc ddd");
  EXPECT_EQ(argparse_wrap("one two", 75, 0, ""), "one two");
  EXPECT_EQ(argparse_wrap("comma-separated", 8, 0, ">"), "comma-\n>separated");
}

}  // namespace
}  // namespace sluice::cli
