// OAUTHBEARER (RFC 7628) as Kafka's OAuthBearerSaslServer and OAuthBearerSaslClient:
//   client → n,[a=<authzid>],^Aauth=Bearer <token>^A[<key>=<value>^A]*^A
//   server → empty (authenticated), or, when the validator refuses the token, the RFC 7628 error
//            JSON ({"status":"invalid_token"}); the client then sends ^A and the server fails with
//            that JSON as the message (errc::authentication_failed), as Kafka does.
// A token's validator is pluggable: Kafka's default unsecured-JWS one (oauthbearer_unsecured.h)
// or the JWKS one (oauthbearer_jwks.h). SASL extensions are accepted, as both Kafka validators
// accept them. The session ends when the token expires (credential_expiry_ms, KIP-368).
// See sasl_server.h for ownership and threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "security/sasl_server.h"

namespace sluice::security {

// A validated token (Kafka's OAuthBearerToken).
struct oauth_token {
  std::string value;
  std::string principal;
  std::set<std::string> scope;
  int64_t lifetime_ms = 0;  // when it expires, ms since the epoch
  std::optional<int64_t> start_ms;
};

// Why a validator refused a token: what the client is told (RFC 6750 error status, the scope
// needed, an OpenID configuration URL) and the reason, which is only logged.
struct token_refusal {
  std::string status = "invalid_token";
  std::optional<std::string> scope;
  std::optional<std::string> openid_configuration;
  std::string reason;
};

// Immutable after construction; any thread.
class token_validator {
 public:
  virtual ~token_validator() = default;
  virtual std::variant<oauth_token, token_refusal> validate(const std::string& token,
                                                            int64_t now_ms) const = 0;
};

// Kafka's error JSON: {"status":"<s>"[, "scope":"<s>"][, "openid-configuration":"<u>"]}.
std::string oauth_error_json(const token_refusal& refusal);

struct client_initial_response {
  std::string token;
  std::string authorization_id;  // empty when not given
  std::map<std::string, std::string> extensions;
};
// errc::sasl_failed with Kafka's messages ("Invalid OAUTHBEARER client first message", ...).
result<client_initial_response> parse_client_initial_response(std::span<const uint8_t> message);
std::string format_client_initial_response(const client_initial_response& r);

using wall_clock_ms = std::function<int64_t()>;
int64_t system_now_ms();

class oauthbearer_server final : public sasl_server {
 public:
  explicit oauthbearer_server(std::shared_ptr<const token_validator> validator,
                              wall_clock_ms now = system_now_ms)
      : validator_(std::move(validator)), now_(std::move(now)) {}
  std::string_view mechanism() const override { return "OAUTHBEARER"; }
  result<byte_string> evaluate(std::span<const uint8_t> token) override;
  bool complete() const override { return token_.has_value(); }
  const std::string& authorization_id() const override { return token_->principal; }
  std::optional<int64_t> credential_expiry_ms() const override {
    return token_ ? std::optional<int64_t>(token_->lifetime_ms) : std::nullopt;
  }
  const std::map<std::string, std::string>& extensions() const { return extensions_; }

 private:
  std::shared_ptr<const token_validator> validator_;
  wall_clock_ms now_;
  std::optional<oauth_token> token_;
  std::map<std::string, std::string> extensions_;
  std::string error_message_;  // the JSON sent, until the client's ^A
};

// The client side: `make_token` gives the token (and extensions) when the exchange starts.
struct client_token {
  std::string value;
  std::map<std::string, std::string> extensions;
};
class oauthbearer_client final : public sasl_client {
 public:
  using token_source = std::function<result<client_token>()>;
  explicit oauthbearer_client(token_source source) : source_(std::move(source)) {}
  std::string_view mechanism() const override { return "OAUTHBEARER"; }
  result<byte_string> evaluate(std::span<const uint8_t> server_token) override;
  bool complete() const override { return state_ == state::complete; }

 private:
  enum class state { send_first, receive_first, receive_after_failure, complete };
  token_source source_;
  state state_ = state::send_first;
};

}  // namespace sluice::security
