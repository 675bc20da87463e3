// jws: a JSON Web Signature in compact serialization (RFC 7515) taken apart — the three
// dot-separated Base64URL parts, the header and the claims as JSON — with the claim accessors
// Kafka's OAuthBearerUnsecuredJws applies (a claim is a number, a string or a list of strings).
// OAUTHBEARER's validators build on it; nothing here checks a signature. Pure functions and value
// types; any thread.
#pragma once

#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "security/base64.h"
#include "security/bytes.h"
#include "security/errc.h"

namespace sluice::security {

struct compact_jws {
  std::string header_part, payload_part, signature_part;  // as received, Base64URL
  nlohmann::json header;  // JSON objects (anything else reads as an empty object)
  nlohmann::json claims;
};

// Kafka's rules: no "..", exactly three parts (a trailing '.' makes an empty signature), header
// and claims are Base64 (URL or basic alphabet, padding optional) of JSON. Errors are
// errc::invalid_argument with Kafka's reason ("malformed JSON", ...), for the log.
result<compact_jws> parse_compact_jws(std::string_view text);

// Claim accessors: absent → nullopt; present with another type → errc::invalid_argument
// ("The 'exp' claim was not of type Number: String"). Strings are any non-number, non-array
// value as text (Jackson's asText: true → "true").
result<std::optional<double>> number_claim(const nlohmann::json& claims, const std::string& name);
result<std::optional<std::string>> string_claim(const nlohmann::json& claims,
                                                const std::string& name);
// A scope claim as Kafka reads it: a string (one scope, trimmed; blank → none) or a list of
// strings (blank ones dropped); absent → none.
result<std::set<std::string>> scope_claim(const nlohmann::json& claims, const std::string& name);

bool is_blank(std::string_view s);
std::string trim(std::string_view s);

}  // namespace sluice::security
