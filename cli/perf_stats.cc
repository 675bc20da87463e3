// Perf tool statistics and report lines in Kafka's formats.
#include "cli/perf_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace sluice::cli {

producer_stats::producer_stats(int64_t num_records, int64_t start_ms, int64_t reporting_interval_ms)
    : start_(start_ms),
      sampling_(std::max<int64_t>(
          1, num_records / std::max<int64_t>(1, std::min<int64_t>(num_records, 500000)))),
      reporting_interval_(reporting_interval_ms),
      window_start_(start_ms) {
  latencies_.reserve(static_cast<size_t>(std::max<int64_t>(0, num_records / sampling_) + 1));
}

std::string producer_stats::record(int latency_ms, int64_t bytes, int64_t now_ms) {
  ++count_;
  bytes_ += bytes;
  total_latency_ += latency_ms;
  max_latency_ = std::max(max_latency_, latency_ms);
  ++window_count_;
  window_bytes_ += bytes;
  window_total_latency_ += latency_ms;
  window_max_latency_ = std::max(window_max_latency_, latency_ms);
  if (iteration_++ % sampling_ == 0) latencies_.push_back(latency_ms);
  if (now_ms - window_start_ < reporting_interval_) return {};
  std::string line = window_line(now_ms);
  window_start_ = now_ms;
  window_count_ = window_bytes_ = window_total_latency_ = 0;
  window_max_latency_ = 0;
  return line;
}

std::string producer_stats::window_line(int64_t now_ms) const {
  double elapsed = static_cast<double>(std::max<int64_t>(1, now_ms - window_start_));
  double per_sec = 1000.0 * window_count_ / elapsed;
  double mb_per_sec = 1000.0 * window_bytes_ / elapsed / (1024.0 * 1024.0);
  return fmt::format(
      "{} records sent, {:.1f} records/sec ({:.2f} MB/sec), {:.1f} ms avg latency, {:.1f} ms max "
      "latency.\n",
      window_count_, per_sec, mb_per_sec,
      window_count_ == 0 ? 0.0 : window_total_latency_ / double(window_count_),
      double(window_max_latency_));
}

std::vector<int> producer_stats::percentiles() {
  std::sort(latencies_.begin(), latencies_.end());
  std::vector<int> out;
  for (double p : {0.5, 0.95, 0.99, 0.999}) {
    size_t i = static_cast<size_t>(p * static_cast<double>(latencies_.size()));
    out.push_back(latencies_.empty() ? 0 : latencies_[std::min(i, latencies_.size() - 1)]);
  }
  return out;
}

std::string producer_stats::total(int64_t now_ms) {
  double elapsed = static_cast<double>(std::max<int64_t>(1, now_ms - start_));
  double per_sec = 1000.0 * count_ / elapsed;
  double mb_per_sec = 1000.0 * bytes_ / elapsed / (1024.0 * 1024.0);
  std::vector<int> p = percentiles();
  return fmt::format(
      "{} records sent, {:.1f} records/sec ({:.2f} MB/sec), {:.2f} ms avg latency, {:.2f} ms max "
      "latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.\n",
      count_, per_sec, mb_per_sec, avg_latency(), double(max_latency_), p[0], p[1], p[2], p[3]);
}

int64_t throughput_throttler::delay_ms(int64_t sent, int64_t now_ms) const {
  if (rate_ <= 0 || sent <= 0) return 0;
  double elapsed_ms = static_cast<double>(now_ms - start_);
  double due_ms = 1000.0 * static_cast<double>(sent) / rate_;
  return due_ms > elapsed_ms ? static_cast<int64_t>(due_ms - elapsed_ms) : 0;
}

std::string format_date(int64_t epoch_ms, std::string_view pattern) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  int millis = static_cast<int>(epoch_ms % 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    int width = static_cast<int>(run);
    switch (c) {
      case 'y':
        out += run == 2 ? fmt::format("{:02}", (tm.tm_year + 1900) % 100)
                        : fmt::format("{:0{}}", tm.tm_year + 1900, width);
        break;
      case 'M':
        out += fmt::format("{:0{}}", tm.tm_mon + 1, width);
        break;
      case 'd':
        out += fmt::format("{:0{}}", tm.tm_mday, width);
        break;
      case 'H':
        out += fmt::format("{:0{}}", tm.tm_hour, width);
        break;
      case 'm':
        out += fmt::format("{:0{}}", tm.tm_min, width);
        break;
      case 's':
        out += fmt::format("{:0{}}", tm.tm_sec, width);
        break;
      case 'S':
        out += fmt::format("{:0{}}", millis, width);
        break;
      case '\'': {
        size_t end = pattern.find('\'', i + 1);
        if (end == std::string_view::npos) end = pattern.size();
        out += pattern.substr(i + 1, end - i - 1);
        i = end + 1;
        continue;
      }
      default:
        out.append(run, c);
    }
    i += run;
  }
  return out;
}

std::string consumer_perf_header(bool detailed) {
  std::string extra = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
  return detailed ? "time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec" +
                        extra + "\n"
                  : "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                    "nMsg.sec" +
                        extra + "\n";
}

std::string consumer_perf_summary(const consumer_totals& t, std::string_view date_pattern) {
  double elapsed_sec = static_cast<double>(t.end_ms - t.start_ms) / 1000.0;
  int64_t fetch_ms = t.end_ms - t.start_ms - t.rebalance_ms;
  double mb = static_cast<double>(t.bytes) / (1024.0 * 1024.0);
  return fmt::format("{}, {}, {:.4f}, {:.4f}, {}, {:.4f}, {}, {}, {:.4f}, {:.4f}\n",
                     format_date(t.start_ms, date_pattern), format_date(t.end_ms, date_pattern), mb,
                     mb / elapsed_sec, t.messages, static_cast<double>(t.messages) / elapsed_sec,
                     t.rebalance_ms, fetch_ms, mb / (static_cast<double>(fetch_ms) / 1000.0),
                     static_cast<double>(t.messages) / (static_cast<double>(fetch_ms) / 1000.0));
}

std::string consumer_perf_progress(int thread_id, int64_t bytes, int64_t last_bytes,
                                   int64_t messages, int64_t last_messages, int64_t last_ms,
                                   int64_t now_ms, int64_t rebalance_ms,
                                   std::string_view date_pattern) {
  double elapsed_ms = static_cast<double>(now_ms - last_ms);
  double total_mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
  double interval_mb = static_cast<double>(bytes - last_bytes) / (1024.0 * 1024.0);
  double interval_msgs = static_cast<double>(messages - last_messages);
  int64_t fetch_ms = now_ms - last_ms - rebalance_ms;
  return fmt::format("{}, {}, {:.4f}, {:.4f}, {}, {:.4f}, {}, {}, {:.4f}, {:.4f}\n",
                     format_date(now_ms, date_pattern), thread_id, total_mb,
                     1000.0 * interval_mb / elapsed_ms, messages,
                     interval_msgs / elapsed_ms * 1000.0, rebalance_ms, fetch_ms,
                     fetch_ms <= 0 ? 0.0 : 1000.0 * interval_mb / static_cast<double>(fetch_ms),
                     fetch_ms <= 0 ? 0.0 : 1000.0 * interval_msgs / static_cast<double>(fetch_ms));
}

}  // namespace sluice::cli
