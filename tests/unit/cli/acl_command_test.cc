// Tests of kafka-acls' command line (cli/kafka/acl_command.h): Kafka 3.9's AclCommand checks and
// the ACLs its conveniences expand to.
#include "cli/kafka/acl_command.h"

#include <gtest/gtest.h>

namespace sluice::cli {
namespace {

namespace sec = security;

sluice::result<acl_command, std::string> build(const std::vector<std::string>& args) {
  kafka_tool_parser p("This tool helps to manage acls on kafka.");
  acl_options o;
  define_acl_options(p, o);
  EXPECT_FALSE(p.parse(args));
  return build_acl_command(p, o);
}

std::string usage_error(const std::vector<std::string>& args) {
  auto c = build(args);
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.code();
}

TEST(acl_command, refuses_what_kafkas_tool_refuses) {
  const std::vector<std::string> broker{"--bootstrap-server", "localhost:9092"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), broker.begin(), broker.end());
    return more;
  };
  EXPECT_EQ(usage_error(with({"--topic", "t"})),
            "Command must include exactly one action: --list, --add, --remove. ");
  EXPECT_EQ(usage_error(with({"--add", "--list", "--topic", "t"})),
            "Command must include exactly one action: --list, --add, --remove. ");
  EXPECT_EQ(usage_error(with({"--add", "--producer", "--allow-principal", "User:a"})),
            "With --producer you must specify a --topic");
  EXPECT_EQ(
      usage_error(with({"--add", "--consumer", "--topic", "t", "--allow-principal", "User:a"})),
      "With --consumer you must specify a --topic and a --group and no --cluster or "
      "--transactional-id option should be specified.");
  EXPECT_EQ(usage_error(with({"--add", "--topic", "t"})),
            "You must specify one of: --allow-principal, --deny-principal when trying to add "
            "ACLs.");
  EXPECT_EQ(usage_error(with({"--add", "--allow-principal", "User:a", "--topic", "t",
                              "--resource-pattern-type", "match"})),
            "A '--resource-pattern-type' value of 'MATCH' is not valid when adding acls.");
  // Kafka lists the operations from a hash set, in no fixed order; Sluice by operation code.
  EXPECT_EQ(usage_error(
                with({"--add", "--allow-principal", "User:a", "--operation", "Read", "--cluster"})),
            "ResourceType CLUSTER only supports operations All, Create, Alter, Describe, "
            "ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite");
}

TEST(acl_command, producer_expands_as_kafkas_does) {
  auto c = build({"--bootstrap-server", "b:9092", "--add", "--allow-principal", "User:alice",
                  "--producer", "--idempotent", "--topic", "orders", "--transactional-id", "tx",
                  "--resource-pattern-type", "prefixed"});
  ASSERT_TRUE(c.ok()) << c.code();
  EXPECT_EQ(c->what, acl_command::action::add);
  std::map<sec::resource_type, std::set<sec::acl_operation>> ops;
  for (const auto& [filter, entries] : c->resources)
    for (const auto& e : entries) {
      EXPECT_EQ(e.principal, "User:alice");
      EXPECT_EQ(e.host, "*");
      EXPECT_EQ(e.permission, sec::acl_permission::allow);
      ops[filter.type].insert(e.operation);
      if (filter.type != sec::resource_type::cluster) {
        EXPECT_EQ(filter.pattern, sec::pattern_type::prefixed);
      }
    }
  using op = sec::acl_operation;
  EXPECT_EQ(ops[sec::resource_type::topic], (std::set{op::write, op::create, op::describe}));
  EXPECT_EQ(ops[sec::resource_type::transactional_id], (std::set{op::write, op::describe}));
  EXPECT_EQ(ops[sec::resource_type::cluster], (std::set{op::idempotent_write}));
}

TEST(acl_command, zookeeper_when_authorizer_properties_are_given) {
  auto c = build({"--authorizer-properties", "zookeeper.connect=127.0.0.1:2181/kafka", "--list"});
  ASSERT_TRUE(c.ok()) << c.code();
  EXPECT_TRUE(c->use_zookeeper);
  EXPECT_EQ(c->authorizer_properties.at("zookeeper.connect"), "127.0.0.1:2181/kafka");
}

}  // namespace
}  // namespace sluice::cli
