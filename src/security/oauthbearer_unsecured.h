// Kafka's default OAUTHBEARER token handling, for development and tests: unsecured JWS tokens
// (alg "none", no signature).
//   - unsecured_validator: the broker side (OAuthBearerUnsecuredValidatorCallbackHandler), set up
//     from the JAAS options unsecuredValidatorPrincipalClaimName (default sub),
//     unsecuredValidatorScopeClaimName (scope), unsecuredValidatorRequiredScope (space-separated)
//     and unsecuredValidatorAllowableClockSkewMs (0). It checks the principal claim, iat, exp,
//     their order and the required scope, as Kafka does, and refuses with "invalid_token" or
//     "insufficient_scope" (with the required scope).
//   - make_unsecured_token: the client side (OAuthBearerUnsecuredLoginCallbackHandler), from
//     unsecuredLoginStringClaim_<name>, unsecuredLoginNumberClaim_<name>,
//     unsecuredLoginListClaim_<name> (first character the delimiter),
//     unsecuredLoginExtension_<name>, unsecuredLoginPrincipalClaimName,
//     unsecuredLoginScopeClaimName and unsecuredLoginLifetimeSeconds (3600).
// Option errors are errc::invalid_config with Kafka's messages, found when the broker starts.
// Immutable; any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "security/oauthbearer.h"

namespace sluice::security {

class unsecured_validator final : public token_validator {
 public:
  static result<std::shared_ptr<const unsecured_validator>> make(
      const std::map<std::string, std::string>& jaas_options);
  std::variant<oauth_token, token_refusal> validate(const std::string& token,
                                                    int64_t now_ms) const override;

 private:
  unsecured_validator() = default;
  std::string principal_claim_ = "sub";
  std::string scope_claim_ = "scope";
  std::vector<std::string> required_scope_;
  int64_t clock_skew_ms_ = 0;
};

// The token of an unsecured login at `now_ms`, with its extensions.
result<client_token> make_unsecured_token(const std::map<std::string, std::string>& jaas_options,
                                          int64_t now_ms);

// Kafka's OAuthBearerScopeUtils.parseScope: space-separated items of %x21 / %x23-5B / %x5D-7E.
result<std::vector<std::string>> parse_scope(std::string_view space_delimited);

}  // namespace sluice::security
