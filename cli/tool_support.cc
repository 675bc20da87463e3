// Shared helpers of the tools: text, settings, signals, terminals, time.
#include "cli/tool_support.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>

namespace sluice::cli {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t at = text.find(sep, start);
    out.emplace_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::string trim(std::string_view text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(b, e - b + 1));
}

result<client_settings> make_settings(std::string_view brokers_flag, const std::string& config_file,
                                      const std::vector<std::string>& overrides) {
  client_settings s;
  if (!config_file.empty()) {
    auto props = load_properties_file(config_file);
    if (!props) return std::move(props).error();
    s.properties = std::move(*props);
  }
  if (auto r = add_key_values(s.properties, overrides); !r) return std::move(r).error();
  s.brokers = resolve_brokers(brokers_flag, s.properties);
  return s;
}

namespace {
std::atomic<int> stop_signal_number{0};

void on_stop(int sig) {
  if (stop_signal_number.exchange(sig) != 0) _exit(128 + sig);
}
}  // namespace

void install_stop_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() {
  return stop_signal_number.load() != 0;
}
int stop_signal() {
  return stop_signal_number.load();
}

bool stdin_is_terminal() {
  return ::isatty(STDIN_FILENO) == 1;
}
std::vector<std::string> group_ids_given(const std::optional<std::string>& flag,
                                         const property_map& props) {
  std::vector<std::string> groups;
  if (flag) groups.push_back(*flag);
  if (auto it = props.find("group.id"); it != props.end()) groups.push_back(it->second);
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return groups;
}

bool stdout_is_terminal() {
  return ::isatty(STDOUT_FILENO) == 1;
}
bool stderr_is_terminal() {
  return ::isatty(STDERR_FILENO) == 1;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sluice::cli
