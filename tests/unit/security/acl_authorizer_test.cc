// The authorizer as a state machine: every matching rule of Kafka's AclAuthorizer, fed through
// set_acls/replace_all as the store would.
#include "security/acl_authorizer.h"

#include <gtest/gtest.h>

namespace sluice::security {
namespace {

using o = acl_operation;
using r = resource_type;

const identity alice{"User:alice", "10.0.0.1"};
const identity bob{"User:bob", "10.0.0.2"};

acl_entry allow(std::string principal, acl_operation op, std::string host = "*") {
  return {std::move(principal), std::move(host), op, acl_permission::allow};
}
acl_entry deny(std::string principal, acl_operation op, std::string host = "*") {
  return {std::move(principal), std::move(host), op, acl_permission::deny};
}
resource_pattern literal(resource_type t, std::string name) {
  return {t, std::move(name), pattern_type::literal};
}
resource_pattern prefixed(resource_type t, std::string name) {
  return {t, std::move(name), pattern_type::prefixed};
}

TEST(acl_authorizer, no_acls_denies_unless_allow_everyone) {
  acl_authorizer strict({});
  EXPECT_FALSE(strict.authorize(alice, o::read, r::topic, "t"));
  acl_authorizer open({.allow_everyone_if_no_acl_found = true});
  EXPECT_TRUE(open.authorize(alice, o::read, r::topic, "t"));
  EXPECT_TRUE(open.authorize(alice, o::cluster_action, r::cluster, "kafka-cluster"));
}

TEST(acl_authorizer, allow_everyone_applies_only_to_resources_without_any_acl) {
  acl_authorizer a({.allow_everyone_if_no_acl_found = true});
  a.set_acls(literal(r::topic, "t"), {allow("User:bob", o::read)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));  // t has ACLs, none for alice
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "u"));   // u has none
  // A wildcard ACL gives every topic ACLs.
  a.set_acls(literal(r::topic, "*"), {allow("User:bob", o::write)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "u"));
}

TEST(acl_authorizer, literal_acl_matches_only_its_name_and_type) {
  acl_authorizer a({});
  a.set_acls(literal(r::topic, "orders"), {allow("User:alice", o::read)});
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "orders"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "orders2"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "order"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::group, "orders"));
  EXPECT_FALSE(a.authorize(bob, o::read, r::topic, "orders"));
  EXPECT_FALSE(a.authorize(alice, o::write, r::topic, "orders"));
}

TEST(acl_authorizer, wildcard_resource_matches_every_name) {
  acl_authorizer a({});
  a.set_acls(literal(r::group, "*"), {allow("User:alice", o::read)});
  EXPECT_TRUE(a.authorize(alice, o::read, r::group, "g1"));
  EXPECT_TRUE(a.authorize(alice, o::read, r::group, "anything"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "g1"));
}

TEST(acl_authorizer, prefixed_acl_matches_names_starting_with_it) {
  acl_authorizer a({});
  a.set_acls(prefixed(r::topic, "fin-"), {allow("User:alice", o::write)});
  EXPECT_TRUE(a.authorize(alice, o::write, r::topic, "fin-"));
  EXPECT_TRUE(a.authorize(alice, o::write, r::topic, "fin-ledger"));
  EXPECT_FALSE(a.authorize(alice, o::write, r::topic, "fin"));
  EXPECT_FALSE(a.authorize(alice, o::write, r::topic, "xfin-ledger"));
  // A prefixed "*" is a literal prefix, not a wildcard.
  a.set_acls(prefixed(r::topic, "*"), {allow("User:alice", o::read)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "ledger"));
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "*x"));
}

TEST(acl_authorizer, deny_beats_allow_wherever_they_come_from) {
  acl_authorizer a({});
  a.set_acls(literal(r::topic, "*"), {allow("User:*", o::all)});
  a.set_acls(prefixed(r::topic, "secret-"), {deny("User:alice", o::read)});
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "public"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "secret-plans"));
  EXPECT_TRUE(a.authorize(alice, o::write, r::topic, "secret-plans"));  // only READ denied
  EXPECT_TRUE(a.authorize(bob, o::read, r::topic, "secret-plans"));
  // The same resource allowing and denying: deny wins.
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::read), deny("User:alice", o::read)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));
  // A deny for everyone (User:*, host *, ALL).
  a.set_acls(literal(r::topic, "closed"), {deny("User:*", o::all)});
  EXPECT_FALSE(a.authorize(bob, o::describe, r::topic, "closed"));
}

