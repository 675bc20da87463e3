// Tables, colour, JSON and progress output of the modern CLI.
#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/tool_support.h"

namespace sluice::cli {

bool use_colour_on_stdout() {
  if (std::getenv("NO_COLOR") != nullptr) return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return stdout_is_terminal();
}

std::string table::render(bool colour) const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = headers_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t i = 0; i < widths.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      bool last = i + 1 == widths.size();
      std::string padded = last ? cell : fmt::format("{:<{}}  ", cell, widths[i]);
      out += header && colour ? "\033[1m" + padded + "\033[0m" : padded;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

std::string progress_line(int64_t done, int64_t total, double rate_per_sec, size_t width) {
  double fraction = total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 0.0;
  size_t filled = static_cast<size_t>(fraction * static_cast<double>(width));
  return fmt::format("[{}{}] {:3.0f}%  {}/{}  {:.0f} msg/s", std::string(filled, '#'),
                     std::string(width - filled, '.'), fraction * 100, done, total, rate_per_sec);
}

void print_json(const nlohmann::ordered_json& doc) {
  std::string text = stdout_is_terminal() ? doc.dump(2) : doc.dump();
  std::printf("%s\n", text.c_str());
}

}  // namespace sluice::cli
