// Small helpers shared by the tools: text splitting and number parsing, client settings from the
// usual flags (--bootstrap-server, --command-config, key=value lists), Ctrl-C handling and
// terminal detection.
#pragma once

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client.h"
#include "cli/properties.h"

namespace sluice::cli {

std::vector<std::string> split(std::string_view text, char sep);
std::string trim(std::string_view text);

template <class T>
std::optional<T> parse_int(std::string_view text) {
  T value{};
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Client settings from a broker flag and an optional properties file, plus key=value overrides
// (later ones win). The broker list falls back as resolve_brokers() describes.
result<client_settings> make_settings(std::string_view brokers_flag, const std::string& config_file,
                                      const std::vector<std::string>& overrides = {});
inline result<client_settings> admin_settings(std::string_view brokers_flag,
                                              const std::string& config_file) {
  return make_settings(brokers_flag, config_file);
}

// Ctrl-C / SIGTERM: the first one sets a flag the tools' loops check (so they can print their
// totals and exit cleanly); a second one exits at once.
void install_stop_handler();
bool stop_requested();
int stop_signal();  // the signal that asked to stop, 0 if none

bool stdin_is_terminal();
bool stdout_is_terminal();

// The group ids a consumer tool was given — by its --group flag (`flag`) and as group.id in its
// client properties — sorted, without repeats: more than one is a usage error.
std::vector<std::string> group_ids_given(const std::optional<std::string>& flag,
                                         const property_map& props);
bool stderr_is_terminal();

// Milliseconds since the Unix epoch.
int64_t now_ms();

}  // namespace sluice::cli