TEST(acl_authorizer, implied_operations_for_allow_only) {
  acl_authorizer a({});
  for (auto op : {o::read, o::write, o::remove, o::alter}) {
    a.set_acls(literal(r::topic, "t"), {allow("User:alice", op)});
    EXPECT_TRUE(a.authorize(alice, o::describe, r::topic, "t")) << static_cast<int>(op);
    EXPECT_FALSE(a.authorize(alice, o::describe_configs, r::topic, "t"));
  }
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::create)});
  EXPECT_FALSE(a.authorize(alice, o::describe, r::topic, "t"));  // CREATE implies nothing
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::alter_configs)});
  EXPECT_TRUE(a.authorize(alice, o::describe_configs, r::topic, "t"));
  EXPECT_FALSE(a.authorize(alice, o::describe, r::topic, "t"));
  // DESCRIBE does not imply READ; a DENY of READ does not deny DESCRIBE.
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::describe)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::all), deny("User:alice", o::read)});
  EXPECT_TRUE(a.authorize(alice, o::describe, r::topic, "t"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));
  // ...but a DENY of DESCRIBE denies DESCRIBE even with READ allowed.
  a.set_acls(literal(r::topic, "t"),
             {allow("User:alice", o::read), deny("User:alice", o::describe)});
  EXPECT_FALSE(a.authorize(alice, o::describe, r::topic, "t"));
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "t"));
}

TEST(acl_authorizer, all_operation_and_wildcard_principal) {
  acl_authorizer a({});
  a.set_acls(literal(r::cluster, "kafka-cluster"), {allow("User:*", o::all)});
  EXPECT_TRUE(a.authorize(bob, o::cluster_action, r::cluster, "kafka-cluster"));
  EXPECT_TRUE(a.authorize(bob, o::idempotent_write, r::cluster, "kafka-cluster"));
  // Only the User type has a wildcard.
  a.set_acls(literal(r::topic, "t"), {allow("Group:*", o::read)});
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));
}

TEST(acl_authorizer, host_must_match_unless_wildcard) {
  acl_authorizer a({});
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::read, "10.0.0.1")});
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "t"));
  EXPECT_FALSE(a.authorize({"User:alice", "10.0.0.9"}, o::read, r::topic, "t"));
  a.set_acls(literal(r::topic, "t"),
             {allow("User:alice", o::read), deny("User:alice", o::read, "10.0.0.9")});
  EXPECT_TRUE(a.authorize(alice, o::read, r::topic, "t"));
  EXPECT_FALSE(a.authorize({"User:alice", "10.0.0.9"}, o::read, r::topic, "t"));
}

TEST(acl_authorizer, super_users_skip_every_acl) {
  acl_authorizer a({.super_users = {"User:admin"}});
  a.set_acls(literal(r::topic, "t"), {deny("User:*", o::all)});
  EXPECT_TRUE(a.authorize({"User:admin", "1.2.3.4"}, o::read, r::topic, "t"));
  EXPECT_TRUE(a.authorize({"User:admin", "1.2.3.4"}, o::alter, r::cluster, "kafka-cluster"));
  EXPECT_FALSE(a.authorize(alice, o::read, r::topic, "t"));
  EXPECT_EQ(a.authorized_operations({"User:admin", "h"}, r::group, "g"),
            (1 << 3) | (1 << 6) | (1 << 8));
}

TEST(acl_authorizer, parses_super_users_as_kafka_does) {
  auto users = parse_super_users(" User:admin ;User:alice");
  ASSERT_TRUE(users);
  EXPECT_EQ(*users, (std::set<std::string>{"User:admin", "User:alice"}));
  EXPECT_TRUE(parse_super_users("")->empty());
  EXPECT_FALSE(parse_super_users("admin"));
}

