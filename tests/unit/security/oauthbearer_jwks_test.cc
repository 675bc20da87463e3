// The JWKS-file OAUTHBEARER validator (Kafka's OAuthBearerValidatorCallbackHandler with a file://
// key set): RS256 signatures checked with OpenSSL against a key made here, and the claim checks
// jose4j applies for Kafka.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "security/jws.h"
#include "security/oauthbearer_jwks.h"
#include "security/sasl_config.h"

namespace sluice::security {
namespace {

constexpr int64_t now_ms = 1'700'000'000'000;

struct test_key {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  ~test_key() { EVP_PKEY_free(pkey); }

  std::string member(const char* name) const {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(pkey, name, &bn);
    byte_string bytes(static_cast<size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, bytes.data());
    BN_free(bn);
    return base64url_encode(bytes);
  }
  std::string jwks(const std::string& kid) const {
    return R"({"keys":[{"kty":"EC","kid":"other","crv":"P-256","x":"AA","y":"AA"},)"
           R"({"kty":"RSA","use":"sig","alg":"RS256","kid":")" +
           kid + R"(","n":")" + member(OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" +
           member(OSSL_PKEY_PARAM_RSA_E) + R"("}]})";
  }
  std::string sign(const std::string& claims, const std::string& header) const {
    std::string text =
        base64url_encode(to_bytes(header)) + "." + base64url_encode(to_bytes(claims));
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(text.data()),
                   text.size());
    byte_string signature(length);
    EVP_DigestSign(ctx, signature.data(), &length,
                   reinterpret_cast<const unsigned char*>(text.data()), text.size());
    EVP_MD_CTX_free(ctx);
    signature.resize(length);
    return text + "." + base64url_encode(signature);
  }
};

const test_key& key() {
  static test_key k;
  return k;
}

std::string rs256(const std::string& claims, const std::string& kid = "k1") {
  return key().sign(claims, R"({"alg":"RS256","kid":")" + kid + R"("})");
}

std::string check(const std::string& token, jwks_options options = {}) {
  auto v = jwks_validator::make(key().jwks("k1"), std::move(options));
  EXPECT_TRUE(v.ok()) << v.message();
  auto checked = (*v)->validate(token, now_ms);
  if (auto* t = std::get_if<oauth_token>(&checked)) return "ok " + t->principal;
  return std::get<token_refusal>(checked).reason;
}

constexpr std::string_view prefix = "Could not validate the access token: ";

TEST(JwksValidator, AcceptsASignedToken) {
  auto v = jwks_validator::make(key().jwks("k1"), {});
  ASSERT_TRUE(v.ok()) << v.message();
  auto checked = (*v)->validate(
      rs256(R"({"sub":"alice","iat":1699999990,"exp":1700000600,"scope":"kafka other"})"), now_ms);
  auto& t = std::get<oauth_token>(checked);
  EXPECT_EQ(t.principal, "alice");
  EXPECT_EQ(t.lifetime_ms, 1700000600000);
  EXPECT_EQ(t.scope, (std::set<std::string>{"kafka other"}));
}

TEST(JwksValidator, RefusesAsJose4jDoes) {
  const std::string good = R"({"sub":"alice","iat":1699999990,"exp":1700000600})";
  auto token = rs256(good);
  // A changed payload under the old signature.
  auto dot = token.find('.');
  auto forged = token.substr(0, dot + 1) +
                base64url_encode(to_bytes(R"({"sub":"admin","iat":1699999990,"exp":1700000600})")) +
                token.substr(token.rfind('.'));
  EXPECT_EQ(check(forged), std::string(prefix) + "JWS signature is invalid");
  EXPECT_EQ(check(rs256(good, "unknown")).rfind(std::string(prefix) + "Unable to find", 0), 0u);
  auto none = base64url_encode(to_bytes(R"({"alg":"none"})")) + "." +
              base64url_encode(to_bytes(good)) + ".";
  EXPECT_NE(check(none).find("'none' is not a permitted"), std::string::npos);
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1699999990,"exp":1699999960})")),
            std::string(prefix) + "The JWT is no longer valid");
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1699999990,"exp":1699999980})"),
                  jwks_options{.clock_skew_seconds = 0}),
            std::string(prefix) + "The JWT is no longer valid");
  EXPECT_EQ(check(rs256(R"({"sub":"a","exp":1700000600})")),
            std::string(prefix) + "No Issued At (iat) claim present.");
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1,"exp":1700000600,"nbf":1700000100})")),
            std::string(prefix) + "The JWT is not yet valid");
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1,"exp":1700000600,"aud":"kafka"})")),
            std::string(prefix) +
                "Audience (aud) claim present in the JWT but no expected audience value(s) were "
                "provided to the JWT Consumer.");
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1,"exp":1700000600,"aud":["x","kafka"]})"),
                  jwks_options{.expected_audience = {"kafka"}}),
            "ok a");
  EXPECT_EQ(check(rs256(R"({"sub":"a","iat":1,"exp":1700000600,"iss":"evil"})"),
                  jwks_options{.expected_issuer = "https://issuer"}),
            std::string(prefix) +
                "Issuer (iss) claim value (evil) doesn't match expected value of https://issuer");
  EXPECT_EQ(
      check(rs256(R"({"user":"bob","iat":1,"exp":1700000600})"), jwks_options{.sub_claim = "user"}),
      "ok bob");
  EXPECT_EQ(check(rs256(R"({"iat":1,"exp":1700000600})")),
            std::string(prefix) + "sub value must be non-null and non-empty");
}

TEST(JwksValidator, KeySetErrors) {
  EXPECT_FALSE(jwks_validator::make("{}", {}).ok());
  EXPECT_FALSE(jwks_validator::make(R"({"keys":[{"kty":"EC"}]})", {}).ok());
  EXPECT_FALSE(jwks_validator::make(R"({"keys":[{"kty":"RSA","n":"!","e":"AQAB"}]})", {}).ok());
}

TEST(JwksValidator, ConfiguredFromKafkasKeys) {
  std::string path = ::testing::TempDir() + "/jwks.json";
  std::ofstream(path) << key().jwks("k1");
  sasl_inputs in;
  in.enabled_mechanisms = {"OAUTHBEARER"};
  in.properties["listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class"] =
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
  auto missing = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message().rfind(
                "listener.name.sasl_plaintext.oauthbearer.sasl.oauthbearer.jwks.endpoint.url: ", 0),
            0u)
      << missing.message();
  in.properties["sasl.oauthbearer.jwks.endpoint.url"] = "https://idp/keys";
  auto https = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.message().rfind("sasl.oauthbearer.jwks.endpoint.url: ", 0), 0u);
  in.properties["sasl.oauthbearer.jwks.endpoint.url"] = "file://" + path;
  in.properties["sasl.oauthbearer.expected.audience"] = "kafka";
  auto c = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_TRUE(c.ok()) << c.message();
  auto server = make_sasl_server(*c, "OAUTHBEARER", nullptr);
  ASSERT_TRUE(server.ok());
  auto token = rs256(R"({"sub":"alice","iat":1,"exp":4000000000,"aud":"kafka"})");
  auto answer =
      (*server)->evaluate(to_bytes("n,,\x01"
                                   "auth=Bearer " +
                                   token + "\x01\x01"));
  ASSERT_TRUE(answer.ok()) << answer.message();
  EXPECT_TRUE((*server)->complete()) << to_text(*answer);
  in.properties["listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class"] =
      "com.example.MyHandler";
  auto other = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.message().rfind(
                "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class: ", 0),
            0u);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sluice::security
