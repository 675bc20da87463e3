// Java .properties parsing and key=value splitting for the command-line tools.
#include "cli/properties.h"

#include <fstream>
#include <sstream>

namespace sluice::cli {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

// Appends the UTF-8 encoding of `cp`.
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Resolves backslash escapes of one logical line's key or value.
std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 == s.size()) {
      out.push_back(c);
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'u': {
        uint32_t cp = 0;
        size_t j = 0;
        for (; j < 4 && i + 1 + j < s.size(); ++j) {
          char h = s[i + 1 + j];
          int v = (h >= '0' && h <= '9')   ? h - '0'
                  : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                  : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                           : -1;
          if (v < 0) break;
          cp = cp * 16 + static_cast<uint32_t>(v);
        }
        if (j == 4) {
          append_utf8(out, cp);
          i += 4;
        } else {
          out.push_back('u');
        }
        break;
      }
      default:
        out.push_back(e);
    }
  }
  return out;
}

// True when the line ends in an odd number of backslashes (a continuation).
bool continues(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

}  // namespace

property_map parse_properties(std::string_view text) {
  property_map props;
  std::vector<std::string> logical;
  std::string current;
  bool joining = false;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = 0;
    while (start < line.size() && is_blank(line[start])) ++start;
    line.remove_prefix(start);
    if (!joining && (line.empty() || line[0] == '#' || line[0] == '!')) {
      if (end == text.size()) break;
      continue;
    }
    if (continues(line)) {
      current.append(line.substr(0, line.size() - 1));
      joining = true;
    } else {
      current.append(line);
      logical.push_back(std::move(current));
      current.clear();
      joining = false;
    }
    if (end == text.size()) break;
  }
  if (joining) logical.push_back(std::move(current));

  for (const std::string& entry : logical) {
    // The key ends at the first unescaped '=', ':' or blank.
    size_t i = 0;
    while (i < entry.size()) {
      char c = entry[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '=' || c == ':' || is_blank(c)) break;
      ++i;
    }
    size_t key_end = std::min(i, entry.size());
    while (i < entry.size() && is_blank(entry[i])) ++i;
    if (i < entry.size() && (entry[i] == '=' || entry[i] == ':')) ++i;
    while (i < entry.size() && is_blank(entry[i])) ++i;
    std::string key = unescape(std::string_view(entry).substr(0, key_end));
    if (key.empty()) continue;
    props[key] = unescape(std::string_view(entry).substr(std::min(i, entry.size())));
  }
  return props;
}

result<property_map> load_properties_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::io, path + " (No such file or directory)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_properties(text.str());
}

result<std::pair<std::string, std::string>> split_key_value(std::string_view text,
                                                            bool allow_missing_value) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq + 1 == text.size()) {
    std::string key(text.substr(0, eq));
    if (!allow_missing_value) return fail(errc::usage, "Missing value for key " + key);
    return std::pair{key, std::string()};
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

result<void> add_key_values(property_map& out, const std::vector<std::string>& args,
                            bool allow_missing_value) {
  for (const std::string& arg : args) {
    if (arg.empty()) continue;
    auto kv = split_key_value(arg, allow_missing_value);
    if (!kv) return std::move(kv).error();
    out[kv->first] = kv->second;
  }
  return ok_v;
}

bool property_true(const property_map& props, const std::string& key, bool fallback) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  std::string v;
  for (char c : it->second) {
    if (!is_blank(c) && c != '\n' && c != '\r') v.push_back(static_cast<char>(std::tolower(c)));
  }
  return v == "true";
}

}  // namespace sluice::cli
