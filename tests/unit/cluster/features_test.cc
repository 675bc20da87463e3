#include "cluster/features.h"

#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

using protocol::error_code;

TEST(features, the_znode_is_kafkas_json) {
  const feature_levels levels{{"group.version", 1}, {"share.version", 1}};
  const std::string json = encode_feature_znode(levels);
  EXPECT_EQ(json, R"({"features":{"group.version":{"max_version_level":1},)"
                  R"("share.version":{"max_version_level":1}},"status":1,"version":2})");
  EXPECT_EQ(decode_feature_znode(json).value(), levels);
  // What a Kafka 3.9 controller writes, a version-1 node, and a disabled one.
  EXPECT_TRUE(decode_feature_znode(R"({"features":{},"version":2,"status":1})").value().empty());
  EXPECT_EQ(
      decode_feature_znode(
          R"({"version":1,"status":1,"features":{"f":{"min_version_level":1,"max_version_level":3}}})")
          .value(),
      (feature_levels{{"f", 3}}));
  EXPECT_TRUE(
      decode_feature_znode(R"({"version":2,"status":0,"features":{"f":{"max_version_level":2}}})")
          .value()
          .empty());
  EXPECT_FALSE(decode_feature_znode(R"({"version":3,"status":1,"features":{}})"));
  EXPECT_FALSE(decode_feature_znode(R"({"version":2,"features":{}})"));
  EXPECT_FALSE(decode_feature_znode("nope"));
}

TEST(features, a_new_cluster_turns_the_group_protocols_on) {
  finalized_features f{0, default_feature_levels()};
  EXPECT_EQ(f.level(group_version_feature), 1);
  EXPECT_EQ(f.level(share_version_feature), 1);
  EXPECT_EQ(f.level("transaction.version"), 0);
}

TEST(features, updates_are_validated_as_kafka_validates_them) {
  const feature_levels current{{"group.version", 1}};
  auto one = [&](feature_update u) { return apply_feature_updates(current, {u}); };
  // Deleting a finalized feature, and adding a supported one.
  auto off = one({"group.version", 0, upgrade_type::safe_downgrade});
  EXPECT_EQ(off.results[0].code, error_code::none);
  EXPECT_TRUE(off.levels.empty());
  auto on = one({"share.version", 1, upgrade_type::upgrade});
  EXPECT_EQ(on.levels, (feature_levels{{"group.version", 1}, {"share.version", 1}}));
  // Kafka's refusals.
  auto refused = [&](feature_update u) {
    auto out = one(u);
    EXPECT_EQ(out.levels, current);
    EXPECT_EQ(out.results[0].code, error_code::invalid_request);
    return out.results[0].message;
  };
  EXPECT_EQ(refused({"", 1, upgrade_type::upgrade}), "Feature name can not be empty.");
  EXPECT_EQ(refused({"group.version", 1, upgrade_type::unknown}), "Received unknown upgrade type.");
  EXPECT_EQ(refused({"share.version", 0, upgrade_type::safe_downgrade}),
            "Can not delete non-existing finalized feature.");
  EXPECT_EQ(refused({"group.version", 0, upgrade_type::upgrade}),
            "Can not provide versionLevel: 0 less than 1 without setting the SAFE downgradeType "
            "in the request.");
  EXPECT_EQ(refused({"group.version", 1, upgrade_type::upgrade}),
            "Can not upgrade a finalized feature from existing versionLevel:1 to the same value.");
  EXPECT_EQ(refused({"group.version", 2, upgrade_type::safe_downgrade}),
            "When the downgradeType is set to SAFE in the request, the provided versionLevel:2 "
            "can not be greater than existing versionLevel:1.");
  EXPECT_EQ(refused({"metadata.version", 21, upgrade_type::upgrade}),
            "Could not apply finalized feature update because the provided feature is not "
            "supported.");
  EXPECT_EQ(refused({"share.version", 2, upgrade_type::upgrade}),
            "Could not apply finalized feature update because the provided versionLevel:2 is "
            "lower than the supported minVersion:0.");
}

}  // namespace
}  // namespace sluice::cluster
