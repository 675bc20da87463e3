// Reading Java .properties text, the format of Kafka's server.properties.
//
// The subset java.util.Properties defines: `#` and `!` comment lines, `key=value`, `key: value`
// and `key value`, leading blanks ignored, a backslash at the end of a line continuing the
// logical line (the next line's leading blanks dropped), and escapes in keys and values (\t \n \r
// \f \uXXXX, and a backslash before any other character stands for that character, e.g. `\=`).
// Unlike Java, the text is read as UTF-8 (\uXXXX escapes are encoded to UTF-8). No variable
// substitution: `${X}` is literal. Pure functions; any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "server/errc.h"

namespace sluice::server {

struct property {
  std::string key;
  std::string value;  // as written after unescaping; Kafka trims it when parsing the type
  int line = 0;       // first line of the logical line (1-based); 0 for command-line overrides
};

// All entries in file order (a repeated key appears twice; the later one wins when applied).
// Fails only on a malformed \uXXXX escape.
result<std::vector<property>> parse_properties(std::string_view text);

result<std::vector<property>> load_properties_file(const std::filesystem::path& path);

// `key=value` from `--override`: split at the first '='; the key must be non-empty.
result<property> parse_override(std::string_view text);

}  // namespace sluice::server
