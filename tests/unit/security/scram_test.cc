// SCRAM against RFC 5802's (SHA-1) and RFC 7677's (SHA-256) examples, a SHA-512 exchange computed
// independently (Python's hashlib), Kafka's ScramMessagesTest/ScramFormatterTest expectations and
// Kafka's credential text form.
#include <gtest/gtest.h>

#include "security/base64.h"
#include "security/scram.h"
#include "security/scram_messages.h"
#include "security/scram_server.h"

namespace sluice::security {
namespace {

constexpr scram_mechanism scram_sha_1{"SCRAM-SHA-1", hash_algorithm::sha1, 4096, 16384, 0};

byte_string b64(std::string_view s) {
  auto d = base64_decode(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d.value_or(byte_string{});
}

struct exchange {
  const scram_mechanism& mechanism;
  std::string password, c1, s1, c2, s2, server_nonce, salt_b64;
};

// The server, given the credential made from the password, answers exactly the example's
// messages; the client, given the example's nonce, sends exactly the example's messages.
void check_exchange(const exchange& e) {
  auto cred = make_scram_credential(e.mechanism, e.password, 4096, b64(e.salt_b64));
  scram_server server(
      e.mechanism,
      [&](const std::string& user) -> std::optional<scram_credential> {
        if (user == "user") return cred;
        return std::nullopt;
      },
      e.server_nonce);
  auto s1 = server.evaluate(to_bytes(e.c1));
  ASSERT_TRUE(s1.ok()) << s1.message();
  EXPECT_EQ(to_text(*s1), e.s1);
  auto s2 = server.evaluate(to_bytes(e.c2));
  ASSERT_TRUE(s2.ok()) << s2.message();
  EXPECT_EQ(to_text(*s2), e.s2);
  EXPECT_TRUE(server.complete());
  EXPECT_EQ(server.authorization_id(), "user");

  auto client_nonce = e.c1.substr(e.c1.find("r=") + 2);
  scram_client client(e.mechanism, "user", e.password, client_nonce);
  auto c1 = client.evaluate({});
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(to_text(*c1), e.c1);
  auto c2 = client.evaluate(to_bytes(e.s1));
  ASSERT_TRUE(c2.ok()) << c2.message();
  EXPECT_EQ(to_text(*c2), e.c2);
  auto done = client.evaluate(to_bytes(e.s2));
  ASSERT_TRUE(done.ok()) << done.message();
  EXPECT_TRUE(client.complete());
}

TEST(Scram, Rfc5802Sha1Example) {
  check_exchange(
      {scram_sha_1, "pencil", "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
       "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
       "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
       "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", "3rfcNHYJY1ZVvWVs7j", "QSXCR+Q6sek8bf92"});
}

TEST(Scram, Rfc7677Sha256Example) {
  check_exchange({scram_sha_256, "pencil", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
                  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
                  "i=4096",
                  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
                  "Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
                  "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "W22ZaJ0SNY7soEsUEjb6gQ=="});
}

TEST(Scram, Sha512ExchangeComputedIndependently) {
  check_exchange(
      {scram_sha_512, "pencil", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
       "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=UVNYQ1IrUTZzZWs4YmY5Mg==,i=4096",
       "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p="
       "b0r7edPhPAihwm0BdrdVsG4XYJm43K"
       "uBmIbJrbO0JJiXBBuW4AVCaqBrsweT+ghvTduW2DMxg4cX04SB9Fp8dw==",
       "v=RqJSI623vVfqYRl31lAEgwusSVI/FwzD1EexZF+/rQ652Gf37MTUnl8BE4mchr4g7ts2B3rjkaHdHNscgBt4Fg==",
       "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "UVNYQ1IrUTZzZWs4YmY5Mg=="});
  auto cred = make_scram_credential(scram_sha_512, "pencil", 4096, b64("UVNYQ1IrUTZzZWs4YmY5Mg=="));
  EXPECT_EQ(
      base64_encode(cred.stored_key),
      "VA4qrB/urSH80H/n9A17BEHveAnKi/Zl5+PlDiad82tLQd/VfJYKwyMYgedLNJojLDL2+ckXXRSxMpKFbdXf/w==");
  EXPECT_EQ(
      base64_encode(cred.server_key),
      "ugN/v+isemRhoXkL1BOk7E62xElRNpH2doAEjl3vlxj0ywVd8YgF0jAkga0oMBD5HGQtT9/H2fvzKDdfSSUX5g==");
}

// A server for user "alice" with password "alice-secret".
struct fixture {
  scram_credential cred = make_scram_credential(scram_sha_256, "alice-secret", 4096);
  scram_server server{scram_sha_256, [this](const std::string& user) {
                        return user == "alice" ? std::optional(cred) : std::nullopt;
                      }};
};

TEST(ScramServer, WrongPasswordFailsWithTheGenericError) {
  fixture f;
  scram_client client(scram_sha_256, "alice", "wrong");
  auto s1 = f.server.evaluate(*client.evaluate({}));
  ASSERT_TRUE(s1.ok());
  auto s2 = f.server.evaluate(*client.evaluate(*s1));
  ASSERT_FALSE(s2.ok());
  EXPECT_EQ(s2.code(), errc::sasl_failed);
  EXPECT_EQ(s2.message(), "Invalid client credentials");
  EXPECT_FALSE(f.server.complete());
  auto again = f.server.evaluate(to_bytes("anything"));
  EXPECT_EQ(again.code(), errc::illegal_state);
}

TEST(ScramServer, UnknownUserWrongNonceAndAuthzid) {
  fixture f;
  auto unknown = f.server.evaluate(to_bytes("n,,n=bob,r=abc"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.code(), errc::sasl_failed);
  EXPECT_EQ(unknown.message(), "Authentication failed: Invalid user credentials");

  fixture g;
  auto s1 = g.server.evaluate(to_bytes("n,,n=alice,r=abc"));
  ASSERT_TRUE(s1.ok());
  auto nonce = server_first_message::parse(*s1)->nonce;
  auto bad = g.server.evaluate(to_bytes("c=biws,r=" + nonce + "x,p=AAAA"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "Invalid client nonce in the final client message.");

  fixture h;
  auto authz = h.server.evaluate(to_bytes("n,a=bob,n=alice,r=abc"));
  ASSERT_FALSE(authz.ok());
  EXPECT_EQ(authz.code(), errc::authentication_failed);
  EXPECT_EQ(authz.message(),
            "Authentication failed: Client requested an authorization id that is different from "
            "username");

  fixture t;
  auto token = t.server.evaluate(to_bytes("n,,n=alice,r=abc,tokenauth=true"));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.message(), "Token Authentication failed: Invalid tokenId : alice");

  fixture m;
  auto malformed = m.server.evaluate(to_bytes("y,,n=alice,r=abc"));
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.code(), errc::sasl_failed);
  EXPECT_EQ(malformed.message(), "Invalid SCRAM client first message format: y,,n=alice,r=abc");
}

TEST(ScramServer, TooFewIterationsAreRefused) {
  auto cred = make_scram_credential(scram_sha_256, "x", 1000);
  scram_server server(scram_sha_256, [&](const std::string&) { return std::optional(cred); });
  auto r = server.evaluate(to_bytes("n,,n=alice,r=abc"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "Iterations 1000 is less than the minimum 4096 for SCRAM-SHA-256");
}

TEST(ScramServer, EscapedUserNames) {
  auto cred = make_scram_credential(scram_sha_256, "pw", 4096);
  std::string seen;
  scram_server server(scram_sha_256, [&](const std::string& u) {
    seen = u;
    return std::optional(cred);
  });
  scram_client client(scram_sha_256, "a=b,c", "pw");
  auto s1 = server.evaluate(*client.evaluate({}));
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(seen, "a=b,c");
  auto s2 = server.evaluate(*client.evaluate(*s1));
  ASSERT_TRUE(s2.ok()) << s2.message();
  EXPECT_TRUE(client.evaluate(*s2).ok());
  EXPECT_EQ(server.authorization_id(), "a=b,c");
}

// Kafka's ScramFormatterTest.saslName.
TEST(ScramFormatter, SaslNameRoundTrips) {
  for (std::string u :
       {"user1", "123", "1,2", "user=A", "user==B", "user,1", "user 1", ",", "=", ",=", "=="}) {
    auto name = scram_sasl_name(u);
    EXPECT_EQ(name.find(','), std::string::npos);
    EXPECT_EQ(scram_username(name), u);
  }
  EXPECT_FALSE(scram_username("a=b").has_value());
  EXPECT_EQ(scram_username("test=2Cuser"), "test,user");
  EXPECT_EQ(scram_username("test=3Duser"), "test=user");
}

// Kafka's ScramMessagesTest valid and invalid forms.
TEST(ScramMessages, ClientFirst) {
  auto m = client_first_message::parse(to_bytes("n,,n=testuser,r=nonce123"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->sasl_name, "testuser");
  EXPECT_EQ(m->nonce, "nonce123");
  EXPECT_EQ(m->authorization_id, "");
  m = client_first_message::parse(to_bytes("n,a=testauthzid,n=testuser,r=n"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->authorization_id, "testauthzid");
  for (std::string reserved :
       {"m=reserved-value", "m=name1=value1 name2=another test value \"'!$[]()"})
    EXPECT_TRUE(client_first_message::parse(to_bytes("n,," + reserved + ",n=testuser,r=n")).ok())
        << reserved;
  for (std::string ext : {"ext=val1", "anotherext=name1=value1 name2=another test value \"'!$[]()",
                          "first=val1,second=name1 = value ,third=123"})
    EXPECT_TRUE(client_first_message::parse(to_bytes("n,,n=testuser,r=n," + ext)).ok()) << ext;
  m = client_first_message::parse(to_bytes("n,,n=testuser,r=n,tokenauth=true"));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->token_authenticated());
  EXPECT_EQ(m->bare(), "n=testuser,r=n,tokenauth=true");

  EXPECT_FALSE(client_first_message::parse(to_bytes("n,x=something,n=testuser,r=n")).ok());
  for (std::string reserved : {"m", "m=name,value", "m=,"})
    EXPECT_FALSE(client_first_message::parse(to_bytes("n,," + reserved + ",n=testuser,r=n")).ok())
        << reserved;
  for (std::string ext : {"ext1=value", "ext", "ext=value1,value2", "ext=,", "ext =value"})
    EXPECT_FALSE(client_first_message::parse(to_bytes("n,,n=testuser,r=n," + ext)).ok()) << ext;
  EXPECT_FALSE(client_first_message::parse(to_bytes("p=tls-unique,,n=u,r=n")).ok());
  EXPECT_FALSE(client_first_message::parse(to_bytes("")).ok());
}

TEST(ScramMessages, ServerFirst) {
  auto m = server_first_message::parse(to_bytes("r=abc,s=c2FsdA==,i=4096"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->iterations, 4096);
  EXPECT_EQ(to_text(m->salt), "salt");
  EXPECT_EQ(m->to_string(), "r=abc,s=c2FsdA==,i=4096");
  EXPECT_TRUE(server_first_message::parse(to_bytes("m=reserved-value,r=abc,s=c2FsdA==,i=1")).ok());
  EXPECT_TRUE(server_first_message::parse(to_bytes("r=abc,s=c2FsdA==,i=4096,ext=val1")).ok());
  EXPECT_FALSE(server_first_message::parse(to_bytes("r=abc,s=c2FsdA==,i=0")).ok());
  EXPECT_FALSE(server_first_message::parse(to_bytes("r=abc,s==123,i=4096")).ok());
  EXPECT_FALSE(server_first_message::parse(to_bytes("r=abc,invalid,s=c2FsdA==,i=4096")).ok());
}

TEST(ScramMessages, ClientFinal) {
  auto m = client_final_message::parse(to_bytes("c=biws,r=abc,p=cHJvb2Y="));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(to_text(m->channel_binding), "n,,");
  EXPECT_EQ(to_text(m->proof), "proof");
  EXPECT_EQ(m->without_proof(), "c=biws,r=abc");
  EXPECT_TRUE(client_final_message::parse(to_bytes("c=biws,r=abc,ext=val1,p=cHJvb2Y=")).ok());
  EXPECT_FALSE(client_final_message::parse(to_bytes("c=ab,r=abc,p=cHJvb2Y=")).ok());
  EXPECT_FALSE(client_final_message::parse(to_bytes("c=biws,r=abc,p=123")).ok());
  EXPECT_FALSE(client_final_message::parse(to_bytes("c=biws,r=abc,ext,p=cHJvb2Y=")).ok());
}

TEST(ScramMessages, ServerFinal) {
  auto m = server_final_message::parse(to_bytes("v=c2ln"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(to_text(m->server_signature), "sig");
  m = server_final_message::parse(to_bytes("e=other-error"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->error, "other-error");
  EXPECT_EQ(m->to_string(), "e=other-error");
  EXPECT_TRUE(server_final_message::parse(to_bytes("v=c2ln,ext=val1")).ok());
  EXPECT_FALSE(server_final_message::parse(to_bytes("e=error1,error2")).ok());
  EXPECT_FALSE(server_final_message::parse(to_bytes("v=1=23")).ok());
  EXPECT_FALSE(server_final_message::parse(to_bytes("e=unknown-user,ext=val1")).ok());
}

// Kafka's ScramCredentialUtils form.
TEST(ScramCredential, TextRoundTrip) {
  auto c = make_scram_credential(scram_sha_512, "secret", 8192);
  auto text = credential_to_string(c);
  EXPECT_EQ(text.rfind("salt=", 0), 0u);
  EXPECT_NE(text.find(",stored_key="), std::string::npos);
  EXPECT_NE(text.find(",server_key="), std::string::npos);
  EXPECT_NE(text.find(",iterations=8192"), std::string::npos);
  auto back = credential_from_string(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  EXPECT_EQ(c.stored_key.size(), 64u);

  // Kafka's salt: a base-36 number's text.
  for (char ch : to_text(c.salt))
    EXPECT_TRUE((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')) << ch;

  for (std::string bad : {"", "salt=YQ==", "salt=YQ==,stored_key=YQ==,server_key=YQ==",
                          "salt=YQ==,stored_key=YQ==,server_key=YQ==,iterations=x",
                          "salt=YQ==,stored_key=YQ==,server_key=YQ==,iterations=1,extra=1",
                          "salt=*,stored_key=YQ==,server_key=YQ==,iterations=1",
                          "=YQ==,stored_key=YQ==,server_key=YQ==,iterations=1"}) {
    auto r = credential_from_string(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.message(), "Credentials not valid: " + bad);
  }
}

TEST(ScramCredential, RandomStringsAreBase36Of130Bits) {
  auto a = secure_random_string();
  auto b = secure_random_string();
  EXPECT_NE(a, b);
  EXPECT_LE(a.size(), 26u);  // 36^26 > 2^130
  EXPECT_GE(a.size(), 10u);
}

TEST(Base64, MatchesJava) {
  EXPECT_EQ(base64_encode(to_bytes("")), "");
  EXPECT_EQ(base64_encode(to_bytes("f")), "Zg==");
  EXPECT_EQ(base64_encode(to_bytes("fo")), "Zm8=");
  EXPECT_EQ(base64_encode(to_bytes("foo")), "Zm9v");
  EXPECT_EQ(to_text(*base64_decode("Zm9vYg==")), "foob");
  EXPECT_EQ(to_text(*base64_decode("Zm9vYg")), "foob");  // Java accepts missing padding
  EXPECT_FALSE(base64_decode("Zm9v*").has_value());
  EXPECT_FALSE(base64_decode("Z").has_value());
  EXPECT_FALSE(base64_decode("Zg=").has_value());
}

}  // namespace
}  // namespace sluice::security
