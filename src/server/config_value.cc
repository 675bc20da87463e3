#include "server/config_value.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace sluice::server {
namespace {

std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

template <class T>
result<config_value> parse_integer(std::string_view s, std::string_view type_name) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() ||
      v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
    return fail(errc::invalid_config, "not a number of type " + std::string(type_name));
  }
  if constexpr (sizeof(T) == 8) {
    return config_value{v};
  } else {
    return config_value{static_cast<int32_t>(v)};
  }
}

}  // namespace

std::string_view to_string(config_type t) {
  switch (t) {
    case config_type::boolean:
      return "BOOLEAN";
    case config_type::string:
      return "STRING";
    case config_type::int_:
      return "INT";
    case config_type::short_:
      return "SHORT";
    case config_type::long_:
      return "LONG";
    case config_type::double_:
      return "DOUBLE";
    case config_type::list:
      return "LIST";
    case config_type::password:
      return "PASSWORD";
  }
  return "UNKNOWN";
}

result<config_value> parse_config_value(config_type type, std::string_view text) {
  if (type == config_type::password) return config_value{std::string(text)};
  std::string_view s = trim(text);
  switch (type) {
    case config_type::boolean:
      if (iequals(s, "true")) return config_value{true};
      if (iequals(s, "false")) return config_value{false};
      return fail(errc::invalid_config, "expected true or false");
    case config_type::string:
      return config_value{std::string(s)};
    case config_type::int_:
      return parse_integer<int32_t>(s, "INT");
    case config_type::short_:
      return parse_integer<int16_t>(s, "SHORT");
    case config_type::long_:
      return parse_integer<int64_t>(s, "LONG");
    case config_type::double_: {
      double v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
        return fail(errc::invalid_config, "not a number of type DOUBLE");
      }
      return config_value{v};
    }
    case config_type::list: {
      config_list items;
      if (s.empty()) return config_value{items};
      size_t start = 0;
      for (;;) {
        size_t comma = s.find(',', start);
        items.emplace_back(trim(s.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      while (!items.empty() && items.back().empty()) items.pop_back();  // "a,b," is [a, b]
      return config_value{items};
    }
    case config_type::password:
      break;
  }
  return fail(errc::invalid_config, "unknown type");
}

std::optional<std::string> format_config_value(const config_value& v) {
  struct visitor {
    std::optional<std::string> operator()(std::monostate) const { return std::nullopt; }
    std::optional<std::string> operator()(bool b) const { return b ? "true" : "false"; }
    std::optional<std::string> operator()(int32_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(int64_t i) const { return std::to_string(i); }
    std::optional<std::string> operator()(double d) const {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
      std::string s(buf, end);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // Java prints 1.0, not 1
      return s;
    }
    std::optional<std::string> operator()(const std::string& s) const { return s; }
    std::optional<std::string> operator()(const config_list& l) const {
      std::string out;
      for (size_t i = 0; i < l.size(); ++i) out += (i ? "," : "") + l[i];
      return out;
    }
  };
  return std::visit(visitor{}, v);
}

}  // namespace sluice::server
