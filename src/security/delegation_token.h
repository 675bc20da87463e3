// Delegation tokens (KIP-48) as Kafka 3.9 keeps them in ZooKeeper mode (DelegationTokenManagerZk):
//   - token_info: one token, and its znode JSON (/delegation_token/tokens/<id>: version 3, owner,
//     tokenRequester and renewers as sanitized "User:<name>" principals, the three timestamps);
//   - token_hmac: HmacSHA512(delegation.token.secret.key, token id) — the token's password, never
//     stored; SCRAM logins with tokenauth=true use the token id as user name and the HMAC's
//     Base64 as password;
//   - token_cache: every live token with its HMAC and SCRAM credentials (4096 iterations, both
//     mechanisms, as Kafka's DelegationTokenCache), kept current from the store; thread-safe
//     (the metadata thread writes while network threads read);
//   - token_manager: Create/Renew/Expire/Describe as DelegationTokenManager decides them, over the
//     cache and a persistence callback (the metadata store). Kafka's error codes come out as
//     token_errc and map one to one at the wire.
// Pure apart from the callback; the clock is passed in.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "security/scram.h"

namespace sluice::security {

struct token_info {
  std::string token_id;
  std::string owner;      // "User:alice"
  std::string requester;  // who asked (Kafka 3.3+), "User:..."
  std::vector<std::string> renewers;
  int64_t issue_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t expiry_timestamp = 0;
  friend bool operator==(const token_info&, const token_info&) = default;

  bool owner_or_renewer(const std::string& principal) const;
};

// Kafka's znode JSON, and back (errc::invalid_argument when it is not one; versions 1-3).
std::string encode_token_info(const token_info& t);
result<token_info> decode_token_info(std::string_view json);

byte_string token_hmac(std::string_view secret_key, std::string_view token_id);

// What a tokenauth SCRAM login needs of a token.
struct token_credential {
  std::string owner_name;  // the principal's name (the login's authorization id)
  scram_credential credential;
  int64_t expiry_timestamp = 0;
};

class token_cache {
 public:
  explicit token_cache(std::string secret_key) : secret_(std::move(secret_key)) {}
  // A token as stored (new or changed): its HMAC and SCRAM credentials are derived here (two
  // PBKDF2 runs of 4096 iterations), so call it off the network threads.
  void update(const token_info& t);
  void remove(const std::string& token_id);
  void replace_all(const std::vector<token_info>& tokens);

  std::optional<token_credential> credential(const scram_mechanism& m,
                                             const std::string& token_id) const;
  std::optional<token_info> find(const std::string& token_id) const;
  // The token whose HMAC this is (Renew and Expire name tokens by HMAC).
  std::optional<token_info> find_by_hmac(std::span<const uint8_t> hmac) const;
  std::vector<token_info> all() const;
  byte_string hmac(const std::string& token_id) const { return token_hmac(secret_, token_id); }

 private:
  struct entry {
    token_info info;
    std::string hmac_base64;
    std::map<std::string, scram_credential, std::less<>> credentials;  // by mechanism
  };
  const std::string secret_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, entry, std::less<>> tokens_;
};

enum class token_errc {
  none,
  auth_disabled,      // DELEGATION_TOKEN_AUTH_DISABLED (61)
  not_found,          // DELEGATION_TOKEN_NOT_FOUND (62)
  owner_mismatch,     // DELEGATION_TOKEN_OWNER_MISMATCH (63)
  expired,            // DELEGATION_TOKEN_EXPIRED (66)
  invalid_principal,  // INVALID_PRINCIPAL_TYPE (67)
  storage_failed,     // the store refused the write (UNKNOWN_SERVER_ERROR)
};

struct token_settings {
  int64_t max_lifetime_ms = 604800000;         // delegation.token.max.lifetime.ms
  int64_t renew_time_ms = 86400000;            // delegation.token.expiry.time.ms
  int64_t expiry_check_interval_ms = 3600000;  // delegation.token.expiry.check.interval.ms
};

class token_manager {
 public:
  // Writes a token (nullopt info: deletes `token_id`) to the store, which tells every broker.
  using persist_fn = std::function<bool(const std::string& token_id, const token_info* info)>;

  token_manager(token_cache& cache, token_settings settings, persist_fn persist)
      : cache_(cache), settings_(settings), persist_(std::move(persist)) {}

  struct created {
    token_errc error = token_errc::none;
    token_info info;
    byte_string hmac;
  };
  created create(const std::string& owner, const std::string& requester,
                 const std::vector<std::string>& renewers, int64_t max_lifetime_ms, int64_t now_ms);
  struct timestamp_result {
    token_errc error = token_errc::none;
    int64_t timestamp = -1;
  };
  timestamp_result renew(const std::string& principal, std::span<const uint8_t> hmac,
                         int64_t renew_period_ms, int64_t now_ms);
  timestamp_result expire(const std::string& principal, std::span<const uint8_t> hmac,
                          int64_t expiry_period_ms, int64_t now_ms);
  // The tokens `principal` may see — owned or renewable by it, or others' that `may_see` allows
  // (the authorizer's say; everything without one, as in Kafka) — restricted to `owners`
  // (principals) when given.
  std::vector<token_info> describe(const std::string& principal,
                                   const std::optional<std::vector<std::string>>& owners,
                                   const std::function<bool(const token_info&)>& may_see) const;
  // Kafka's expireTokens: removes every token past its expiry or max timestamp; returns their ids.
  std::vector<std::string> remove_expired(int64_t now_ms);
  const token_settings& settings() const { return settings_; }

 private:
  token_cache& cache_;
  token_settings settings_;
  persist_fn persist_;
  std::mutex mutex_;  // one change at a time, as Kafka's manager lock
};

}  // namespace sluice::security
