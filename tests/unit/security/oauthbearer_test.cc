// OAUTHBEARER as Kafka's OAuthBearerSaslServer/Client with the default unsecured-JWS validator
// and login: the RFC 7628 client first message, Kafka's validation order and refusals, the
// error-JSON round trip and the token the client side makes from JAAS options.
#include <gtest/gtest.h>

#include "security/jws.h"
#include "security/oauthbearer.h"
#include "security/oauthbearer_unsecured.h"
#include "security/sasl_config.h"

namespace sluice::security {
namespace {

constexpr int64_t now_ms = 1'700'000'000'000;

std::string b64(std::string_view s) {
  return base64url_encode(to_bytes(s));
}
std::string unsecured(std::string_view claims, std::string_view header = R"({"alg":"none"})") {
  return b64(header) + "." + b64(claims) + ".";
}
std::string first_message(const std::string& token, std::string extra = {}) {
  return "n,,\x01"
         "auth=Bearer " +
         token + "\x01" + extra + "\x01";
}

std::shared_ptr<const unsecured_validator> validator(std::map<std::string, std::string> o = {}) {
  auto v = unsecured_validator::make(o);
  EXPECT_TRUE(v.ok());
  return *v;
}

std::string refusal_reason(const std::string& token, std::map<std::string, std::string> o = {}) {
  auto checked = validator(std::move(o))->validate(token, now_ms);
  auto* r = std::get_if<token_refusal>(&checked);
  return r ? r->status + ": " + r->reason : "accepted";
}

TEST(ClientInitialResponse, ParsesRfc7628) {
  auto r = parse_client_initial_response(to_bytes(first_message("abc.def.", "traceId=123\x01")));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->token, "abc.def.");
  EXPECT_EQ(r->authorization_id, "");
  EXPECT_EQ(r->extensions, (std::map<std::string, std::string>{{"traceId", "123"}}));
  auto with_authzid =
      parse_client_initial_response(to_bytes("n,a=alice,\x01"
                                             "auth=bearer x\x01\x01"));
  ASSERT_TRUE(with_authzid.ok());
  EXPECT_EQ(with_authzid->authorization_id, "alice");
  client_initial_response back{"tok", "", {{"a", "b"}}};
  EXPECT_EQ(format_client_initial_response(back),
            "n,,\x01"
            "auth=Bearer tok\x01"
            "a=b\x01\x01");
}

TEST(ClientInitialResponse, KafkasErrors) {
  auto message = [](std::string_view text) {
    auto r = parse_client_initial_response(to_bytes(text));
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.code(), errc::sasl_failed);
    return r.ok() ? std::string() : r.message();
  };
  EXPECT_EQ(message("y,,\x01"
                    "auth=Bearer x\x01\x01"),
            "Invalid OAUTHBEARER client first message");
  EXPECT_EQ(message("n,,\x01"
                    "auth=Bearer x\x01"),
            "Invalid OAUTHBEARER client first message");
  EXPECT_EQ(message("n,a=al,ice,\x01"
                    "auth=Bearer x\x01\x01"),
            "Invalid OAUTHBEARER client first message");
  EXPECT_EQ(message("n,,\x01"
                    "x=1\x01\x01"),
            "Invalid OAUTHBEARER client first message: 'auth' not specified");
  EXPECT_EQ(message("n,,\x01"
                    "auth=Bearer a b\x01\x01"),
            "Invalid OAUTHBEARER client first message: invalid 'auth' format");
  EXPECT_EQ(message("n,,\x01"
                    "auth=Basic abc\x01\x01"),
            "Invalid scheme in OAUTHBEARER client first message: Basic");
  EXPECT_EQ(message(""), "Invalid OAUTHBEARER client first message");
}

TEST(UnsecuredValidator, AcceptsAndReadsClaims) {
  auto token =
      unsecured(R"({"sub":"alice","iat":1699999999,"exp":1700003600.5,"scope":["a"," b ",""]})");
  auto checked = validator()->validate(token, now_ms);
  auto* t = std::get_if<oauth_token>(&checked);
  ASSERT_NE(t, nullptr) << refusal_reason(token);
  EXPECT_EQ(t->principal, "alice");
  EXPECT_EQ(t->lifetime_ms, 1700003600500);
  EXPECT_EQ(t->start_ms, 1699999999000);
  EXPECT_EQ(t->scope, (std::set<std::string>{"a", "b"}));
  // Custom claim names, and the padded basic alphabet Java's decoder also reads.
  auto custom = unsecured(R"({"user":"bob","exp":1700003600,"perm":"write"})");
  EXPECT_EQ(refusal_reason(custom, {{"unsecuredValidatorPrincipalClaimName", "user"},
                                    {"unsecuredValidatorScopeClaimName", "perm"},
                                    {"unsecuredValidatorRequiredScope", "write"}}),
            "accepted");
}

