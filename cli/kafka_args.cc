// Kafka-style option parsing and usage for the Kafka-compatible tools.
#include "cli/kafka_args.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>

namespace sluice::cli {

std::vector<std::string> wrap_text(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view para = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    std::string line;
    size_t i = 0;
    while (i < para.size()) {
      size_t sp = para.find(' ', i);
      std::string_view word = para.substr(i, sp == std::string_view::npos ? sp : sp - i);
      i = sp == std::string_view::npos ? para.size() : sp + 1;
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        lines.push_back(line);
        line.clear();
      }
      if (!line.empty()) line += ' ';
      line += word;
      while (line.size() > width) {  // a single word longer than the column
        lines.push_back(line.substr(0, width));
        line = line.substr(width);
      }
    }
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

kafka_tool_parser::kafka_tool_parser(std::string summary)
    : summary_(std::move(summary)), app_(std::make_unique<CLI::App>()) {
  app_->set_help_flag();
  app_->allow_windows_style_options(false);
  app_->add_flag("--help", help_, "Print usage information.");
  app_->add_flag("--version", version_, "Display Kafka version.");
  docs_.push_back({"--help", "", "Print usage information.", "", false, false});
  docs_.push_back({"--version", "", "Display Sluice version.", "", false, false});
}

void kafka_tool_parser::text(std::string& out, std::string name, std::string arg,
                             std::string description, std::string default_value) {
  if (!default_value.empty() && out.empty()) out = default_value;
  app_->add_option(name, out, description);
  docs_.push_back({std::move(name), std::move(arg), std::move(description),
                   std::move(default_value), false, false});
}

void kafka_tool_parser::integer(int32_t& out, std::string name, std::string arg,
                                std::string description, std::optional<int32_t> default_value) {
  if (default_value) out = *default_value;
  app_->add_option(name, out, description);
  docs_.push_back({std::move(name), std::move(arg), std::move(description),
                   default_value ? std::to_string(*default_value) : "", false, false});
}

void kafka_tool_parser::integer(int64_t& out, std::string name, std::string arg,
                                std::string description, std::optional<int64_t> default_value) {
  if (default_value) out = *default_value;
  app_->add_option(name, out, description);
  docs_.push_back({std::move(name), std::move(arg), std::move(description),
                   default_value ? std::to_string(*default_value) : "", false, false});
}

void kafka_tool_parser::real(double& out, std::string name, std::string arg,
                             std::string description) {
  app_->add_option(name, out, description);
  docs_.push_back({std::move(name), std::move(arg), std::move(description), "", false, false});
}

void kafka_tool_parser::list(std::vector<std::string>& out, std::string name, std::string arg,
                             std::string description) {
  app_->add_option(name, out, description)
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  docs_.push_back({std::move(name), std::move(arg), std::move(description), "", false, true});
}

void kafka_tool_parser::flag(bool& out, std::string name, std::string description) {
  app_->add_flag(name, out, description);
  docs_.push_back({std::move(name), "", std::move(description), "", false, false});
}

void kafka_tool_parser::optional_text(std::string& out, std::string name, std::string arg,
                                      std::string description, std::string implicit) {
  app_->add_flag(name + "{" + implicit + "}", out, description);
  docs_.push_back({std::move(name), std::move(arg), std::move(description), "", true, false});
}

kafka_tool_parser::~kafka_tool_parser() = default;

const kafka_tool_parser::option_doc* kafka_tool_parser::find(std::string_view name) const {
  for (const option_doc& d : docs_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

// Rewrites `--name value` as `--name=value` for options that take a value, so a value may start
// with '-' (`--shift-by -5`, `--time -1`) and repeated options each take exactly one value.
std::vector<std::string> kafka_tool_parser::normalize(const std::vector<std::string>& args) const {
  std::vector<std::string> out;
  const option_doc* repeating = nullptr;  // the last repeatable option seen, for bare k=v words
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0 && a.find('=') == std::string::npos) {
      const option_doc* d = find(a);
      repeating = d != nullptr && d->repeatable ? d : nullptr;
      if (d != nullptr && !d->arg.empty() && i + 1 < args.size()) {
        // An optional value is taken only when the next word is not an option.
        if (!d->optional_value || args[i + 1].rfind("--", 0) != 0) {
          out.push_back(a + "=" + args[i + 1]);
          ++i;
          continue;
        }
      }
      out.push_back(a);
      continue;
    }
    if (repeating != nullptr && a.rfind("-", 0) != 0 && a.find('=') != std::string::npos) {
      out.push_back(repeating->name + "=" + a);
      continue;
    }
    repeating = nullptr;
    out.push_back(a);
  }
  return out;
}

std::optional<int> kafka_tool_parser::parse(const std::vector<std::string>& args) {
  if (args.empty() && empty_is_help) {
    std::fprintf(stderr, "%s\n%s", summary_.c_str(), usage().c_str());
    return help_exit_code;
  }
  std::vector<std::string> normalized = normalize(args);
  std::reverse(normalized.begin(), normalized.end());  // CLI11 takes them last to first
  try {
    app_->parse(normalized);
  } catch (const CLI::ExtrasError& e) {
    std::string first = args.empty() ? "" : e.what();
    // Name the first word that is not an option of this tool, as Kafka's parser does.
    for (const std::string& a : args) {
      std::string name = a.substr(0, a.find('='));
      if (name.rfind("-", 0) == 0 && find(name) == nullptr) {
        std::string bare = name.substr(name.find_first_not_of('-'));
        return usage_error(fmt::format("{} is not a recognized option", bare));
      }
    }
    return usage_error(first);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  if (help_) {
    std::fprintf(stderr, "%s\n%s", summary_.c_str(), usage().c_str());
    return help_exit_code;
  }
  if (version_) {
    std::printf("%s\n", "0.1.0 (Sluice)");
    return 0;
  }
  return std::nullopt;
}

bool kafka_tool_parser::has(std::string_view name) const {
  try {
    const CLI::Option* opt = app_->get_option_no_throw(std::string(name));
    return opt != nullptr && opt->count() > 0;
  } catch (const CLI::Error&) {
    return false;
  }
}

int kafka_tool_parser::usage_error(std::string_view message) const {
  std::fprintf(stderr, "%.*s\n%s", static_cast<int>(message.size()), message.data(),
               usage().c_str());
  return 1;
}

std::optional<int> kafka_tool_parser::require(std::initializer_list<std::string_view> names) const {
  for (std::string_view n : names) {
    if (!has(n)) {
      return usage_error(fmt::format("Missing required argument \"[{}]\"", n.substr(2)));
    }
  }
  return std::nullopt;
}

std::optional<int> kafka_tool_parser::exclusive(
    std::string_view used, std::initializer_list<std::string_view> invalid) const {
  if (!has(used)) return std::nullopt;
  for (std::string_view n : invalid) {
    if (has(n)) {
      return usage_error(fmt::format("Option \"[{}]\" can't be used with option \"[{}]\"",
                                     used.substr(2), n.substr(2)));
    }
  }
  return std::nullopt;
}

std::string kafka_tool_parser::usage() const {
  constexpr size_t left_width = 40;
  constexpr size_t right_width = 39;
  std::vector<const option_doc*> sorted;
  for (const option_doc& d : docs_) sorted.push_back(&d);
  std::sort(sorted.begin(), sorted.end(),
            [](const option_doc* a, const option_doc* b) { return a->name < b->name; });
  std::string out = fmt::format("{:<{}} {}\n{:<{}} {}\n", "Option", left_width, "Description",
                                "------", left_width, "-----------");
  for (const option_doc* d : sorted) {
    std::string left = d->name;
    if (!d->arg.empty()) left += d->optional_value ? " [" + d->arg + "]" : " <" + d->arg + ">";
    std::string desc = d->description;
    if (!d->default_value.empty()) desc += " (default: " + d->default_value + ")";
    std::vector<std::string> l = wrap_text(left, left_width);
    for (size_t i = 1; i < l.size(); ++i) l[i] = "  " + l[i];
    std::vector<std::string> r = wrap_text(desc, right_width);
    for (size_t i = 1; i < r.size(); ++i) r[i] = "  " + r[i];
    for (size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
      std::string a = i < l.size() ? l[i] : "";
      std::string b = i < r.size() ? r[i] : "";
      if (b.empty()) {
        out += a + "\n";
      } else {
        out += fmt::format("{:<{}} {}\n", a, left_width, b);
      }
    }
  }
  return out;
}

}  // namespace sluice::cli
