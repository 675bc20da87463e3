// Argument parsing for the Kafka-compatible tools: Kafka's option names and habits (`--topic t`,
// `--topic=t`, repeated options, values that start with '-', optional values), CLI11 underneath for
// conversion and unknown-option detection, and Kafka's two-column usage table and usage messages
// (`Missing required argument "[topic]"`, exit code 1).
//
// One parser per tool run, on the main thread. The variables bound to options must outlive it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace sluice::cli {

class kafka_tool_parser {
 public:
  // `summary`: the one-line description printed above the usage on --help or without arguments.
  explicit kafka_tool_parser(std::string summary);
  ~kafka_tool_parser();
  kafka_tool_parser(const kafka_tool_parser&) = delete;
  kafka_tool_parser& operator=(const kafka_tool_parser&) = delete;

  // `arg` is the value's description in the usage, e.g. "String: topic".
  void text(std::string& out, std::string name, std::string arg, std::string description,
            std::string default_value = {});
  void integer(int32_t& out, std::string name, std::string arg, std::string description,
               std::optional<int32_t> default_value = std::nullopt);
  void integer(int64_t& out, std::string name, std::string arg, std::string description,
               std::optional<int64_t> default_value = std::nullopt);
  void real(double& out, std::string name, std::string arg, std::string description);
  // Repeatable: every occurrence adds one value; bare `k=v` words after it are taken too.
  void list(std::vector<std::string>& out, std::string name, std::string arg,
            std::string description);
  void flag(bool& out, std::string name, std::string description);
  // An option whose value may be left out (`--compression-codec` alone means `implicit`).
  void optional_text(std::string& out, std::string name, std::string arg, std::string description,
                     std::string implicit);

  // Parses `args` (without the program name). Returns an exit code when the tool must stop:
  // usage errors print the message and the usage to stderr (1); --help and an empty command
  // line print the summary and the usage (1, as Kafka's tools do unless `help_exit_code` is
  // changed); --version prints the version (0).
  std::optional<int> parse(const std::vector<std::string>& args);
  int help_exit_code = 1;
  bool empty_is_help = true;

  bool has(std::string_view name) const;
  // Prints `message` and the usage to stderr; returns 1 (the exit code).
  int usage_error(std::string_view message) const;
  // Kafka's standard checks; each returns an exit code when it failed.
  std::optional<int> require(std::initializer_list<std::string_view> names) const;
  std::optional<int> exclusive(std::string_view used,
                               std::initializer_list<std::string_view> invalid) const;

  std::string usage() const;
  const std::string& summary() const { return summary_; }

 private:
  struct option_doc {
    std::string name;
    std::string arg;  // empty for flags
    std::string description;
    std::string default_value;
    bool optional_value = false;
    bool repeatable = false;
  };
  const option_doc* find(std::string_view name) const;
  std::vector<std::string> normalize(const std::vector<std::string>& args) const;

  std::string summary_;
  std::unique_ptr<CLI::App> app_;  // CLI11 stays out of this header: it is slow to compile
  std::vector<option_doc> docs_;
  bool help_ = false;
  bool version_ = false;
};

// Wraps text to `width` columns (breaking at spaces; explicit newlines kept).
std::vector<std::string> wrap_text(std::string_view text, size_t width);

}  // namespace sluice::cli