TEST(UnsecuredValidator, RefusesAsKafka) {
  const std::string good = R"({"sub":"alice","exp":1700003600})";
  EXPECT_EQ(refusal_reason(unsecured(good, R"({"alg":"RS256"})")),
            "invalid_token: Unsecured JWS must have 'none' for an algorithm");
  EXPECT_EQ(refusal_reason(unsecured(good) + "sig"),
            "invalid_token: Unsecured JWS must not contain a digital signature");
  EXPECT_EQ(refusal_reason("a..b"), "invalid_token: Malformed compact serialization contains '..'");
  EXPECT_EQ(refusal_reason("abc"),
            "invalid_token: Unsecured JWS compact serializations must have 3 dot-separated "
            "Base64URL-encoded values");
  EXPECT_EQ(refusal_reason(b64(R"({"alg":"none"})") + ".!!!."),
            "invalid_token: malformed Base64 URL encoded value");
  EXPECT_EQ(refusal_reason(b64(R"({"alg":"none"})") + "." + b64("{nope") + "."),
            "invalid_token: malformed JSON");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":"alice"})")),
            "invalid_token: No expiration time in JWT");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":"alice","exp":"soon"})")),
            "invalid_token: The 'exp' claim was not of type Number: String");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":" ","exp":1700003600})")),
            "invalid_token: No principal name in JWT claim: sub");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":7,"exp":1700003600})")),
            "invalid_token: The 'sub' claim was not of type String: Number");
  EXPECT_EQ(
      refusal_reason(unsecured(R"({"sub":"a","exp":1700000000})")),
      "invalid_token: The indicated time (1700000000000 ms) minus allowable clock skew (0 ms) "
      "was on or after the Expiration Time value (1700000000.000000 seconds)");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":"a","exp":1700000000})"),
                           {{"unsecuredValidatorAllowableClockSkewMs", "1"}}),
            "accepted");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":"a","iat":1700000001,"exp":1700003600})")),
            "invalid_token: The Issued At value (1700000001.000000 seconds) was after the "
            "indicated time (1700000000000 ms) plus allowable clock skew (0 ms)");
  EXPECT_EQ(refusal_reason(unsecured(R"({"sub":"a","iat":1700003600,"exp":1700003600})"),
                           {{"unsecuredValidatorAllowableClockSkewMs", "3600000"}}),
            "invalid_token: The Expiration Time time (1700003600.000000 seconds) was not after the "
            "Issued At time (1700003600.000000 seconds)");
  auto checked =
      validator({{"unsecuredValidatorRequiredScope", "read write"}})
          ->validate(unsecured(R"({"sub":"a","exp":1700003600,"scope":"read"})"), now_ms);
  auto& r = std::get<token_refusal>(checked);
  EXPECT_EQ(oauth_error_json(r), R"({"status":"insufficient_scope", "scope":"[read, write]"})");
}

TEST(UnsecuredValidator, OptionErrors) {
  auto skew = unsecured_validator::make({{"unsecuredValidatorAllowableClockSkewMs", "-1"}});
  ASSERT_FALSE(skew.ok());
  EXPECT_EQ(skew.message(), "Allowable clock skew millis must not be negative: -1");
  auto scope = unsecured_validator::make({{"unsecuredValidatorRequiredScope", "a \"b"}});
  ASSERT_FALSE(scope.ok());
  EXPECT_EQ(scope.message(), "Invalid scope value: \"b");
}

TEST(OauthbearerServer, ErrorJsonThenKvsepFails) {
  oauthbearer_server s(validator(), [] { return now_ms; });
  auto expired = s.evaluate(to_bytes(first_message(unsecured(R"({"sub":"a","exp":1})"))));
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(to_text(*expired), R"({"status":"invalid_token"})");
  EXPECT_FALSE(s.complete());
  auto fails = s.evaluate(to_bytes("\x01"));
  ASSERT_FALSE(fails.ok());
  EXPECT_EQ(fails.code(), errc::authentication_failed);
  EXPECT_EQ(fails.message(), R"({"status":"invalid_token"})");
}

