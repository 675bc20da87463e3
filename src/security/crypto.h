// The cryptographic primitives SCRAM needs, over OpenSSL's libcrypto: SHA-256/512, HMAC, Hi()
// (PBKDF2-HMAC, RFC 5802 §2.2), secure random bytes and a constant-time comparison.
// Pure functions; any thread. Hi() costs `iterations` HMACs: call it where credentials are
// created (a request worker or a tool), never per login on a network thread.
#pragma once

#include <span>

#include "security/bytes.h"

namespace sluice::security {

// sha1 only for RFC 5802's own test vector: Kafka offers SCRAM with SHA-256 and SHA-512.
enum class hash_algorithm { sha1, sha256, sha512 };

byte_string hash(hash_algorithm alg, std::span<const uint8_t> data);
byte_string hmac(hash_algorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data);
byte_string hi(hash_algorithm alg, std::span<const uint8_t> password, std::span<const uint8_t> salt,
               int32_t iterations);
// PBKDF2-HMAC with `length` bytes of output (Hi() is the hash's own length).
byte_string pbkdf2(hash_algorithm alg, std::span<const uint8_t> password,
                   std::span<const uint8_t> salt, int32_t iterations, size_t length);
byte_string random_bytes(size_t count);
// Equal length and contents, in time independent of where they differ.
bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

}  // namespace sluice::security
