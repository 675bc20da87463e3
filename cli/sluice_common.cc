// What the modern CLI's commands share: client settings from the global flags, error reports and
// the record format strings of produce and consume.
#include <fmt/format.h>

#include <cstdio>

#include "cli/sluice_commands.h"
#include "cli/tool_support.h"

namespace sluice::cli {

result<client_settings> global_options::client() const {
  auto s = make_settings(brokers, config_file, settings);
  if (!s) return s;
  s->timeout = std::chrono::milliseconds(timeout_ms);
  s->verbose = verbose;
  return s;
}

int report_error(const global_options& g, std::string_view message) {
  if (g.format == output_format::json) {
    print_json(nlohmann::ordered_json{{"error", std::string(message)}});
  }
  std::fprintf(stderr, "sluice: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

std::string format_record(std::string_view format, const console_record& r) {
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    char c = format[i];
    if (c == '\\' && i + 1 < format.size()) {
      char e = format[++i];
      out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      continue;
    }
    if (c != '%' || i + 1 == format.size()) {
      out += c;
      continue;
    }
    switch (format[++i]) {
      case 't':
        out += r.topic;
        break;
      case 'p':
        out += std::to_string(r.partition);
        break;
      case 'o':
        out += std::to_string(r.offset);
        break;
      case 'k':
        out += r.key.value_or("");
        break;
      case 'v':
        out += r.value.value_or("");
        break;
      case 'T':
        out += std::to_string(r.timestamp);
        break;
      case 'h': {
        std::string h;
        for (const auto& [k, v] : r.headers) {
          if (!h.empty()) h += ',';
          h += k + "=" + v.value_or("");
        }
        out += h;
        break;
      }
      case '%':
        out += '%';
        break;
      default:
        out += '%';
        out += format[i];
    }
  }
  return out;
}

std::optional<std::pair<std::optional<std::string>, std::string>> parse_with_format(
    std::string_view format, std::string_view line) {
  // The format is literal text around %k and %v: match the literals in order.
  std::optional<std::string> key;
  std::optional<std::string> value;
  size_t pos = 0;
  size_t i = 0;
  while (i < format.size()) {
    if (format[i] == '%' && i + 1 < format.size() &&
        (format[i + 1] == 'k' || format[i + 1] == 'v')) {
      char field = format[i + 1];
      i += 2;
      // The field runs to the next literal (or the end of the line).
      size_t lit_end = format.find('%', i);
      std::string_view literal =
          format.substr(i, lit_end == std::string_view::npos ? lit_end : lit_end - i);
      size_t end = literal.empty() ? line.size() : line.find(literal, pos);
      if (end == std::string_view::npos) return std::nullopt;
      std::string text(line.substr(pos, end - pos));
      (field == 'k' ? key : value) = std::move(text);
      pos = end;
      continue;
    }
    if (pos >= line.size() || line[pos] != format[i]) return std::nullopt;
    ++pos;
    ++i;
  }
  if (pos != line.size()) return std::nullopt;
  return std::pair{key, value.value_or("")};
}

}  // namespace sluice::cli