TEST(acl_authorizer, authorized_operations_bit_field) {
  acl_authorizer a({});
  a.set_acls(literal(r::topic, "t"),
             {allow("User:alice", o::read), allow("User:alice", o::alter_configs)});
  // READ(3), DESCRIBE(8) implied, ALTER_CONFIGS(11), DESCRIBE_CONFIGS(10) implied.
  EXPECT_EQ(a.authorized_operations(alice, r::topic, "t"),
            (1 << 3) | (1 << 8) | (1 << 10) | (1 << 11));
  EXPECT_EQ(a.authorized_operations(bob, r::topic, "t"), 0);
  acl_authorizer open({.allow_everyone_if_no_acl_found = true});
  EXPECT_EQ(open.authorized_operations(bob, r::cluster, "kafka-cluster"),
            (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12));
  EXPECT_EQ(open.authorized_operations(bob, r::transactional_id, "x"), (1 << 4) | (1 << 8));
}

// Kafka's authorizeByResourceType (KIP-679), as InitProducerId uses it.
TEST(acl_authorizer, authorize_any_resource_of_a_type) {
  acl_authorizer a({});
  EXPECT_FALSE(a.authorize_any(alice, o::write, r::topic));
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::write)});
  EXPECT_TRUE(a.authorize_any(alice, o::write, r::topic));
  EXPECT_FALSE(a.authorize_any(bob, o::write, r::topic));
  EXPECT_FALSE(a.authorize_any(alice, o::read, r::topic));
  // Denied on exactly that literal: nothing left.
  a.set_acls(literal(r::topic, "t"), {allow("User:alice", o::write), deny("User:alice", o::write)});
  EXPECT_FALSE(a.authorize_any(alice, o::write, r::topic));
  // An allowed prefix that no denied prefix covers.
  a.set_acls(prefixed(r::topic, "app-"), {allow("User:alice", o::write)});
  EXPECT_TRUE(a.authorize_any(alice, o::write, r::topic));
  a.set_acls(prefixed(r::topic, "app"), {deny("User:alice", o::write)});
  EXPECT_FALSE(a.authorize_any(alice, o::write, r::topic));
  // A denied "*" literal denies everything, even with allow.everyone.if.no.acl.found.
  acl_authorizer open({.allow_everyone_if_no_acl_found = true});
  EXPECT_TRUE(open.authorize_any(alice, o::write, r::topic));
  open.set_acls(literal(r::topic, "*"), {deny("User:*", o::write)});
  EXPECT_FALSE(open.authorize_any(alice, o::write, r::topic));
}

TEST(acl_authorizer, acls_filter_and_replace_all) {
  acl_authorizer a({});
  a.replace_all({{literal(r::topic, "t"), {allow("User:alice", o::read)}},
                 {prefixed(r::topic, "t"), {deny("User:bob", o::write)}},
                 {literal(r::group, "g"), {allow("User:alice", o::read)}},
                 {literal(r::topic, "empty"), {}}});
  EXPECT_EQ(a.patterns().size(), 3u);
  EXPECT_EQ(a.acls({}).size(), 3u);
  acl_binding_filter topics{{r::topic, std::nullopt, pattern_type::any}, {}};
  EXPECT_EQ(a.acls(topics).size(), 2u);
  acl_binding_filter match{{r::topic, "tx", pattern_type::match}, {}};
  ASSERT_EQ(a.acls(match).size(), 1u);  // the prefixed "t", not the literal "t"
  EXPECT_EQ(a.acls(match)[0].pattern.pattern, pattern_type::prefixed);
  acl_binding_filter exact{{r::topic, "t", pattern_type::any}, {}};
  EXPECT_EQ(a.acls(exact).size(), 2u);
  acl_binding_filter bob_only{{}, {.principal = "User:bob"}};
  EXPECT_EQ(a.acls(bob_only).size(), 1u);
  a.set_acls(literal(r::topic, "t"), {});
  EXPECT_EQ(a.acls({}).size(), 2u);
}

}  // namespace
}  // namespace sluice::security
