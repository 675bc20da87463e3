// argparse_parser: command-line parsing with argparse4j's habits, for the Kafka tools Kafka writes
// with argparse4j 0.7 (kafka-transactions): options of the tool before a command, one set of
// options per command after it, `--name value` and `--name=value`, unique prefixes of long
// names, values typed as Java's Integer/Long/Short (a negative number is a value, not an option),
// required options, `-h`/`--help` at either level and `-v`/`--version`. Usage, help and errors
// are argparse4j's text: `usage: prog ...` wrapped at 75 columns, then `prog: error: message`.
//
// Error precedence follows argparse4j: an unknown word or a bad value stops parsing at once; a
// missing required option of the tool is reported only after the command's own words parsed.
//
// Built once per run and used by its thread only; parse() is const and returns text to print,
// so tests compare strings.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

enum class value_type { string, int16, int32, int64 };

struct arg_option {
  std::vector<std::string> flags;  // e.g. {"-v", "--version"}; the first one names it in usage
  std::string metavar;             // empty: the last flag upper-cased, '-' as '_'
  value_type type = value_type::string;
  bool takes_value = true;
  bool required = false;
  std::string help;
  std::string default_value;  // given to parsed_args when the option is absent
  std::string group;          // a help section of its own ("" : optional arguments)
  std::string group_description;
};

// What a successful parse found: the command and the options given (or defaulted), by the
// long name without dashes ("topic", "bootstrap-server").
struct parsed_args {
  std::string command;
  std::map<std::string, std::string> values;

  bool has(std::string_view name) const { return values.contains(std::string(name)); }
  std::optional<std::string> text(std::string_view name) const;
  // A typed option's value (checked while parsing).
  std::optional<int64_t> number(std::string_view name) const;
};

// The result of parse(): either parsed arguments, or text to print and the exit code to return.
struct parse_outcome {
  std::optional<parsed_args> args;
  std::string out;  // to stdout (help, version)
  std::string err;  // to stderr (usage and error)
  int exit_code = 0;
};

class argparse_parser {
 public:
  argparse_parser(std::string prog, std::string description, std::string version);

  void add(arg_option option);  // an option of the tool (before the command)
  void add_command(std::string name, std::string help, std::string description = {});
  void add(std::string_view command, arg_option option);
  // The title of the commands' help section and the placeholder in the usage.
  void commands_title(std::string title, std::string metavar);

  parse_outcome parse(const std::vector<std::string>& args) const;

  // argparse4j's usage line(s) and full help of the tool (`command` empty) or of a command.
  std::string usage(std::string_view command = {}) const;
  std::string help(std::string_view command = {}) const;

 private:
  struct level {
    std::string name;  // the command ("" for the tool itself)
    std::string help;
    std::string description;
    std::vector<arg_option> options;
  };
  const level* find_command(std::string_view name) const;
  parse_outcome error(const level& at, std::string_view message) const;

  std::string prog_;
  std::string version_;
  level tool_;
  std::vector<level> commands_;
  std::string commands_title_ = "subcommands";
  std::string commands_metavar_;
};

// argparse4j's text wrapping: breaks after spaces and hyphens, and spreads the spare width over
// the gaps of each full line. `offset` is where the text starts on its first line.
std::string argparse_wrap(std::string_view text, size_t width, size_t offset,
                          std::string_view indent);

}  // namespace sluice::cli
