// argparse4j-style parsing, usage and help for the Kafka tools written with argparse4j.
#include "cli/kafka/argparse.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "cli/tool_support.h"

namespace sluice::cli {
namespace {

constexpr size_t format_width = 75;  // argparse4j's width when no terminal width is known
constexpr size_t help_indent = 25;

bool is_negative_number(std::string_view a) {
  if (a.size() < 2 || a[0] != '-') return false;
  return std::all_of(a.begin() + 1, a.end(), [](char c) { return std::isdigit(c) != 0; });
}

bool looks_like_flag(std::string_view a) {
  return a.size() > 1 && a[0] == '-' && !is_negative_number(a);
}

std::string key_of(const arg_option& o) {
  std::string_view f = o.flags.back();
  while (!f.empty() && f.front() == '-') f.remove_prefix(1);
  return std::string(f);
}

std::string metavar_of(const arg_option& o) {
  if (!o.metavar.empty()) return o.metavar;
  std::string m = key_of(o);
  for (char& c : m) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return m;
}

std::string short_syntax(const arg_option& o, bool brackets) {
  std::string s = o.flags.front();
  if (o.takes_value) s += " " + metavar_of(o);
  return brackets && !o.required ? "[" + s + "]" : s;
}

// argparse4j's "-v/--version" name of an option in messages.
std::string textual_name(const arg_option& o) {
  return fmt::format("{}", fmt::join(o.flags, "/"));
}

std::string help_title(const arg_option& o) {
  std::vector<std::string> parts;
  for (const std::string& f : o.flags) parts.push_back(o.takes_value ? f + " " + metavar_of(o) : f);
  return fmt::format("{}", fmt::join(parts, ", "));
}

// One entry of a help section: the title, then the help text from column 25.
std::string help_line(const std::string& title, const std::string& help) {
  std::string out = "  " + title;
  if (help.empty()) return out + "\n";
  if (title.size() <= 21) {
    out += std::string(help_indent - title.size() - 2, ' ');
  } else {
    out += "\n" + std::string(help_indent, ' ');
  }
  return out + argparse_wrap(help, format_width, help_indent, std::string(help_indent, ' ')) + "\n";
}

// Java's Integer/Long/Short.valueOf: an error text when `value` does not convert.
std::optional<std::string> conversion_error(value_type type, const std::string& value) {
  if (type == value_type::string) return std::nullopt;
  const char* java = type == value_type::int16   ? "Short"
                     : type == value_type::int32 ? "Integer"
                                                 : "Long";
  auto bad = [&](const std::string& why) {
    return fmt::format("could not convert '{}' to {} ({})", value, java, why);
  };
  std::string digits = value.starts_with("-") || value.starts_with("+") ? value.substr(1) : value;
  auto n = parse_int<int64_t>(value);
  bool fits32 = n && *n >= INT32_MIN && *n <= INT32_MAX;
  if (digits.empty() || !n || (type != value_type::int64 && !fits32)) {
    return bad(fmt::format("For input string: \"{}\"", value));
  }
  if (type == value_type::int16 && (*n < INT16_MIN || *n > INT16_MAX)) {
    return bad(fmt::format("Value out of range. Value:\"{}\" Radix:10", value));
  }
  return std::nullopt;
}

// argparse4j's adjustSpace: trims the line, then spreads the spare width over its gaps.
std::string adjust_space(std::string line, size_t width, size_t current) {
  size_t original = line.size();
  size_t b = line.find_first_not_of(' ');
  line = b == std::string::npos ? "" : line.substr(b, line.find_last_not_of(' ') - b + 1);
  current -= original - line.size();
  int blocks = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ' && (i == 0 || line[i - 1] != ' ')) ++blocks;
  }
  if (blocks == 0 || current >= width) return line;
  int need = static_cast<int>(width - current);
  int each = need / blocks, rem = need % blocks;
  int rem_start = (blocks - rem + 1) / 2, rem_end = rem_start + rem;
  std::string out;
  int block = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ' && (i == 0 || line[i - 1] != ' ')) {
      out.append(static_cast<size_t>(each + (rem_start <= block && block < rem_end ? 1 : 0)), ' ');
      ++block;
    }
    out += line[i];
  }
  return out;
}

// Break opportunities as Java's line BreakIterator finds them in plain text: after a run of
// spaces, after a newline, and after a hyphen between letters or digits.
std::vector<std::string> line_segments(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    cur += c;
    bool next_is_space = i + 1 < text.size() && text[i + 1] == ' ';
    bool end = (c == ' ' && !next_is_space) || c == '\n' ||
               (c == '-' && i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])) &&
                i + 1 < text.size() && std::isalnum(static_cast<unsigned char>(text[i + 1])));
    if (end) out.push_back(std::move(cur)), cur.clear();
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace

std::string argparse_wrap(std::string_view text, size_t width, size_t offset,
                          std::string_view indent) {
  std::string out, line;
  size_t current = offset;
  for (const std::string& seg : line_segments(text)) {
    current += seg.size();
    if (current > width) {
      out += adjust_space(line, width, current - seg.size()) + "\n" + std::string(indent);
      line.clear();
      current = indent.size() + seg.size();
    }
    line += seg;
    if (seg.ends_with('\n')) {
      out += line + std::string(indent);
      line.clear();
      current = indent.size();
    }
  }
  return out + line;
}

std::optional<std::string> parsed_args::text(std::string_view name) const {
  auto it = values.find(std::string(name));
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> parsed_args::number(std::string_view name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  return parse_int<int64_t>(*t);
}

argparse_parser::argparse_parser(std::string prog, std::string description, std::string version)
    : prog_(std::move(prog)), version_(std::move(version)) {
  tool_.description = std::move(description);
  tool_.options.push_back({{"-h", "--help"},
                           "",
                           value_type::string,
                           false,
                           false,
                           "show this help message and exit",
                           "",
                           "",
                           ""});
}

void argparse_parser::add(arg_option option) {
  tool_.options.push_back(std::move(option));
}

void argparse_parser::add_command(std::string name, std::string help, std::string description) {
  level l;
  l.name = std::move(name);
  l.help = std::move(help);
  l.description = std::move(description);
  l.options.push_back({{"-h", "--help"},
                       "",
                       value_type::string,
                       false,
                       false,
                       "show this help message and exit",
                       "",
                       "",
                       ""});
  commands_.push_back(std::move(l));
}

void argparse_parser::add(std::string_view command, arg_option option) {
  for (level& l : commands_) {
    if (l.name == command) l.options.push_back(std::move(option));
  }
}

void argparse_parser::commands_title(std::string title, std::string metavar) {
  commands_title_ = std::move(title);
  commands_metavar_ = std::move(metavar);
}

const argparse_parser::level* argparse_parser::find_command(std::string_view name) const {
  for (const level& l : commands_) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

parse_outcome argparse_parser::error(const level& at, std::string_view message) const {
  parse_outcome o;
  o.err = usage(at.name) +
          argparse_wrap(fmt::format("{}: error: {}\n", prog_, message), format_width, 0, "");
  o.exit_code = 1;
  return o;
}

parse_outcome argparse_parser::parse(const std::vector<std::string>& args) const {
  const level* at = &tool_;
  parsed_args out;
  std::set<std::string> used;
  std::optional<std::pair<const level*, std::string>> deferred;  // a missing required option
  auto check_required = [&](const level& l) {
    if (deferred) return;
    for (const arg_option& o : l.options) {
      if (o.required && !used.contains(key_of(o))) {
        deferred.emplace(&l, fmt::format("argument {} is required", textual_name(o)));
        return;
      }
    }
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!looks_like_flag(a)) {
      if (at == &tool_ && !commands_.empty()) {
        const level* cmd = find_command(a);
        if (cmd == nullptr) {
          std::vector<std::string> names;
          for (const level& l : commands_) names.push_back("'" + l.name + "'");
          return error(tool_, fmt::format("invalid choice: '{}' (choose from {})", a,
                                          fmt::join(names, ", ")));
        }
        check_required(tool_);
        at = cmd;
        out.command = cmd->name;
        continue;
      }
      std::vector<std::string> rest(args.begin() + static_cast<ptrdiff_t>(i), args.end());
      return error(*at, fmt::format("unrecognized arguments: '{}'", fmt::join(rest, " ")));
    }
    std::string name = a;
    std::optional<std::string> embedded;
    if (size_t eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      name = a.substr(0, eq);
      embedded = a.substr(eq + 1);
    }
    // An exact flag, else the options whose long flag starts with what was typed.
    std::vector<const arg_option*> matches;
    for (const arg_option& o : at->options) {
      if (std::find(o.flags.begin(), o.flags.end(), name) != o.flags.end()) matches = {&o};
    }
    if (matches.empty() && name.starts_with("--")) {
      for (const arg_option& o : at->options) {
        for (const std::string& f : o.flags) {
          if (f.starts_with("--") && f.starts_with(name)) matches.push_back(&o);
        }
      }
    }
    if (matches.empty()) return error(*at, fmt::format("unrecognized arguments: '{}'", a));
    if (matches.size() > 1) {
      std::vector<std::string> names;
      for (const arg_option* o : matches) names.push_back(o->flags.back());
      return error(
          *at, fmt::format("ambiguous option: {} could match {}", name, fmt::join(names, ", ")));
    }
    const arg_option& o = *matches.front();
    std::string key = key_of(o);
    if (key == "help") return {std::nullopt, help(at->name), "", 1};
    if (key == "version" && at == &tool_) return {std::nullopt, version_ + "\n", "", 0};
    if (!o.takes_value) {
      if (embedded) {
        return error(*at, fmt::format("argument {}: ignore implicit argument '{}'", textual_name(o),
                                      *embedded));
      }
      out.values[key] = "true";
      used.insert(key);
      continue;
    }
    std::string value;
    if (embedded) {
      value = *embedded;
    } else if (i + 1 < args.size() && !looks_like_flag(args[i + 1])) {
      value = args[++i];
    } else {
      return error(*at, fmt::format("argument {}: expected one argument", textual_name(o)));
    }
    if (auto bad = conversion_error(o.type, value)) {
      return error(*at, fmt::format("argument {}: {}", textual_name(o), *bad));
    }
    out.values[key] = value;
    used.insert(key);
  }
  if (at == &tool_ && !commands_.empty()) return error(tool_, "too few arguments");
  check_required(*at);
  if (deferred) return error(*deferred->first, deferred->second);
  for (const level* l : {&tool_, at}) {
    for (const arg_option& o : l->options) {
      if (!o.default_value.empty()) out.values.try_emplace(key_of(o), o.default_value);
    }
    if (l == at) break;
  }
  return {std::move(out), "", "", 0};
}

std::string argparse_parser::usage(std::string_view command) const {
  const level* cmd = command.empty() ? nullptr : find_command(command);
  std::vector<std::string> opts;
  if (cmd != nullptr) {
    for (const arg_option& o : tool_.options) {
      if (o.required) opts.push_back(short_syntax(o, false));
    }
    opts.push_back(cmd->name);
    for (const arg_option& o : cmd->options) opts.push_back(short_syntax(o, true));
  } else {
    for (const arg_option& o : tool_.options) opts.push_back(short_syntax(o, true));
    if (!commands_.empty()) {
      opts.push_back(commands_metavar_);
      opts.push_back("...");
    }
  }
  // argparse4j's printArgumentUsage, quirks included.
  std::string head = "usage: " + prog_;
  std::string out = head, first_indent, next_indent;
  size_t offset = head.size();
  if (head.size() > 30) {
    out += "\n";
    offset = 6;
    first_indent = next_indent = std::string(6, ' ');
  } else {
    next_indent = std::string(offset, ' ');
  }
  out += first_indent;
  size_t current = offset + first_indent.size();
  bool first = true;
  for (const std::string& s : opts) {
    if (!first && current + s.size() + 1 > format_width) {
      out += "\n" + next_indent + " " + s;
      current = next_indent.size() + 1 + s.size();
    } else {
      out += " " + s;
      current += 1 + s.size();
      first = false;
    }
  }
  return out + "\n";
}

std::string argparse_parser::help(std::string_view command) const {
  const level* l = command.empty() ? &tool_ : find_command(command);
  if (l == nullptr) return {};
  std::string out = usage(command);
  if (!l->description.empty()) {
    out += "\n" + argparse_wrap(l->description, format_width, 0, "") + "\n";
  }
  std::vector<std::string> groups;
  std::string plain;
  for (const arg_option& o : l->options) {
    if (o.group.empty()) {
      plain += help_line(help_title(o), o.help);
    } else if (std::find(groups.begin(), groups.end(), o.group) == groups.end()) {
      groups.push_back(o.group);
    }
  }
  if (!plain.empty()) out += "\noptional arguments:\n" + plain;
  if (l == &tool_ && !commands_.empty()) {
    out += "\n" + commands_title_ + ":\n" + help_line(commands_metavar_, "");
    for (const level& c : commands_) out += help_line("  " + c.name, c.help);
  }
  for (const std::string& g : groups) {
    out += "\n" + g + ":\n";
    bool described = false;
    for (const arg_option& o : l->options) {
      if (o.group != g) continue;
      if (!described && !o.group_description.empty()) {
        out += "  " + argparse_wrap(o.group_description, format_width, 2, "  ") + "\n\n";
      }
      described = true;
      out += help_line(help_title(o), o.help);
    }
  }
  return out;
}

}  // namespace sluice::cli
