// The measurements and report lines of the perf tools, in Kafka's formats so published Kafka
// figures compare line for line: the producer's per-window and total lines (with latency
// percentiles from a bounded sample) and the consumer's CSV-like summary. Time is passed in, so
// tests drive them with a fake clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

// Producer statistics: every delivery is recorded with its latency; one line per reporting window.
class producer_stats {
 public:
  producer_stats(int64_t num_records, int64_t start_ms, int64_t reporting_interval_ms = 5000);

  // Records one delivered record. Returns the window line when a window closed, else "".
  std::string record(int latency_ms, int64_t bytes, int64_t now_ms);
  // "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P50 ms 50th,
  // ..."
  std::string total(int64_t now_ms);

  int64_t count() const { return count_; }
  int64_t bytes() const { return bytes_; }
  double avg_latency() const { return count_ == 0 ? 0.0 : total_latency_ / double(count_); }
  int max_latency() const { return max_latency_; }
  // The 50th, 95th, 99th and 99.9th percentiles of the sampled latencies.
  std::vector<int> percentiles();

 private:
  std::string window_line(int64_t now_ms) const;
  int64_t start_;
  int64_t sampling_;
  int64_t reporting_interval_;
  std::vector<int> latencies_;
  int64_t iteration_ = 0;
  int64_t count_ = 0, bytes_ = 0, total_latency_ = 0;
  int max_latency_ = 0;
  int64_t window_start_, window_count_ = 0, window_bytes_ = 0, window_total_latency_ = 0;
  int window_max_latency_ = 0;
};

// Kafka's rate limiter for --throughput: sleeps so that sends stay near `per_second` (<= 0: off).
class throughput_throttler {
 public:
  throughput_throttler(double per_second, int64_t start_ms) : rate_(per_second), start_(start_ms) {}
  // Milliseconds to sleep after `sent` records at `now_ms` (0: keep going).
  int64_t delay_ms(int64_t sent, int64_t now_ms) const;

 private:
  double rate_;
  int64_t start_;
};

// Formats a time (ms since the epoch, local time) with a SimpleDateFormat-style pattern: yyyy,
// MM, dd, HH, mm, ss, SSS and quoted or literal text.
std::string format_date(int64_t epoch_ms, std::string_view pattern);

// kafka-consumer-perf-test's lines.
std::string consumer_perf_header(bool detailed);
struct consumer_totals {
  int64_t start_ms = 0, end_ms = 0;
  int64_t bytes = 0, messages = 0;
  int64_t rebalance_ms = 0;
};
std::string consumer_perf_summary(const consumer_totals& t, std::string_view date_pattern);
// One --show-detailed-stats line for the interval [last_ms, now_ms].
std::string consumer_perf_progress(int thread_id, int64_t bytes, int64_t last_bytes,
                                   int64_t messages, int64_t last_messages, int64_t last_ms,
                                   int64_t now_ms, int64_t rebalance_ms,
                                   std::string_view date_pattern);

}  // namespace sluice::cli
