#include "base/sampled_rate.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using ms = std::chrono::milliseconds;

TEST(sampled_rate, a_first_sample_counts_over_the_minimum_window) {
  sampled_rate r;  // 11 samples of 1 s
  r.record(100, ms(0));
  // As Kafka's Rate: at least samples-1 full windows, so 100 over 10 s.
  EXPECT_EQ(r.window_size(ms(0)), ms(10000));
  EXPECT_DOUBLE_EQ(r.measure(ms(0)), 10.0);
  EXPECT_DOUBLE_EQ(r.measure(ms(5000)), 10.0);
}

TEST(sampled_rate, a_steady_rate_measures_over_the_retained_samples) {
  sampled_rate r;
  for (int s = 0; s <= 20; ++s) r.record(1000, ms(s * 1000));
  // Samples whose last event is a whole 11 s old are gone: eleven (10 s..20 s) over 10 s, the
  // same over-estimate at a window's start as Kafka's.
  EXPECT_EQ(r.window_size(ms(20000)), ms(10000));
  EXPECT_DOUBLE_EQ(r.measure(ms(20000)), 1100.0);
  EXPECT_DOUBLE_EQ(r.measure(ms(20500)), 11000.0 / 10.5);
}

TEST(sampled_rate, samples_older_than_the_whole_window_are_forgotten) {
  sampled_rate r;
  r.record(5000, ms(0));
  EXPECT_GT(r.measure(ms(10999)), 0);
  EXPECT_DOUBLE_EQ(r.measure(ms(11000)), 0.0);
}

TEST(sampled_rate, negative_values_unrecord) {
  sampled_rate r;
  r.record(1, ms(0));
  r.record(-1, ms(0));
  EXPECT_DOUBLE_EQ(r.measure(ms(0)), 0.0);
}

TEST(sampled_rate, custom_windows) {
  sampled_rate r(rate_window{2, ms(500)});
  r.record(10, ms(0));
  EXPECT_EQ(r.window_size(ms(0)), ms(500));
  EXPECT_DOUBLE_EQ(r.measure(ms(0)), 20.0);
}

TEST(quota_throttle, brings_the_rate_back_to_the_bound_over_the_window) {
  EXPECT_EQ(quota_throttle_ms(900, 1000, ms(10000)), 0);
  EXPECT_EQ(quota_throttle_ms(1000, 1000, ms(10000)), 0);
  EXPECT_EQ(quota_throttle_ms(1100, 1000, ms(10000)), 1000);
  EXPECT_EQ(quota_throttle_ms(3000, 1000, ms(10000)), 20000);
  EXPECT_EQ(quota_throttle_ms(1, 0, ms(1000)), 1000);
}

}  // namespace
}  // namespace sluice
