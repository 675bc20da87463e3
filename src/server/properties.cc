#include "server/properties.h"

#include <fstream>
#include <optional>
#include <sstream>

namespace sluice::server {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

struct logical_line {
  std::string text;  // escapes still in place
  int line;
};

// Reads one natural line from `pos`, advancing past its terminator (\n, \r or \r\n).
std::string_view next_natural_line(std::string_view text, size_t& pos, int& line) {
  size_t start = pos;
  while (pos < text.size() && text[pos] != '\n' && text[pos] != '\r') ++pos;
  std::string_view out = text.substr(start, pos - start);
  if (pos < text.size()) {
    pos += (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ? 2 : 1;
    ++line;
  }
  return out;
}

std::string_view skip_blanks(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_blank(s[i])) ++i;
  return s.substr(i);
}

// Comments and blank lines dropped; continued lines joined.
std::vector<logical_line> logical_lines(std::string_view text) {
  std::vector<logical_line> out;
  size_t pos = 0;
  int line = 1;
  while (pos < text.size()) {
    int first = line;
    std::string_view natural = skip_blanks(next_natural_line(text, pos, line));
    if (natural.empty() || natural[0] == '#' || natural[0] == '!') continue;
    std::string joined;
    for (;;) {
      size_t backslashes = 0;
      while (backslashes < natural.size() && natural[natural.size() - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) {
        joined.append(natural);
        break;
      }
      joined.append(natural.substr(0, natural.size() - 1));  // an odd backslash continues
      if (pos >= text.size()) break;
      natural = skip_blanks(next_natural_line(text, pos, line));
    }
    out.push_back(logical_line{std::move(joined), first});
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

std::optional<uint32_t> hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
  }
  return v;
}

result<std::string> unescape(std::string_view s, int line) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) break;  // a lone trailing backslash stands for nothing
    char c = s[i];
    switch (c) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        auto unit = hex4(s, i + 1);
        if (!unit) {
          return fail(errc::invalid_config,
                      "line " + std::to_string(line) + ": malformed \\uXXXX escape");
        }
        i += 4;
        uint32_t cp = *unit;
        // A surrogate pair written as two escapes is one character.
        if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < s.size() && s[i + 1] == '\\' &&
            s[i + 2] == 'u') {
          auto low = hex4(s, i + 3);
          if (low && *low >= 0xdc00 && *low < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (*low - 0xdc00);
            i += 6;
          }
        }
        append_utf8(out, cp);
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

result<std::vector<property>> parse_properties(std::string_view text) {
  std::vector<property> out;
  for (const auto& l : logical_lines(text)) {
    std::string_view s = l.text;
    size_t key_end = 0;
    size_t value_start = s.size();
    bool has_separator = false;
    bool escaped = false;
    for (; key_end < s.size(); ++key_end) {
      char c = s[key_end];
      if (!escaped && (c == '=' || c == ':')) {
        value_start = key_end + 1;
        has_separator = true;
        break;
      }
      if (!escaped && is_blank(c)) {
        value_start = key_end + 1;
        break;
      }
      escaped = c == '\\' ? !escaped : false;
    }
    // Blanks, then at most one '=' or ':' (if none ended the key), then blanks.
    while (value_start < s.size()) {
      char c = s[value_start];
      if (!is_blank(c)) {
        if (has_separator || (c != '=' && c != ':')) break;
        has_separator = true;
      }
      ++value_start;
    }
    auto key = unescape(s.substr(0, key_end), l.line);
    if (!key.ok()) return std::move(key).error();
    auto value = unescape(s.substr(std::min(value_start, s.size())), l.line);
    if (!value.ok()) return std::move(value).error();
    out.push_back(property{std::move(*key), std::move(*value), l.line});
  }
  return out;
}

result<std::vector<property>> load_properties_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::io_error, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(errc::io_error, "error reading " + path.string());
  auto parsed = parse_properties(text.str());
  if (!parsed.ok()) return fail(errc::invalid_config, path.string() + ": " + parsed.message());
  return parsed;
}

result<property> parse_override(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return fail(errc::invalid_config,
                "--override '" + std::string(text) + "' is not of the form key=value");
  }
  std::string_view key = text.substr(0, eq);
  while (!key.empty() && is_blank(key.front())) key.remove_prefix(1);
  while (!key.empty() && is_blank(key.back())) key.remove_suffix(1);
  if (key.empty()) {
    return fail(errc::invalid_config, "--override '" + std::string(text) + "' has an empty key");
  }
  return property{std::string(key), std::string(text.substr(eq + 1)), 0};
}

}  // namespace sluice::server
