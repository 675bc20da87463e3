// Java-style .properties files and `key=value` arguments, the way Kafka's tools take client
// settings
// (--command-config, --producer.config, --producer-property, -X). Pure functions over text.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/errors.h"

namespace sluice::cli {

// Sorted so that output and the order settings are applied in are deterministic.
using property_map = std::map<std::string, std::string>;

// Parses the text of a .properties file: `#`/`!` comments, `key=value`, `key:value` or
// `key value`, backslash line continuations and escapes (\t \n \r \f \uXXXX).
property_map parse_properties(std::string_view text);

// Reads and parses a .properties file; fails with errc::io when it cannot be read.
result<property_map> load_properties_file(const std::string& path);

// Splits `key=value` at the first '='. Without '=' the value is empty, or an error when
// `allow_missing_value` is false.
result<std::pair<std::string, std::string>> split_key_value(std::string_view text,
                                                            bool allow_missing_value = true);

// Adds each `key=value` of `args` to `out` (later ones win).
result<void> add_key_values(property_map& out, const std::vector<std::string>& args,
                            bool allow_missing_value = true);

// "true" (any case, surrounding blanks ignored) is true, anything else false, as Kafka reads flags.
bool property_true(const property_map& props, const std::string& key, bool fallback = false);

}  // namespace sluice::cli
