// sampled_rate: Kafka's quota measure — a Rate over a SampledStat of `samples` windows of
// `window` each (quota.window.num, quota.window.size.seconds) — and the throttle time Kafka
// derives from a violated bound (QuotaUtils.throttleTime). Used by the client quota managers
// and the acceptor's connection-creation-rate limits.
//
// A value type with no clock of its own: every call takes the current time, so tests drive it
// deterministically. Not thread-safe; its owner locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace sluice {

struct rate_window {
  int samples = 11;                      // quota.window.num
  std::chrono::milliseconds size{1000};  // quota.window.size.seconds
  bool operator==(const rate_window&) const = default;
};

class sampled_rate {
 public:
  using time_ms = std::chrono::milliseconds;  // since any fixed epoch (steady clock)

  explicit sampled_rate(rate_window window = {}) : window_(window) {}

  // Adds `value` at `now` (negative values un-record, as Kafka's record(-1.0) does).
  void record(double value, time_ms now);
  // Units per second over the retained samples (Rate.measure).
  double measure(time_ms now);
  // The window the rate is taken over (Rate.windowSize): at least samples-1 full windows.
  time_ms window_size(time_ms now);

 private:
  struct sample {
    double value = 0;
    time_ms start{0};
    time_ms last_event{0};
  };
  sample& current(time_ms now);
  void purge_obsolete(time_ms now);

  rate_window window_;
  std::vector<sample> samples_;
  size_t current_ = 0;
};

// A rate bound: the throttle time in ms that brings `measured` back to `bound` over `window`
// (QuotaUtils.throttleTime), 0 when within it. Connection and request quotas cap the result at
// one quota window (QuotaUtils.boundedThrottleTime); byte-rate quotas do not.
int64_t quota_throttle_ms(double measured, double bound, sampled_rate::time_ms window);

}  // namespace sluice
