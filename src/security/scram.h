// SCRAM (RFC 5802, RFC 7677) as Kafka implements it: the two mechanisms, the credential a broker
// stores for a user (salt, StoredKey, ServerKey, iterations — never the password), Kafka's text
// form of it ("salt=<b64>,stored_key=<b64>,server_key=<b64>,iterations=<n>", what /config/users/<u>
// and the embedded store hold), the key derivations and Kafka's user name escaping.
// Pure functions and values; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "security/bytes.h"
#include "security/crypto.h"
#include "security/errc.h"

namespace sluice::security {

struct scram_mechanism {
  std::string_view name;  // "SCRAM-SHA-256"
  hash_algorithm alg;
  int32_t min_iterations;  // 4096 for both, as Kafka
  int32_t max_iterations;  // 16384 for both, as Kafka
  int8_t type;             // Kafka's ScramMechanism type byte (1, 2): DescribeUserScramCredentials
};

inline constexpr scram_mechanism scram_sha_256{"SCRAM-SHA-256", hash_algorithm::sha256, 4096, 16384,
                                               1};
inline constexpr scram_mechanism scram_sha_512{"SCRAM-SHA-512", hash_algorithm::sha512, 4096, 16384,
                                               2};
const scram_mechanism* find_scram_mechanism(std::string_view name);
const scram_mechanism* find_scram_mechanism(int8_t type);
std::vector<const scram_mechanism*> scram_mechanisms();

struct scram_credential {
  byte_string salt;
  byte_string stored_key;
  byte_string server_key;
  int32_t iterations = 0;
  friend bool operator==(const scram_credential&, const scram_credential&) = default;
};

// Kafka's ScramCredentialUtils text form, and back (errc::invalid_argument "Credentials not valid:
// <text>" when a field is missing, repeated, unknown or undecodable).
std::string credential_to_string(const scram_credential& c);
result<scram_credential> credential_from_string(std::string_view text);

// The derivations of RFC 5802 §3.
byte_string salted_password(const scram_mechanism& m, std::string_view password,
                            std::span<const uint8_t> salt, int32_t iterations);
byte_string client_key(const scram_mechanism& m, std::span<const uint8_t> salted);
byte_string server_key(const scram_mechanism& m, std::span<const uint8_t> salted);
// A credential from a salted password; from a password with `salt` (or Kafka's random salt: the
// UTF-8 bytes of a random 130-bit number in base 36). Costs `iterations` HMACs.
scram_credential make_scram_credential(const scram_mechanism& m, std::span<const uint8_t> salt,
                                       std::span<const uint8_t> salted, int32_t iterations);
scram_credential make_scram_credential(const scram_mechanism& m, std::string_view password,
                                       int32_t iterations,
                                       std::optional<byte_string> salt = std::nullopt);

// A random 130-bit number in base 36 (Kafka's nonces and salts).
std::string secure_random_string();

// Kafka's escaping of a user name in SCRAM messages: '=' -> "=3D", ',' -> "=2C", and back
// (nullopt when a '=' is not part of an escape).
std::string scram_sasl_name(std::string_view username);
std::optional<std::string> scram_username(std::string_view sasl_name);

}  // namespace sluice::security
