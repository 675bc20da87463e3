#include "quota/controller_mutation_quota.h"

#include <gtest/gtest.h>

namespace sluice::quota {
namespace {

using ms = std::chrono::milliseconds;

TEST(controller_mutation_quota, a_full_bucket_allows_a_burst_then_refuses) {
  // 2 partitions/s over 3 windows of 1 s: a bucket of 6.
  controller_mutation_quota q(rate_window{3, ms(1000)});
  q.set_quotas({{"clients/app", 2}});
  EXPECT_EQ(q.check("ANONYMOUS", "app", ms(0)), ms(0));
  q.record("ANONYMOUS", "app", 6, ms(0));
  // At zero a mutation may still go ahead (Kafka refuses only below zero), and may take the
  // bucket below zero.
  EXPECT_EQ(q.check("ANONYMOUS", "app", ms(0)), ms(0));
  q.record("ANONYMOUS", "app", 4, ms(0));
  // -4 tokens at 2/s: two seconds to get back to zero.
  EXPECT_EQ(q.check("ANONYMOUS", "app", ms(0)), ms(2000));
  EXPECT_EQ(q.throttle_time("ANONYMOUS", "app", ms(500)), ms(1500));
  EXPECT_EQ(q.check("ANONYMOUS", "app", ms(2000)), ms(0));
  // Another client id has no quota.
  q.record("ANONYMOUS", "other", 1000, ms(0));
  EXPECT_EQ(q.check("ANONYMOUS", "other", ms(0)), ms(0));
}

TEST(controller_mutation_quota, the_bucket_refills_to_its_size_only) {
  controller_mutation_quota q(rate_window{3, ms(1000)});
  q.set_quotas({{"users/<default>", 1}});
  q.record("alice", "x", 1, ms(0));
  // An hour later the bucket holds 3, not 3600.
  q.record("alice", "x", 4, ms(3'600'000));
  EXPECT_EQ(q.check("alice", "x", ms(3'600'000)), ms(1000));
  EXPECT_FALSE(controller_mutation_quota(rate_window{}).enabled());
}

}  // namespace
}  // namespace sluice::quota
