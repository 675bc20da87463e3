#include "security/oauthbearer.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace sluice::security {
namespace {

constexpr char separator = '\x01';

bool is_alpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool is_word(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}
bool is_value_char(char c) {
  return (c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_token_char(char c) {
  return is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~' || c == '+' ||
         c == '/' || c == '.';
}

// RFC 5801 saslname: UTF-8 but '=' and ',' only as =2C and =3D (Kafka allows \x01-\x7F only).
bool valid_saslname(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      if (s.substr(i, 3) != "=2C" && s.substr(i, 3) != "=3D") return false;
      i += 2;
    } else if (c == ',' || c < 0x01) {
      return false;  // also every byte >= 0x80 (negative char)
    }
  }
  return true;
}

failure<errc> invalid_first(std::string detail = {}) {
  return fail(errc::sasl_failed, "Invalid OAUTHBEARER client first message" + detail);
}

}  // namespace

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string oauth_error_json(const token_refusal& r) {
  std::string out = "{\"status\":\"" + r.status + "\"";
  if (r.scope) out += ", \"scope\":\"" + *r.scope + "\"";
  if (r.openid_configuration)
    out += ", \"openid-configuration\":\"" + *r.openid_configuration + "\"";
  return out + "}";
}

result<client_initial_response> parse_client_initial_response(std::span<const uint8_t> message) {
  std::string_view text(reinterpret_cast<const char*>(message.data()), message.size());
  client_initial_response out;
  if (text.substr(0, 2) != "n,") return invalid_first();
  text.remove_prefix(2);
  if (text.substr(0, 2) == "a=") {
    size_t comma = text.find(',');
    if (comma == std::string_view::npos) return invalid_first();
    out.authorization_id = std::string(text.substr(2, comma - 2));
    if (!valid_saslname(out.authorization_id)) return invalid_first();
    text.remove_prefix(comma);
  }
  if (text.size() < 2 || text[0] != ',' || text[1] != separator) return invalid_first();
  text.remove_prefix(2);
  std::optional<std::string> auth;
  // (key=value^A)* ^A, nothing after.
  while (text != std::string_view(&separator, 1)) {
    size_t key_end = 0;
    while (key_end < text.size() && is_alpha(text[key_end])) ++key_end;
    if (key_end == 0 || key_end >= text.size() || text[key_end] != '=') return invalid_first();
    size_t value_end = key_end + 1;
    while (value_end < text.size() && is_value_char(text[value_end])) ++value_end;
    if (value_end == key_end + 1 || value_end >= text.size() || text[value_end] != separator)
      return invalid_first();
    std::string key(text.substr(0, key_end));
    std::string value(text.substr(key_end + 1, value_end - key_end - 1));
    if (key == "auth")
      auth = std::move(value);
    else
      out.extensions[key] = std::move(value);
    text.remove_prefix(value_end + 1);
  }
  if (!auth) return invalid_first(": 'auth' not specified");
  // <scheme> SP+ <token> where the token is b64token (RFC 6750).
  std::string_view a = *auth;
  size_t scheme_end = 0;
  while (scheme_end < a.size() && is_word(a[scheme_end])) ++scheme_end;
  size_t token_start = scheme_end;
  while (token_start < a.size() && a[token_start] == ' ') ++token_start;
  size_t token_end = token_start;
  while (token_end < a.size() && is_token_char(a[token_end])) ++token_end;
  size_t padding_end = token_end;
  while (padding_end < a.size() && a[padding_end] == '=') ++padding_end;
  if (scheme_end == 0 || token_start == scheme_end || token_end == token_start ||
      padding_end != a.size())
    return invalid_first(": invalid 'auth' format");
  std::string scheme(a.substr(0, scheme_end));
  for (auto& c : scheme)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (scheme != "bearer")
    return fail(errc::sasl_failed, "Invalid scheme in OAUTHBEARER client first message: " +
                                       std::string(a.substr(0, scheme_end)));
  out.token = std::string(a.substr(token_start));
  return out;
}

std::string format_client_initial_response(const client_initial_response& r) {
  std::string out = "n,";
  if (!r.authorization_id.empty()) out += "a=" + r.authorization_id;
  out += ",";
  out += separator;
  out += "auth=Bearer " + r.token;
  for (const auto& [k, v] : r.extensions) {
    out += separator;
    out += k + "=" + v;
  }
  out += separator;
  out += separator;
  return out;
}

result<byte_string> oauthbearer_server::evaluate(std::span<const uint8_t> token) {
  if (token_) return fail(errc::illegal_state, "Authentication exchange has completed");
  if (token.size() == 1 && token[0] == separator && !error_message_.empty())
    return fail(errc::authentication_failed, error_message_);
  error_message_.clear();
  auto response = parse_client_initial_response(token);
  if (!response) return std::move(response).error();
  auto checked = validator_->validate(response->token, now_());
  if (auto* refusal = std::get_if<token_refusal>(&checked)) {
    // The client gets Kafka's error JSON only; the operator the reason (Kafka logs it at DEBUG,
    // which leaves a refused login unexplained at the default level).
    spdlog::info("SASL/OAUTHBEARER token refused ({}): {}", refusal->status,
                 refusal->reason.empty() ? std::string("no reason given") : refusal->reason);
    error_message_ = oauth_error_json(*refusal);
    return to_bytes(error_message_);
  }
  auto& valid = std::get<oauth_token>(checked);
  if (!response->authorization_id.empty() && response->authorization_id != valid.principal)
    return fail(errc::authentication_failed,
                "Authentication failed: Client requested an authorization id (" +
                    response->authorization_id +
                    ") that is different from the token's principal name (" + valid.principal +
                    ")");
  extensions_ = std::move(response->extensions);
  token_ = std::move(valid);
  return byte_string{};
}

result<byte_string> oauthbearer_client::evaluate(std::span<const uint8_t> server_token) {
  switch (state_) {
    case state::send_first: {
      if (!server_token.empty())
        return fail(errc::illegal_state, "Expected empty challenge callback response");
      auto token = source_();
      if (!token) return std::move(token).error();
      state_ = state::receive_first;
      return to_bytes(format_client_initial_response(
          client_initial_response{token->value, {}, std::move(token->extensions)}));
    }
    case state::receive_first:
      if (server_token.empty()) {
        state_ = state::complete;
        return byte_string{};
      }
      // The server's error JSON: answer ^A so it fails the exchange with that message.
      state_ = state::receive_after_failure;
      return byte_string{static_cast<uint8_t>(separator)};
    default:
      return fail(errc::illegal_state, "Unexpected challenge in Sasl client state");
  }
}

}  // namespace sluice::security
