// Typed configuration values as Kafka's ConfigDef knows them: a type, a parser from text, and
// the text form DescribeConfigs shows. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/errc.h"

namespace sluice::server {

// Kafka's config types. SHORT and INT both hold an int32_t (SHORT is range-checked).
enum class config_type { boolean, string, int_, short_, long_, double_, list, password };
std::string_view to_string(config_type t);  // "INT", "LONG", ... as Kafka prints them

using config_list = std::vector<std::string>;
// monostate = null (a key with no default that was not set).
using config_value =
    std::variant<std::monostate, bool, int32_t, int64_t, double, std::string, config_list>;

inline bool is_null(const config_value& v) {
  return std::holds_alternative<std::monostate>(v);
}

// Parses text the way Kafka does: surrounding blanks trimmed (not for PASSWORD), booleans
// true/false in any case, integers in decimal with an optional sign, lists split on commas with
// each element trimmed (an empty string is the empty list). The error is the reason only.
result<config_value> parse_config_value(config_type type, std::string_view text);

// Kafka's text form: lists joined with ",", doubles as Java prints them (0.5, 1.0); nullopt for
// null.
std::optional<std::string> format_config_value(const config_value& v);

}  // namespace sluice::server
