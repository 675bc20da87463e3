// Tests of the perf tools' statistics and report lines (cli/perf_stats.h).
#include "cli/perf_stats.h"

#include <gtest/gtest.h>

#include <regex>

namespace sluice::cli {
namespace {

TEST(ProducerStats, PrintsAWindowLineEveryInterval) {
  producer_stats s(100, 0, 5000);
  EXPECT_EQ(s.record(10, 100, 1000), "");
  EXPECT_EQ(s.record(30, 100, 5000),
            "2 records sent, 0.4 records/sec (0.00 MB/sec), 20.0 ms avg latency, 30.0 ms max "
            "latency.\n");
  // The next window starts over.
  EXPECT_EQ(s.record(5, 100, 6000), "");
}

TEST(ProducerStats, TotalLineHasKafkasFieldsAndPercentiles) {
  producer_stats s(1000, 0, 1000000);
  for (int i = 1; i <= 1000; ++i) (void)s.record(i % 100, 1024, 10);
  std::string line = s.total(2000);
  EXPECT_EQ(line,
            "1000 records sent, 500.0 records/sec (0.49 MB/sec), 49.50 ms avg latency, 99.00 ms "
            "max latency, 50 ms 50th, 95 ms 95th, 99 ms 99th, 99 ms 99.9th.\n");
  // The line parses with the pattern scripts use for Kafka's output.
  std::regex kafka_total(
      R"((\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, )"
      R"(([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th.\n)");
  EXPECT_TRUE(std::regex_match(line, kafka_total));
}

TEST(ProducerStats, SamplesLatenciesOfLargeRuns) {
  producer_stats s(2000000, 0);
  for (int i = 0; i < 2000000; ++i) (void)s.record(1, 1, 0);
  EXPECT_EQ(s.percentiles(), (std::vector<int>{1, 1, 1, 1}));
}

TEST(Throttler, DelaysToHoldTheRate) {
  throughput_throttler t(100, 0);
  EXPECT_EQ(t.delay_ms(10, 100), 0);
  EXPECT_EQ(t.delay_ms(50, 100), 400);
  throughput_throttler off(-1, 0);
  EXPECT_EQ(off.delay_ms(1000000, 1), 0);
}

TEST(ConsumerPerf, HeaderAndSummaryLines) {
  EXPECT_EQ(consumer_perf_header(false),
            "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
            "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n");
  consumer_totals t{0, 2000, 2 * 1024 * 1024, 1000, 1000};
  std::string line = consumer_perf_summary(t, "'T'");
  EXPECT_EQ(line, "T, T, 2.0000, 1.0000, 1000, 500.0000, 1000, 1000, 2.0000, 1000.0000\n");
}

TEST(FormatDate, FollowsSimpleDateFormatLetters) {
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(format_date(1700000000123, "yyyy-MM-dd HH:mm:ss:SSS"), "2023-11-14 22:13:20:123");
  EXPECT_EQ(format_date(0, "yy/M/d 'at' H"), "70/1/1 at 0");
}

}  // namespace
}  // namespace sluice::cli
