#include "security/oauthbearer_unsecured.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "security/jws.h"

namespace sluice::security {
namespace {

const std::string string_claim_prefix = "unsecuredLoginStringClaim_";
const std::string number_claim_prefix = "unsecuredLoginNumberClaim_";
const std::string list_claim_prefix = "unsecuredLoginListClaim_";
const std::string extension_prefix = "unsecuredLoginExtension_";

// Java's String.format("%f").
std::string java_f(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

std::string option(const std::map<std::string, std::string>& options, const std::string& key,
                   std::string fallback = {}) {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

template <class T>
std::optional<T> parse_integer(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(const std::string& s) {
  auto t = trim(s);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool valid_scope_item(std::string_view item) {
  for (char c : item)
    if (!(c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e))) return false;
  return !item.empty();
}

std::string java_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + "]";
}

// Kafka's listJsonText: the first character is the delimiter; Java's split drops trailing empty
// elements, and an empty element anywhere adds one "" at the end.
nlohmann::json list_claim(const std::string& value) {
  auto out = nlohmann::json::array();
  if (value.size() <= 1) return out;
  const char delimiter = value[0];
  std::string_view rest = std::string_view(value).substr(1);
  std::vector<std::string> elements;
  size_t start = 0;
  for (;;) {
    size_t at = rest.find(delimiter, start);
    elements.emplace_back(rest.substr(start, at == rest.npos ? rest.npos : at - start));
    if (at == rest.npos) break;
    start = at + 1;
  }
  while (elements.size() > 1 && elements.back().empty()) elements.pop_back();
  for (auto& e : elements) out.push_back(e);
  std::string doubled(2, delimiter);
  if (rest.front() == delimiter || rest.back() == delimiter ||
      rest.find(doubled) != std::string_view::npos)
    out.push_back("");
  return out;
}

failure<errc> config_error(std::string message) {
  return fail(errc::invalid_config, std::move(message));
}

bool valid_extension_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}
bool valid_extension_value(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!((c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' || c == '\r' || c == '\n'))
      return false;
  return true;
}

}  // namespace

result<std::vector<std::string>> parse_scope(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t space = text.find(' ', start);
    auto item = text.substr(start, space == text.npos ? text.npos : space - start);
    if (!item.empty()) {
      if (!valid_scope_item(item)) return config_error("Invalid scope value: " + std::string(item));
      out.emplace_back(item);
    }
    if (space == text.npos) break;
    start = space + 1;
  }
  return out;
}

result<std::shared_ptr<const unsecured_validator>> unsecured_validator::make(
    const std::map<std::string, std::string>& options) {
  std::shared_ptr<unsecured_validator> v(new unsecured_validator());
  auto principal = option(options, "unsecuredValidatorPrincipalClaimName");
  if (!is_blank(principal)) v->principal_claim_ = trim(principal);
  auto scope = option(options, "unsecuredValidatorScopeClaimName");
  if (!is_blank(scope)) v->scope_claim_ = trim(scope);
  auto required = option(options, "unsecuredValidatorRequiredScope");
  if (!is_blank(required)) {
    auto items = parse_scope(trim(required));
    if (!items) return std::move(items).error();
    v->required_scope_ = std::move(*items);
  }
  auto skew = option(options, "unsecuredValidatorAllowableClockSkewMs");
  if (!is_blank(skew)) {
    auto ms = parse_integer<int32_t>(trim(skew));
    if (!ms) return config_error("For input string: \"" + trim(skew) + "\"");
    if (*ms < 0) return config_error("Allowable clock skew millis must not be negative: " + skew);
    v->clock_skew_ms_ = *ms;
  }
  return std::shared_ptr<const unsecured_validator>(std::move(v));
}

std::variant<oauth_token, token_refusal> unsecured_validator::validate(const std::string& token,
                                                                       int64_t now_ms) const {
  auto refuse = [](std::string reason) { return token_refusal{"invalid_token", {}, {}, reason}; };
  auto jws = parse_compact_jws(token);
  if (!jws) return refuse(jws.message());
  auto alg = jws->header.find("alg");
  if (alg == jws->header.end()) return refuse("JWS header must have an Algorithm value");
  if (!(alg->is_string() && alg->get<std::string>() == "none"))
    return refuse("Unsecured JWS must have 'none' for an algorithm");
  if (!jws->signature_part.empty())
    return refuse("Unsecured JWS must not contain a digital signature");
  auto scope = scope_claim(jws->claims, scope_claim_);
  if (!scope) return refuse(scope.message());
  auto exp = number_claim(jws->claims, "exp");
  if (!exp) return refuse(exp.message());
  if (!*exp) return refuse("No expiration time in JWT");
  auto principal = string_claim(jws->claims, principal_claim_);
  if (!principal) return refuse(principal.message());
  if (!*principal || is_blank(**principal))
    return refuse("No principal name in JWT claim: " + principal_claim_);
  auto iat = number_claim(jws->claims, "iat");
  if (!iat) return refuse(iat.message());

  if (*iat && 1000 * **iat > static_cast<double>(now_ms + clock_skew_ms_))
    return refuse("The Issued At value (" + java_f(**iat) +
                  " seconds) was after the indicated time (" + std::to_string(now_ms) +
                  " ms) plus allowable clock skew (" + std::to_string(clock_skew_ms_) + " ms)");
  if (static_cast<double>(now_ms - clock_skew_ms_) >= 1000 * **exp)
    return refuse("The indicated time (" + std::to_string(now_ms) +
                  " ms) minus allowable clock skew (" + std::to_string(clock_skew_ms_) +
                  " ms) was on or after the Expiration Time value (" + java_f(**exp) + " seconds)");
  if (*iat && **exp <= **iat)
    return refuse("The Expiration Time time (" + java_f(**exp) +
                  " seconds) was not after the Issued At time (" + java_f(**iat) + " seconds)");
  for (const auto& needed : required_scope_) {
    if (!scope->contains(needed)) {
      std::vector<std::string> had(scope->begin(), scope->end());
      return token_refusal{"insufficient_scope", java_list(required_scope_), std::nullopt,
                           "The provided scope (" + java_list(had) +
                               ") was missing a required scope (" + needed +
                               ").  All required scope elements: " + java_list(required_scope_)};
    }
  }
  oauth_token out;
  out.value = token;
  out.principal = **principal;
  out.scope = std::move(*scope);
  out.lifetime_ms = std::llround(**exp * 1000);
  if (*iat) out.start_ms = std::llround(**iat * 1000);
  return out;
}

result<client_token> make_unsecured_token(const std::map<std::string, std::string>& options,
                                          int64_t now_ms) {
  if (options.empty())
    return config_error(
        "the OAuthBearerLoginModule options make no token (set unsecuredLoginStringClaim_sub)");
  bool only_extensions = true;
  for (const auto& [k, v] : options)
    if (k.rfind(extension_prefix, 0) != 0) only_extensions = false;
  if (only_extensions) return config_error("Extensions provided in login context without a token");

  auto principal_claim = option(options, "unsecuredLoginPrincipalClaimName");
  principal_claim = is_blank(principal_claim) ? "sub" : trim(principal_claim);
  auto lifetime_text = option(options, "unsecuredLoginLifetimeSeconds", "3600");
  auto lifetime = parse_integer<int64_t>(lifetime_text);
  if (!lifetime) return config_error("For input string: \"" + lifetime_text + "\"");

  const double now_s = static_cast<double>(now_ms) / 1000.0;
  nlohmann::json claims = nlohmann::json::object();
  claims["exp"] = now_s + static_cast<double>(*lifetime);
  claims["iat"] = now_s;
  auto not_reserved = [](const std::string& name) -> result<std::string> {
    if (name == "iat" || name == "exp")
      return config_error("Cannot explicitly set the '" + name + "' claim");
    return name;
  };
  client_token out;
  for (const auto& [key, value] : options) {
    auto suffix = [&](const std::string& prefix) -> std::optional<std::string> {
      if (key.size() > prefix.size() && key.rfind(prefix, 0) == 0) return key.substr(prefix.size());
      return std::nullopt;
    };
    if (auto name = suffix(string_claim_prefix)) {
      auto n = not_reserved(*name);
      if (!n) return std::move(n).error();
      claims[*n] = value;
    } else if (auto nname = suffix(number_claim_prefix)) {
      auto n = not_reserved(*nname);
      if (!n) return std::move(n).error();
      auto number = parse_double(value);
      if (!number) return config_error("For input string: \"" + value + "\"");
      claims[*n] = *number;
    } else if (auto lname = suffix(list_claim_prefix)) {
      auto n = not_reserved(*lname);
      if (!n) return std::move(n).error();
      claims[*n] = list_claim(value);
    } else if (key.rfind(extension_prefix, 0) == 0) {
      auto name = key.substr(extension_prefix.size());
      if (name == "auth" || !valid_extension_key(name))
        return config_error("Extension name " + name + " is invalid");
      if (!valid_extension_value(value))
        return config_error("Extension value (" + value + ") for extension " + name +
                            " is invalid");
      out.extensions[name] = value;
    }
  }
  auto principal = claims.find(principal_claim);
  if (principal == claims.end() || !principal->is_string() ||
      is_blank(principal->get<std::string>()))
    return config_error("No principal name in JWT claim: " + principal_claim);
  const std::string header = R"({"alg":"none"})";
  const std::string body = claims.dump();
  out.value = base64url_encode(to_bytes(header)) + "." + base64url_encode(to_bytes(body)) + ".";
  return out;
}

}  // namespace sluice::security
