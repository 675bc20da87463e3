#include "security/oauthbearer_jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cmath>

#include "security/jws.h"

namespace sluice::security {

struct jwks_validator::rsa_key {
  std::string kid;  // empty when the key has none
  std::string alg;  // empty when the key does not restrict it
  EVP_PKEY* pkey = nullptr;
  ~rsa_key() { EVP_PKEY_free(pkey); }
};

namespace {

using rsa_key = jwks_validator::rsa_key;

EVP_PKEY* rsa_public_key(const byte_string& n, const byte_string& e) {
  BIGNUM* bn_n = BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM* params = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  EVP_PKEY* pkey = nullptr;
  if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) &&
      (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr &&
      (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) != nullptr &&
      EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) pkey = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return pkey;
}

const EVP_MD* digest_of(const std::string& alg) {
  if (alg == "RS256") return EVP_sha256();
  if (alg == "RS384") return EVP_sha384();
  if (alg == "RS512") return EVP_sha512();
  return nullptr;
}

bool verify(EVP_PKEY* key, const EVP_MD* md, std::string_view signed_text,
            const byte_string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, signature.data(), signature.size(),
                             reinterpret_cast<const unsigned char*>(signed_text.data()),
                             signed_text.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::string text_field(const nlohmann::json& o, const char* name) {
  auto it = o.find(name);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

jwks_validator::~jwks_validator() = default;

result<std::shared_ptr<const jwks_validator>> jwks_validator::make(const std::string& jwks_json,
                                                                   jwks_options options) {
  auto doc = nlohmann::json::parse(jwks_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
    return fail(errc::invalid_config, "not a JSON Web Key Set (an object with a \"keys\" array)");
  std::shared_ptr<jwks_validator> v(new jwks_validator());
  v->options_ = std::move(options);
  for (const auto& k : doc["keys"]) {
    if (!k.is_object() || text_field(k, "kty") != "RSA") continue;  // EC and oct keys: not offered
    if (auto use = text_field(k, "use"); !use.empty() && use != "sig") continue;
    auto n = base64url_decode(text_field(k, "n"));
    auto e = base64url_decode(text_field(k, "e"));
    if (!n || !e || n->empty() || e->empty())
      return fail(errc::invalid_config, "an RSA key without valid n and e members");
    auto key = std::make_shared<rsa_key>();
    key->kid = text_field(k, "kid");
    key->alg = text_field(k, "alg");
    key->pkey = rsa_public_key(*n, *e);
    if (!key->pkey) return fail(errc::invalid_config, "an RSA key OpenSSL does not accept");
    v->keys_.push_back(std::move(key));
  }
  if (v->keys_.empty()) return fail(errc::invalid_config, "the key set holds no RSA signing key");
  return std::shared_ptr<const jwks_validator>(std::move(v));
}

std::variant<oauth_token, token_refusal> jwks_validator::validate(const std::string& raw,
                                                                  int64_t now_ms) const {
  auto refuse = [](const std::string& reason) {
    return token_refusal{"invalid_token", {}, {}, "Could not validate the access token: " + reason};
  };
  const std::string token = trim(raw);
  if (token.empty())
    return refuse("Empty JWT provided; expected three sections (header, payload, and signature)");
  auto jws = parse_compact_jws(token);
  if (!jws)
    return refuse(
        "Malformed JWT provided; expected three sections (header, payload, and "
        "signature): " +
        jws.message());
  const std::string alg = text_field(jws->header, "alg");
  if (alg.empty() || alg == "none")
    return refuse("'none' is not a permitted JWS algorithm (a signed token is required)");
  const EVP_MD* md = digest_of(alg);
  if (!md) return refuse("the JWS algorithm " + alg + " is not supported (RS256, RS384, RS512)");
  const std::string kid = text_field(jws->header, "kid");
  const rsa_key* key = nullptr;
  int candidates = 0;
  for (const auto& k : keys_) {
    if (!kid.empty() && k->kid != kid) continue;
    if (!k->alg.empty() && k->alg != alg) continue;
    key = k.get();
    ++candidates;
  }
  if (!key || (kid.empty() && candidates != 1))
    return refuse("Unable to find a suitable verification key for JWS w/ header {\"alg\":\"" + alg +
                  "\"" + (kid.empty() ? "" : ",\"kid\":\"" + kid + "\"") + "}");
  auto signature = base64url_decode(jws->signature_part);
  const std::string signed_text = jws->header_part + "." + jws->payload_part;
  if (!signature || !verify(key->pkey, md, signed_text, *signature))
    return refuse("JWS signature is invalid");

  const auto& claims = jws->claims;
  const double now_s = static_cast<double>(now_ms) / 1000.0;
  const auto skew = static_cast<double>(options_.clock_skew_seconds);
  auto exp = number_claim(claims, "exp");
  if (!exp) return refuse(exp.message());
  if (!*exp) return refuse("No Expiration Time (exp) claim present.");
  auto iat = number_claim(claims, "iat");
  if (!iat) return refuse(iat.message());
  if (!*iat) return refuse("No Issued At (iat) claim present.");
  if (now_s - skew >= **exp) return refuse("The JWT is no longer valid");
  auto nbf = number_claim(claims, "nbf");
  if (!nbf) return refuse(nbf.message());
  if (*nbf && now_s + skew < **nbf) return refuse("The JWT is not yet valid");
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    std::vector<std::string> audiences;
    if (aud->is_string()) audiences.push_back(aud->get<std::string>());
    if (aud->is_array())
      for (const auto& a : *aud)
        if (a.is_string()) audiences.push_back(a.get<std::string>());
    if (options_.expected_audience.empty())
      return refuse(
          "Audience (aud) claim present in the JWT but no expected audience value(s) "
          "were provided to the JWT Consumer.");
    bool match = false;
    for (const auto& a : audiences)
      for (const auto& e : options_.expected_audience) match = match || a == e;
    if (!match) return refuse("Audience (aud) claim doesn't contain an acceptable identifier.");
  } else if (!options_.expected_audience.empty()) {
    return refuse("No Audience (aud) claim present.");
  }
  if (options_.expected_issuer) {
    auto iss = string_claim(claims, "iss");
    if (!iss || !*iss) return refuse("No Issuer (iss) claim present.");
    if (**iss != *options_.expected_issuer)
      return refuse("Issuer (iss) claim value (" + **iss + ") doesn't match expected value of " +
                    *options_.expected_issuer);
  }
  std::set<std::string> scope;
  if (auto s = claims.find(options_.scope_claim); s != claims.end()) {
    std::vector<std::string> raw_scope;
    if (s->is_string()) raw_scope.push_back(s->get<std::string>());
    if (s->is_array())
      for (const auto& item : *s)
        if (item.is_string()) raw_scope.push_back(item.get<std::string>());
    for (const auto& item : raw_scope) {
      if (is_blank(item))
        return refuse(options_.scope_claim + " value must be non-null and non-empty");
      scope.insert(trim(item));
    }
  }
  auto sub = string_claim(claims, options_.sub_claim);
  if (!sub) return refuse("Could not extract the '" + options_.sub_claim + "' claim");
  if (!*sub || is_blank(**sub))
    return refuse(options_.sub_claim + " value must be non-null and non-empty");
  oauth_token out;
  out.value = token;
  out.principal = trim(**sub);
  out.scope = std::move(scope);
  out.lifetime_ms = std::llround(**exp * 1000);
  out.start_ms = std::llround(**iat * 1000);
  return out;
}

}  // namespace sluice::security
