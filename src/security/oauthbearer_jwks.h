// The OAUTHBEARER validator Kafka 3.9 configures with
//   sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
// and a JWKS file (sasl.oauthbearer.jwks.endpoint.url=file:///path): signed JWTs (RS256, RS384,
// RS512 — RSA keys of the set; the key named by the header's kid, or the set's only RSA key),
// checked as Kafka's ValidatorAccessTokenValidator has jose4j check them: a signature, exp and iat
// required, exp and nbf with sasl.oauthbearer.clock.skew.seconds of slack, the audience
// (sasl.oauthbearer.expected.audience; a token with an aud claim is refused when none is
// expected) and the issuer (sasl.oauthbearer.expected.issuer), then the scope and subject claims
// (sasl.oauthbearer.scope.claim.name, sasl.oauthbearer.sub.claim.name). Every refusal is Kafka's
// {"status":"invalid_token"}. The key set is read once, at start-up (HTTPS endpoints are not
// supported). Immutable; any thread. Signature checks are OpenSSL's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "security/oauthbearer.h"

namespace sluice::security {

struct jwks_options {
  std::vector<std::string> expected_audience;
  std::optional<std::string> expected_issuer;
  std::string scope_claim = "scope";
  std::string sub_claim = "sub";
  int64_t clock_skew_seconds = 30;
};

class jwks_validator final : public token_validator {
 public:
  // `jwks_json`: a JSON Web Key Set (RFC 7517). errc::invalid_config when it is not one or holds
  // no usable RSA key.
  static result<std::shared_ptr<const jwks_validator>> make(const std::string& jwks_json,
                                                            jwks_options options);
  ~jwks_validator() override;
  std::variant<oauth_token, token_refusal> validate(const std::string& token,
                                                    int64_t now_ms) const override;

  struct rsa_key;

 private:
  jwks_validator() = default;
  std::vector<std::shared_ptr<const rsa_key>> keys_;
  jwks_options options_;
};

}  // namespace sluice::security
