#include "base/sampled_rate.h"

#include <algorithm>
#include <cmath>

namespace sluice {

sampled_rate::sample& sampled_rate::current(time_ms now) {
  if (samples_.empty()) samples_.push_back(sample{0, now, now});
  return samples_[current_];
}

void sampled_rate::record(double value, time_ms now) {
  sample* s = &current(now);
  if (now - s->start >= window_.size) {
    // One extra slot holds the sample overlapping the start of the monitored window.
    size_t slots = static_cast<size_t>(window_.samples) + 1;
    current_ = (current_ + 1) % slots;
    if (current_ >= samples_.size()) {
      samples_.push_back(sample{0, now, now});
    } else {
      samples_[current_] = sample{0, now, now};
    }
    s = &samples_[current_];
  }
  s->value += value;
  s->last_event = now;
}

void sampled_rate::purge_obsolete(time_ms now) {
  time_ms expire_age = window_.size * window_.samples;
  for (auto& s : samples_) {
    if (now - s.last_event >= expire_age) s = sample{0, now, now};
  }
}

sampled_rate::time_ms sampled_rate::window_size(time_ms now) {
  purge_obsolete(now);
  current(now);
  auto oldest =
      std::min_element(samples_.begin(), samples_.end(),
                       [](const sample& a, const sample& b) { return a.start < b.start; });
  time_ms elapsed = now - oldest->start;
  int64_t full = elapsed / window_.size;
  int64_t min_full = window_.samples - 1;
  if (full < min_full) elapsed += window_.size * (min_full - full);
  return std::max(elapsed, time_ms(1));
}

double sampled_rate::measure(time_ms now) {
  purge_obsolete(now);
  double total = 0;
  for (const auto& s : samples_) total += s.value;
  return total / (static_cast<double>(window_size(now).count()) / 1000.0);
}

int64_t quota_throttle_ms(double measured, double bound, sampled_rate::time_ms window) {
  if (measured <= bound) return 0;
  if (bound <= 0) return window.count();  // a zero quota: wait out a whole window
  return std::llround((measured - bound) / bound * static_cast<double>(window.count()));
}

}  // namespace sluice
