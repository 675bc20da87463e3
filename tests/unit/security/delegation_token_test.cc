// Delegation tokens as Kafka's DelegationTokenManagerZk keeps and decides them: the znode JSON,
// the HMAC, Create/Renew/Expire/Describe, and SCRAM logins with tokenauth=true.
#include <gtest/gtest.h>

#include "security/base64.h"
#include "security/crypto.h"
#include "security/delegation_token.h"
#include "security/scram_server.h"

namespace sluice::security {
namespace {

constexpr int64_t now_ms = 1'700'000'000'000;

TEST(DelegationToken, KafkasZnodeJson) {
  token_info t{"tok1", "User:alice", "User:admin", {"User:bob smith"}, 1, 3, 2};
  auto json = encode_token_info(t);
  EXPECT_EQ(json,
            R"({"expiryTimestamp":2,"issueTimestamp":1,"maxTimestamp":3,"owner":"User%3Aalice",)"
            R"("renewers":["User%3Abob%20smith"],"tokenId":"tok1","tokenRequester":"User%3Aadmin",)"
            R"("version":3})");
  auto back = decode_token_info(json);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, t);
  // Version 2 (before tokenRequester): the owner asked.
  auto v2 =
      decode_token_info(R"({"version":2,"owner":"User%3Aalice","renewers":[],"issueTimestamp":1,)"
                        R"("maxTimestamp":3,"expiryTimestamp":2,"tokenId":"t"})");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->requester, "User:alice");
  EXPECT_FALSE(decode_token_info(R"({"version":4})").ok());
  EXPECT_FALSE(decode_token_info("nope").ok());
}

TEST(DelegationToken, HmacIsHmacSha512OfTheId) {
  auto mac = token_hmac("secret", "tok1");
  EXPECT_EQ(mac, hmac(hash_algorithm::sha512, to_bytes("secret"), to_bytes("tok1")));
  EXPECT_EQ(mac.size(), 64u);
}

struct fixture {
  token_cache cache{"secret"};
  std::map<std::string, std::optional<std::string>> stored;
  token_manager manager{cache, token_settings{10000, 1000},
                        [this](const std::string& id, const token_info* t) {
                          stored[id] = t ? std::optional(encode_token_info(*t)) : std::nullopt;
                          return true;
                        }};
};

TEST(TokenManager, CreateRenewExpireAsKafka) {
  fixture f;
  auto made = f.manager.create("User:alice", "User:alice", {"User:bob"}, -1, now_ms);
  ASSERT_EQ(made.error, token_errc::none);
  EXPECT_EQ(made.info.max_timestamp, now_ms + 10000);
  EXPECT_EQ(made.info.expiry_timestamp, now_ms + 1000);
  EXPECT_EQ(made.hmac, token_hmac("secret", made.info.token_id));
  EXPECT_EQ(made.info.token_id.size(), 22u);  // a UUID as Base64
  EXPECT_TRUE(f.stored.at(made.info.token_id).has_value());
  EXPECT_EQ(f.manager.create("User:alice", "User:alice", {"Group:x"}, -1, now_ms).error,
            token_errc::invalid_principal);
  EXPECT_EQ(f.manager.create("User:alice", "User:alice", {}, 500, now_ms).info.max_timestamp,
            now_ms + 500);

  EXPECT_EQ(f.manager.renew("User:mallory", made.hmac, -1, now_ms).error,
            token_errc::owner_mismatch);
  auto renewed = f.manager.renew("User:bob", made.hmac, 5000, now_ms + 100);
  EXPECT_EQ(renewed.error, token_errc::none);
  EXPECT_EQ(renewed.timestamp, now_ms + 5100);
  EXPECT_EQ(f.manager.renew("User:alice", made.hmac, 50000, now_ms).timestamp,
            now_ms + 10000);  // never past the max
  EXPECT_EQ(f.manager.renew("User:alice", made.hmac, -1, now_ms + 20000).error,
            token_errc::expired);
  EXPECT_EQ(f.manager.renew("User:alice", to_bytes("nope"), -1, now_ms).error,
            token_errc::not_found);

  auto everyone = [](const token_info&) { return true; };
  auto nobody = [](const token_info&) { return false; };
  auto first = [&](const token_info& t) { return t.token_id == made.info.token_id; };
  EXPECT_EQ(f.manager.describe("User:carol", std::vector<std::string>{"User:bob"}, everyone).size(),
            1u);
  EXPECT_EQ(f.manager.describe("User:carol", std::nullopt, nobody).size(), 0u);
  EXPECT_EQ(f.manager.describe("User:carol", std::nullopt, first).size(), 1u);
  EXPECT_EQ(f.manager.describe("User:bob", std::nullopt, nobody).size(), 1u);  // a renewer

  auto short_lived = f.manager.create("User:alice", "User:alice", {}, 100, now_ms);
  EXPECT_TRUE(f.manager.remove_expired(now_ms + 50).empty());
  EXPECT_EQ(f.manager.remove_expired(now_ms + 101),
            (std::vector<std::string>{short_lived.info.token_id}));
  EXPECT_FALSE(f.stored.at(short_lived.info.token_id).has_value());

  auto expired = f.manager.expire("User:alice", made.hmac, -1, now_ms);
  EXPECT_EQ(expired.error, token_errc::none);
  EXPECT_EQ(expired.timestamp, now_ms);
  EXPECT_FALSE(f.cache.find(made.info.token_id));
  EXPECT_FALSE(f.stored.at(made.info.token_id).has_value());
}

TEST(TokenScram, TokenAuthLogsInAsTheOwner) {
  fixture f;
  auto made = f.manager.create("User:alice", "User:alice", {}, -1, now_ms);
  auto password = base64_encode(made.hmac);
  auto tokens = std::make_shared<token_cache>("secret");
  tokens->update(made.info);
  token_credential_lookup lookup = [tokens](const std::string& id) {
    return tokens->credential(scram_sha_256, id);
  };
  scram_server server(
      scram_sha_256, [](const std::string&) { return std::optional<scram_credential>(); },
      std::nullopt, lookup);
  scram_client client(scram_sha_256, made.info.token_id, password, std::nullopt,
                      {{"tokenauth", "true"}});
  auto first = client.evaluate({});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(to_text(*first).ends_with(",tokenauth=true"));
  auto server_first = server.evaluate(*first);
  ASSERT_TRUE(server_first.ok()) << server_first.message();
  auto final = client.evaluate(*server_first);
  ASSERT_TRUE(final.ok());
  auto server_final = server.evaluate(*final);
  ASSERT_TRUE(server_final.ok()) << server_final.message();
  EXPECT_TRUE(server.complete());
  EXPECT_EQ(server.authorization_id(), "alice");
  EXPECT_TRUE(server.token_authenticated());
  EXPECT_EQ(server.credential_expiry_ms(), made.info.expiry_timestamp);

  scram_server unknown(
      scram_sha_256, [](const std::string&) { return std::optional<scram_credential>(); },
      std::nullopt, lookup);
  auto refused = unknown.evaluate(to_bytes("n,,n=nope,r=abc,tokenauth=true"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "Token Authentication failed: Invalid tokenId : nope");
}

}  // namespace
}  // namespace sluice::security
