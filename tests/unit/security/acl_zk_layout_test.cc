// Known answers for Kafka's ACL znodes (ZkData.scala: ZkAclStore, ResourceZNode, the change
// stores) and for the names and text of Kafka's ACL classes.
#include "security/acl_zk_layout.h"

#include <gtest/gtest.h>

namespace sluice::security {
namespace {

namespace layout = acl_zk_layout;

TEST(acl_zk_layout, resource_paths_as_kafka_stores_them) {
  EXPECT_EQ(layout::resource_path({resource_type::topic, "orders", pattern_type::literal}),
            "/kafka-acl/Topic/orders");
  EXPECT_EQ(layout::resource_path({resource_type::cluster, "kafka-cluster", pattern_type::literal}),
            "/kafka-acl/Cluster/kafka-cluster");
  EXPECT_EQ(layout::resource_path({resource_type::transactional_id, "tx-", pattern_type::prefixed}),
            "/kafka-acl-extended/prefixed/TransactionalId/tx-");
  EXPECT_EQ(layout::resource_path({resource_type::delegation_token, "*", pattern_type::literal}),
            "/kafka-acl/DelegationToken/*");
  auto back = layout::resource_of_path("/kafka-acl-extended/prefixed/Group/app-");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (resource_pattern{resource_type::group, "app-", pattern_type::prefixed}));
  EXPECT_FALSE(layout::resource_of_path("/kafka-acl/Nonsense/x"));
  EXPECT_FALSE(layout::resource_of_path("/kafka-acl/Topic"));
}

TEST(acl_zk_layout, persistent_paths_are_kafkas_create_acl_paths) {
  auto paths = layout::persistent_paths();
  std::set<std::string> set(paths.begin(), paths.end());
  for (auto p :
       {"/kafka-acl", "/kafka-acl/Topic", "/kafka-acl/Group", "/kafka-acl/Cluster",
        "/kafka-acl/TransactionalId", "/kafka-acl/DelegationToken", "/kafka-acl/User",
        "/kafka-acl-extended/prefixed", "/kafka-acl-extended/prefixed/Topic",
        "/kafka-acl-extended/prefixed/User", "/kafka-acl-changes", "/kafka-acl-extended-changes"})
    EXPECT_TRUE(set.contains(p)) << p;
  EXPECT_EQ(paths.size(), 16u);
}

TEST(acl_zk_layout, acl_json_known_answer) {
  acl_set acls{{"User:alice", "*", acl_operation::read, acl_permission::allow},
               {"User:bob", "10.0.0.1", acl_operation::idempotent_write, acl_permission::deny}};
  // Kafka's AclEntry.toJsonCompatibleMap written by Jackson: HashMap key order.
  EXPECT_EQ(layout::encode_acls(acls),
            R"({"acls":[{"principal":"User:alice","permissionType":"Allow","host":"*",)"
            R"("operation":"Read"},{"principal":"User:bob","permissionType":"Deny",)"
            R"("host":"10.0.0.1","operation":"IdempotentWrite"}],"version":1})");
  auto back = layout::decode_acls(layout::encode_acls(acls));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, acls);
}

TEST(acl_zk_layout, decodes_what_kafka_and_its_docs_write) {
  // ZkData's own example, with the keys in another order.
  auto acls = layout::decode_acls(
      R"({"version": 1, "acls": [ { "host":"host1", "permissionType": "Allow","operation": "Read","principal": "User:alice"}]})");
  ASSERT_TRUE(acls) << acls.message();
  ASSERT_EQ(acls->size(), 1u);
  EXPECT_EQ(*acls->begin(),
            (acl_entry{"User:alice", "host1", acl_operation::read, acl_permission::allow}));
  // SecurityUtils also reads the upper-case names.
  auto upper = layout::decode_acls(
      R"({"version":1,"acls":[{"host":"*","permissionType":"DENY","operation":"CLUSTERACTION","principal":"User:x"}]})");
  ASSERT_TRUE(upper) << upper.message();
  EXPECT_EQ(upper->begin()->operation, acl_operation::cluster_action);
  EXPECT_EQ(upper->begin()->permission, acl_permission::deny);
  EXPECT_TRUE(layout::decode_acls("")->empty());
  EXPECT_FALSE(layout::decode_acls(R"({"version":2,"acls":[]})"));
  EXPECT_FALSE(layout::decode_acls(R"({"version":1,"acls":[{"host":"*"}]})"));
  EXPECT_FALSE(layout::decode_acls(
      R"({"version":1,"acls":[{"host":"*","permissionType":"Allow","operation":"Fly","principal":"User:x"}]})"));
  EXPECT_FALSE(layout::decode_acls("not json"));
}

