// ACLs of a single broker, in sluice-metadata.json through the embedded metadata store: created,
// enforced, deleted, and still there after a restart.
#include "security/embedded_acl_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "security/acl_manager.h"

namespace sluice::security {
namespace {

class embedded_acl_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-acl-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<cluster::embedded_metadata_store> open_metadata() {
    cluster::embedded_options o;
    o.dir = dir_;
    o.self.id = 0;
    auto store = cluster::embedded_metadata_store::open(o);
    EXPECT_TRUE(store) << (store ? "" : store.message());
    return std::move(*store);
  }

  std::filesystem::path dir_;
};

TEST_F(embedded_acl_store_test, acls_are_enforced_and_survive_a_restart) {
  const identity anonymous{"User:ANONYMOUS", "127.0.0.1"};
  acl_binding read_t{{resource_type::topic, "t", pattern_type::literal},
                     {"User:ANONYMOUS", "*", acl_operation::read, acl_permission::allow}};
  acl_binding deny_p{{resource_type::topic, "t", pattern_type::prefixed},
                     {"User:*", "*", acl_operation::write, acl_permission::deny}};
  {
    auto metadata = open_metadata();
    acl_manager m(std::make_unique<embedded_acl_store>(*metadata), {});
    ASSERT_TRUE(m.load());
    auto created = m.create_acls({read_t, deny_p, read_t});
    ASSERT_EQ(created.size(), 3u);
    for (const auto& c : created) EXPECT_FALSE(c);
    EXPECT_TRUE(
        m.authorizer().authorize(anonymous, acl_operation::read, resource_type::topic, "t"));
    EXPECT_FALSE(
        m.authorizer().authorize(anonymous, acl_operation::write, resource_type::topic, "t"));
    EXPECT_EQ(m.describe({}).size(), 2u);
  }
  // The state file holds Kafka's znode documents under their paths.
  std::ifstream in(dir_ / "sluice-metadata.json");
  auto doc = nlohmann::json::parse(in);
  ASSERT_TRUE(doc.contains("acls"));
  EXPECT_TRUE(doc["acls"].contains("/kafka-acl/Topic/t"));
  EXPECT_TRUE(doc["acls"].contains("/kafka-acl-extended/prefixed/Topic/t"));

  auto metadata = open_metadata();
  acl_manager m(std::make_unique<embedded_acl_store>(*metadata), {});
  ASSERT_TRUE(m.load());
  EXPECT_TRUE(m.authorizer().authorize(anonymous, acl_operation::read, resource_type::topic, "t"));
  auto deleted = m.delete_acls({{{resource_type::topic, "t", pattern_type::any}, {}}});
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].size(), 2u);
  EXPECT_FALSE(m.authorizer().authorize(anonymous, acl_operation::read, resource_type::topic, "t"));
  auto reopened = open_metadata();
  EXPECT_TRUE(reopened->acl_documents().empty());
}

// A filter naming a pattern exactly reaches ACLs even when the cache never saw them (another
// writer's): the store is asked for that pattern.
TEST_F(embedded_acl_store_test, exact_filters_reach_uncached_patterns) {
  auto metadata = open_metadata();
  embedded_acl_store direct(*metadata);
  ASSERT_TRUE(direct.update({resource_type::group, "g", pattern_type::literal}, [](const acl_set&) {
    return acl_set{{"User:x", "*", acl_operation::read, acl_permission::allow}};
  }));
  acl_manager m(std::make_unique<embedded_acl_store>(*metadata), {});  // not loaded
  auto deleted = m.delete_acls({{{resource_type::group, "g", pattern_type::any}, {}}});
  EXPECT_EQ(deleted[0].size(), 1u);
  EXPECT_TRUE(metadata->acl_documents().empty());
}

}  // namespace
}  // namespace sluice::security
