#include "replication/replication_throttle.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

TEST(replication_throttle, lists_name_partitions_on_brokers_or_every_replica) {
  const cluster::config_map configs{{"leader.replication.throttled.replicas", "0:1, 0:2,3:1"},
                                    {"follower.replication.throttled.replicas", "*"}};
  EXPECT_TRUE(replication_throttle::listed(configs, leader_throttled_replicas, 0, 1));
  EXPECT_TRUE(replication_throttle::listed(configs, leader_throttled_replicas, 0, 2));
  EXPECT_TRUE(replication_throttle::listed(configs, leader_throttled_replicas, 3, 1));
  EXPECT_FALSE(replication_throttle::listed(configs, leader_throttled_replicas, 3, 2));
  EXPECT_FALSE(replication_throttle::listed(configs, leader_throttled_replicas, 1, 1));
  EXPECT_TRUE(replication_throttle::listed(configs, follower_throttled_replicas, 7, 9));
  EXPECT_FALSE(replication_throttle::listed({}, follower_throttled_replicas, 0, 1));
  EXPECT_FALSE(replication_throttle::listed({{"leader.replication.throttled.replicas", ""}},
                                            leader_throttled_replicas, 0, 1));
  EXPECT_FALSE(replication_throttle::listed({{"leader.replication.throttled.replicas", "0:x,:1"}},
                                            leader_throttled_replicas, 0, 1));
}

TEST(replication_throttle, exceeded_only_above_a_bound) {
  replication_throttle t;
  t.record(1 << 30);
  EXPECT_FALSE(t.exceeded());  // unlimited by default
  t.set_bound(1000);
  EXPECT_TRUE(t.exceeded());  // 1 GiB over the window is far above 1000 bytes/s
  replication_throttle fresh;
  fresh.set_bound(1000);
  EXPECT_FALSE(fresh.exceeded());
  fresh.record(100);
  EXPECT_FALSE(fresh.exceeded());  // 100 bytes over a window of at least ten seconds
}

}  // namespace
}  // namespace sluice::replication