TEST(acl_zk_layout, change_notices_known_answers) {
  resource_pattern literal{resource_type::topic, "orders", pattern_type::literal};
  resource_pattern prefixed{resource_type::transactional_id, "tx-", pattern_type::prefixed};
  EXPECT_EQ(layout::change_root(pattern_type::literal), "/kafka-acl-changes");
  EXPECT_EQ(layout::change_root(pattern_type::prefixed), "/kafka-acl-extended-changes");
  // LiteralAclChangeStore: ResourceType.toString (the enum name), ':', the name.
  EXPECT_EQ(layout::encode_change(literal), "TOPIC:orders");
  // ExtendedAclChangeEvent, bean properties in declaration order.
  EXPECT_EQ(
      layout::encode_change(prefixed),
      R"({"version":1,"resourceType":"TRANSACTIONAL_ID","name":"tx-","patternType":"PREFIXED"})");
  EXPECT_EQ(*layout::decode_change("/kafka-acl-changes", "TOPIC:orders"), literal);
  EXPECT_EQ(*layout::decode_change("/kafka-acl-changes", "Topic:a:b"),
            (resource_pattern{resource_type::topic, "a:b", pattern_type::literal}));
  EXPECT_EQ(*layout::decode_change("/kafka-acl-extended-changes", layout::encode_change(prefixed)),
            prefixed);
  EXPECT_FALSE(layout::decode_change("/kafka-acl-changes", "orders"));
  EXPECT_FALSE(layout::decode_change(
      "/kafka-acl-extended-changes",
      R"({"version":2,"resourceType":"TOPIC","name":"a","patternType":"PREFIXED"})"));
  EXPECT_EQ(layout::change_sequence("acl_changes_0000000042"), 42);
  EXPECT_FALSE(layout::change_sequence("config_change_0000000042"));
}

TEST(acl_names, kafka_codes_names_and_text) {
  EXPECT_EQ(static_cast<int>(operation_from_code(12)),
            static_cast<int>(acl_operation::idempotent_write));
  EXPECT_EQ(operation_from_code(99), acl_operation::unknown);
  EXPECT_EQ(resource_type_from_code(5), resource_type::transactional_id);
  EXPECT_EQ(pattern_type_from_code(4), pattern_type::prefixed);
  EXPECT_EQ(permission_from_code(2), acl_permission::deny);
  EXPECT_EQ(parse_operation("IdempotentWrite"), acl_operation::idempotent_write);
  EXPECT_EQ(parse_operation("idempotentwrite"), acl_operation::idempotent_write);
  EXPECT_EQ(parse_operation("Describe_Configs"), acl_operation::describe_configs);
  EXPECT_EQ(parse_operation("Fly"), acl_operation::unknown);
  EXPECT_EQ(parse_pattern_type("prefixed"), pattern_type::prefixed);
  EXPECT_EQ(parse_resource_type("TransactionalId"), resource_type::transactional_id);
  EXPECT_EQ(to_string(resource_pattern{resource_type::topic, "t", pattern_type::literal}),
            "ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)");
  EXPECT_EQ(
      to_string(resource_pattern_filter{resource_type::group, std::nullopt, pattern_type::any}),
      "ResourcePattern(resourceType=GROUP, name=<any>, patternType=ANY)");
  EXPECT_EQ(to_string(acl_entry{"User:a", "*", acl_operation::remove, acl_permission::allow}),
            "(principal=User:a, host=*, operation=DELETE, permissionType=ALLOW)");
}

TEST(acl_names, filters_match_as_kafkas) {
  resource_pattern lit{resource_type::topic, "orders", pattern_type::literal};
  resource_pattern star{resource_type::topic, "*", pattern_type::literal};
  resource_pattern pre{resource_type::topic, "ord", pattern_type::prefixed};
  resource_pattern_filter any_orders{resource_type::topic, "orders", pattern_type::any};
  EXPECT_TRUE(any_orders.matches(lit));
  EXPECT_FALSE(any_orders.matches(star));
  EXPECT_FALSE(any_orders.matches(pre));
  resource_pattern_filter match_orders{resource_type::topic, "orders", pattern_type::match};
  EXPECT_TRUE(match_orders.matches(lit));
  EXPECT_TRUE(match_orders.matches(star));
  EXPECT_TRUE(match_orders.matches(pre));
  EXPECT_FALSE(match_orders.matches({resource_type::topic, "orx", pattern_type::prefixed}));
  resource_pattern_filter prefixed_only{resource_type::any, std::nullopt, pattern_type::prefixed};
  EXPECT_TRUE(prefixed_only.matches(pre));
  EXPECT_FALSE(prefixed_only.matches(lit));
  EXPECT_TRUE(any_orders.matches_at_most_one());
  EXPECT_FALSE(match_orders.matches_at_most_one());
  acl_entry e{"User:a", "h", acl_operation::read, acl_permission::allow};
  EXPECT_TRUE((acl_entry_filter{}).matches(e));
  EXPECT_FALSE((acl_entry_filter{.host = "*"}).matches(e));
  EXPECT_FALSE((acl_entry_filter{.operation = acl_operation::all}).matches(e));
  EXPECT_TRUE((acl_entry_filter{.permission = acl_permission::allow}).matches(e));
}

TEST(acl_names, invalid_bindings_kafka_refuses) {
  acl_binding ok{{resource_type::topic, "t", pattern_type::literal},
                 {"User:a", "*", acl_operation::read, acl_permission::allow}};
  EXPECT_FALSE(invalid_binding(ok));
  auto slash = ok;
  slash.pattern.name = "a/b";
  EXPECT_TRUE(invalid_binding(slash));
  auto unknown = ok;
  unknown.entry.operation = acl_operation::unknown;
  EXPECT_TRUE(invalid_binding(unknown));
  auto any = ok;
  any.pattern.pattern = pattern_type::match;
  EXPECT_TRUE(invalid_binding(any));
  auto no_type = ok;
  no_type.entry.principal = "alice";
  EXPECT_TRUE(invalid_binding(no_type));
}

}  // namespace
}  // namespace sluice::security