TEST(OauthbearerServer, AuthenticatesWithLifetimeAndChecksAuthzid) {
  auto token = unsecured(R"({"sub":"alice","exp":1700000060})");
  oauthbearer_server s(validator(), [] { return now_ms; });
  auto ok = s.evaluate(to_bytes(first_message(token)));
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_TRUE(ok->empty());
  ASSERT_TRUE(s.complete());
  EXPECT_EQ(s.authorization_id(), "alice");
  EXPECT_EQ(s.credential_expiry_ms(), 1700000060000);
  EXPECT_EQ(s.evaluate(to_bytes("x")).code(), errc::illegal_state);

  oauthbearer_server other(validator(), [] { return now_ms; });
  auto bad =
      other.evaluate(to_bytes("n,a=bob,\x01"
                              "auth=Bearer " +
                              token + "\x01\x01"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(),
            "Authentication failed: Client requested an authorization id (bob) that is different "
            "from the token's principal name (alice)");
}

TEST(UnsecuredLogin, MakesATokenTheValidatorAccepts) {
  auto token = make_unsecured_token({{"unsecuredLoginStringClaim_sub", "broker"},
                                     {"unsecuredLoginListClaim_scope", ",a,b"},
                                     {"unsecuredLoginNumberClaim_n", "1.5"},
                                     {"unsecuredLoginLifetimeSeconds", "60"},
                                     {"unsecuredLoginExtension_traceId", "t1"}},
                                    now_ms);
  ASSERT_TRUE(token.ok()) << token.message();
  EXPECT_EQ(token->extensions, (std::map<std::string, std::string>{{"traceId", "t1"}}));
  auto jws = parse_compact_jws(token->value);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->claims["exp"].get<double>(), 1700000060.0);
  EXPECT_EQ(jws->claims["scope"], nlohmann::json::array({"a", "b"}));
  auto checked =
      validator({{"unsecuredValidatorRequiredScope", "b"}})->validate(token->value, now_ms);
  ASSERT_TRUE(std::holds_alternative<oauth_token>(checked));
  EXPECT_EQ(std::get<oauth_token>(checked).principal, "broker");

  // The client side end to end against the server.
  oauthbearer_client client([&] { return token; });
  oauthbearer_server server(validator(), [] { return now_ms; });
  auto first = client.evaluate({});
  ASSERT_TRUE(first.ok());
  auto answer = server.evaluate(*first);
  ASSERT_TRUE(answer.ok());
  ASSERT_TRUE(client.evaluate(*answer).ok());
  EXPECT_TRUE(client.complete() && server.complete());
}

TEST(UnsecuredLogin, KafkasOptionErrors) {
  auto message = [](std::map<std::string, std::string> o) {
    auto t = make_unsecured_token(o, now_ms);
    EXPECT_FALSE(t.ok());
    return t.ok() ? std::string() : t.message();
  };
  EXPECT_EQ(message({{"unsecuredLoginStringClaim_exp", "1"}}),
            "Cannot explicitly set the 'exp' claim");
  EXPECT_EQ(message({{"unsecuredLoginExtension_a", "b"}}),
            "Extensions provided in login context without a token");
  EXPECT_EQ(message({{"unsecuredLoginStringClaim_user", "x"}}),
            "No principal name in JWT claim: sub");
  EXPECT_EQ(
      message({{"unsecuredLoginStringClaim_sub", "x"}, {"unsecuredLoginExtension_auth", "b"}}),
      "Extension name auth is invalid");
}

TEST(SaslConfig, OauthbearerJaasOptionsAreCheckedAtStart) {
  sasl_inputs in;
  in.enabled_mechanisms = {"OAUTHBEARER"};
  auto defaults = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_TRUE(defaults.ok()) << defaults.message();
  EXPECT_NE(defaults->oauth, nullptr);
  in.properties["listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config"] =
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
      "unsecuredValidatorAllowableClockSkewMs=\"-5\";";
  auto bad = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(),
            "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config: Allowable clock skew "
            "millis must not be negative: -5");
  in.properties["listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config"] =
      "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
      "unsecuredLoginStringClaim_sub=\"broker\";";
  auto good = load_listener_sasl_config("SASL_PLAINTEXT", in);
  ASSERT_TRUE(good.ok());
  auto creds = inter_broker_credentials(*good, "OAUTHBEARER");
  ASSERT_TRUE(creds.ok()) << creds.message();
  auto client = make_sasl_client(*creds);
  auto server = make_sasl_server(*good, "OAUTHBEARER", nullptr);
  ASSERT_TRUE(server.ok());
  auto first = client->evaluate({});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*server)->evaluate(*first).ok());
  EXPECT_EQ((*server)->authorization_id(), "broker");
}

}  // namespace
}  // namespace sluice::security
