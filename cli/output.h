// Output of the modern `sluice` CLI: aligned tables for people (bold headers only on a terminal,
// never with NO_COLOR), JSON for scripts, and a progress bar for long runs. Tables and JSON are
// built as values and rendered to text, so tests compare strings.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

enum class output_format { text, json };

// Whether to colour output written to stdout: a terminal, NO_COLOR unset, TERM not "dumb".
bool use_colour_on_stdout();

class table {
 public:
  explicit table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns padded to their widest cell, two spaces apart; no trailing blanks.
  std::string render(bool colour) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// A one-line progress bar ("[#####.....]  52%  12345 msg/s"), redrawn with '\r'.
std::string progress_line(int64_t done, int64_t total, double rate_per_sec, size_t width = 30);

// Prints JSON (one document, pretty when on a terminal) to stdout.
void print_json(const nlohmann::ordered_json& doc);

}  // namespace sluice::cli
