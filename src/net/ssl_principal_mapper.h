// ssl_principal_mapper: ssl.principal.mapping.rules, Kafka's rules that turn the subject of a
// client certificate (its distinguished name in RFC 2253 form, "CN=alice,OU=eng,O=example") into
// the principal name the broker authorizes as ("alice").
//
// Syntax, as Kafka's SslPrincipalMapper reads it: comma-separated rules, tried in order, the first
// that applies wins; empty rules are skipped.
//   DEFAULT                             the name is the whole distinguished name
//   RULE:pattern/replacement/[L|U]      applies when `pattern` matches the whole name; the result
//                                       is the name with every match of `pattern` replaced by
//                                       `replacement` ($1.. are groups; \x is a literal x),
//                                       then lower-cased (L) or upper-cased (U)
// Inside pattern and replacement, '\' escapes the next character (so "\/" is a slash and "\,"
// a comma); commas are part of a pattern, only the text after the last '/' ends at a comma.
// Patterns are ECMAScript regular expressions, which read the constructs the rules use (groups,
// classes, lazy quantifiers, \w, anchors) as Java does.
//
// A value type built once from configuration (parse errors name the offending rule); name() is
// const and safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "net/errc.h"

namespace sluice::net {

class ssl_principal_mapper {
 public:
  // The rules of ssl.principal.mapping.rules. Errors (errc::invalid_argument) say which rule is
  // invalid and why.
  static result<ssl_principal_mapper> parse(std::string_view rules);

  // The principal name for `distinguished_name`, or errc::invalid_argument when no rule applies.
  result<std::string> name(std::string_view distinguished_name) const;

  // The rules as Kafka prints them: "[RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT]".
  std::string to_string() const;

 private:
  struct rule {
    bool is_default = true;
    std::string pattern_text;  // as written, escapes kept
    std::shared_ptr<const std::regex> pattern;
    std::string replacement;  // as written, escapes kept
    bool lower = false;
    bool upper = false;
  };
  // The mapped name, nullopt when the rule does not apply, or an error (a bad replacement).
  static result<std::optional<std::string>> apply(const rule& r, const std::string& name);

  std::vector<rule> rules_;
};

}  // namespace sluice::net
