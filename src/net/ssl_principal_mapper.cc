#include "net/ssl_principal_mapper.h"

#include <cctype>
#include <optional>

namespace sluice::net {
namespace {

// Java's \s.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\x0B' || c == '\f' || c == '\r';
}

// Where a rule ends: blanks, then a comma (and the blanks after it) or the end of the text. The
// position after that, or nullopt if `at` is not such a place.
std::optional<size_t> terminator_at(std::string_view s, size_t at) {
  size_t i = at;
  while (i < s.size() && is_space(s[i])) ++i;
  if (i == s.size()) return i;
  if (s[i] != ',') return std::nullopt;
  ++i;
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

// The end of a pattern or replacement starting at `at`: the first '/' not escaped by '\'. nullopt
// when there is none (or a lone '\' ends the text).
std::optional<size_t> field_end(std::string_view s, size_t at) {
  size_t i = at;
  while (i < s.size()) {
    if (s[i] == '\\') {
      if (i + 1 >= s.size()) return std::nullopt;
      i += 2;
    } else if (s[i] == '/') {
      return i;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

struct rule_parts {
  std::string pattern;
  std::string replacement;
  char flag = 0;   // 'L', 'U' or none
  size_t end = 0;  // just after the flag
};

// "RULE:pattern/replacement/" and an optional L or U at `at`, or nullopt.
std::optional<rule_parts> rule_at(std::string_view s, size_t at) {
  constexpr std::string_view prefix = "RULE:";
  if (s.substr(at, prefix.size()) != prefix) return std::nullopt;
  size_t p = at + prefix.size();
  auto pattern_end = field_end(s, p);
  if (!pattern_end) return std::nullopt;
  auto replacement_end = field_end(s, *pattern_end + 1);
  if (!replacement_end) return std::nullopt;
  rule_parts out;
  out.pattern = std::string(s.substr(p, *pattern_end - p));
  out.replacement = std::string(s.substr(*pattern_end + 1, *replacement_end - *pattern_end - 1));
  out.end = *replacement_end + 1;
  if (out.end < s.size() && (s[out.end] == 'L' || s[out.end] == 'U')) out.flag = s[out.end++];
  return out;
}

// Splits the rules text into rule texts the way Kafka's splitter does: DEFAULT when a rule
// boundary follows it; else a RULE: with both slashes, whatever follows its flag up to the next
// boundary included (parse_rule refuses it); else anything up to the next boundary.
std::vector<std::string> split_rules(std::string_view text) {
  // Java's String.trim(): every character up to ' '.
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  std::vector<std::string> out;
  size_t i = 0;
  for (;;) {
    size_t start = i;
    while (start < text.size() && is_space(text[start])) ++start;
    size_t body_end = start;
    std::optional<size_t> next;
    auto ends_at = [&](size_t from) {  // the first boundary at or after `from`
      for (size_t m = from; m <= text.size(); ++m) {
        if (auto t = terminator_at(text, m)) {
          body_end = m;
          next = *t;
          return;
        }
      }
    };
    if (text.substr(start, 7) == "DEFAULT" && terminator_at(text, start + 7)) {
      body_end = start + 7;
      next = terminator_at(text, start + 7);
    } else if (auto r = rule_at(text, start)) {
      ends_at(r->end);
    } else {
      ends_at(start);
    }
    out.emplace_back(text.substr(start, body_end - start));
    if (!next || *next == i) break;  // an empty match happens only at the end
    i = *next;
  }
  return out;
}

failure<errc> invalid(std::string message) {
  return fail(errc::invalid_argument, std::move(message));
}

// Java's Matcher.appendReplacement for one match, with Kafka's tweak: a $n naming a group the
// pattern does not have is a literal "$n".
result<std::string> expand(std::string_view replacement, const std::smatch& m) {
  const size_t groups = m.size() - 1;
  std::string out;
  for (size_t i = 0; i < replacement.size(); ++i) {
    char c = replacement[i];
    if (c == '\\') {
      if (++i == replacement.size()) return invalid("character to be escaped is missing");
      out += replacement[i];
      continue;
    }
    if (c != '$') {
      out += c;
      continue;
    }
    size_t digits = i + 1;
    size_t digits_end = digits;
    while (digits_end < replacement.size() &&
           std::isdigit(static_cast<unsigned char>(replacement[digits_end])))
      ++digits_end;
    if (digits_end == digits)
      return invalid("illegal group reference in '" + std::string(replacement) + "'");
    std::string_view number = replacement.substr(digits, digits_end - digits);
    if (groups > 0 && number[0] != '0') {
      // Kafka: the longest leading part of the number that names a group, else literal.
      size_t index = 0;
      for (char d : number.substr(0, 9)) index = index * 10 + static_cast<size_t>(d - '0');
      while (index > groups && index >= 10) index /= 10;
      if (index > groups) {
        out += '$';
        continue;  // the digits follow as plain text
      }
    }
    // Java: the first digit, then more while the number still names a group.
    size_t group = static_cast<size_t>(number[0] - '0');
    size_t used = 1;
    while (used < number.size()) {
      size_t longer = group * 10 + static_cast<size_t>(number[used] - '0');
      if (longer > groups) break;
      group = longer;
      ++used;
    }
    if (group > groups) return invalid("no group " + std::to_string(group));
    out += m[static_cast<int>(group)].str();
    i = digits + used - 1;
  }
  return out;
}

}  // namespace

result<ssl_principal_mapper> ssl_principal_mapper::parse(std::string_view rules) {
  ssl_principal_mapper out;
  for (const auto& text : split_rules(rules)) {
    if (text.empty()) continue;  // empty rules are ignored
    rule r;
    if (text.starts_with("DEFAULT")) {
      if (text.size() != 7)
        return invalid("Invalid rule: `" + text + "`, unmatched substring: `" + text.substr(7) +
                       "`");
      out.rules_.push_back(r);
      continue;
    }
    auto parts = rule_at(text, 0);
    if (!parts) return invalid("Invalid rule: `" + text + "`");
    if (parts->end != text.size())
      return invalid("Invalid rule: `" + text + "`, unmatched substring: `" +
                     text.substr(parts->end) + "`");
    r.is_default = false;
    r.pattern_text = parts->pattern;
    r.replacement = parts->replacement;
    r.lower = parts->flag == 'L';
    r.upper = parts->flag == 'U';
    try {
      r.pattern = std::make_shared<const std::regex>(r.pattern_text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return invalid("Invalid rule: `" + text +
                     "`: the pattern is not a valid regular expression (" + e.what() + ")");
    }
    out.rules_.push_back(std::move(r));
  }
  return out;
}

result<std::optional<std::string>> ssl_principal_mapper::apply(const rule& r,
                                                               const std::string& name) {
  if (r.is_default) return std::optional<std::string>(name);
  try {
    std::smatch whole;
    if (!std::regex_match(name, whole, *r.pattern)) return std::optional<std::string>();
    // String.replaceAll: every match, left to right.
    std::string out;
    auto last = name.cbegin();
    for (std::sregex_iterator it(name.begin(), name.end(), *r.pattern), end; it != end; ++it) {
      out.append(last, (*it)[0].first);
      auto piece = expand(r.replacement, *it);
      if (!piece) return std::move(piece).error();
      out += *piece;
      last = (*it)[0].second;
    }
    out.append(last, name.cend());
    for (auto& c : out) {
      if (r.lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (r.upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return std::optional<std::string>(std::move(out));
  } catch (const std::regex_error& e) {  // e.g. a pattern too complex for this name
    return invalid(std::string("matching failed: ") + e.what());
  }
}

result<std::string> ssl_principal_mapper::name(std::string_view distinguished_name) const {
  const std::string dn(distinguished_name);
  for (const auto& r : rules_) {
    auto mapped = apply(r, dn);
    if (!mapped) return std::move(mapped).error();
    if (*mapped) return std::move(**mapped);
  }
  return invalid("No rules apply to " + dn + ", rules " + to_string());
}

std::string ssl_principal_mapper::to_string() const {
  std::string out = "[";
  for (size_t i = 0; i < rules_.size(); ++i) {
    const rule& r = rules_[i];
    if (i > 0) out += ", ";
    if (r.is_default) {
      out += "DEFAULT";
      continue;
    }
    out += "RULE:" + r.pattern_text + "/" + r.replacement;
    if (r.lower) out += "/L";
    if (r.upper) out += "/U";
  }
  return out + "]";
}

}  // namespace sluice::net
