#include "replication/replication_throttle.h"

#include <charconv>

namespace sluice::replication {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse(std::string_view text, int32_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

sampled_rate::time_ms replication_throttle::now() {
  return std::chrono::duration_cast<sampled_rate::time_ms>(
      std::chrono::steady_clock::now().time_since_epoch());
}

bool replication_throttle::exceeded() {
  const int64_t bound = bound_.load();
  if (bound == unlimited) return false;
  std::lock_guard lock(mutex_);
  return rate_.measure(now()) > static_cast<double>(bound);
}

void replication_throttle::record(int64_t bytes) {
  if (bytes <= 0) return;
  std::lock_guard lock(mutex_);
  rate_.record(static_cast<double>(bytes), now());
}

bool replication_throttle::listed(const cluster::config_map& configs, std::string_view key,
                                  int32_t partition, int32_t broker) {
  auto it = configs.find(std::string(key));
  if (it == configs.end()) return false;
  std::string_view rest = it->second;
  if (trim(rest) == "*") return true;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view entry = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const size_t colon = entry.find(':');
    int32_t p = -1, b = -1;
    if (colon != std::string_view::npos && parse(trim(entry.substr(0, colon)), p) &&
        parse(trim(entry.substr(colon + 1)), b) && p == partition && b == broker)
      return true;
  }
  return false;
}

}  // namespace sluice::replication
