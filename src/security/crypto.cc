#include "security/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/assert.h"

namespace sluice::security {
namespace {

const EVP_MD* digest(hash_algorithm alg) {
  switch (alg) {
    case hash_algorithm::sha1:
      return EVP_sha1();
    case hash_algorithm::sha256:
      return EVP_sha256();
    case hash_algorithm::sha512:
      break;
  }
  return EVP_sha512();
}

}  // namespace

byte_string hash(hash_algorithm alg, std::span<const uint8_t> data) {
  byte_string out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  int ok = EVP_Digest(data.data(), data.size(), out.data(), &size, digest(alg), nullptr);
  SLUICE_ASSERT(ok == 1, "EVP_Digest failed");
  out.resize(size);
  return out;
}

byte_string hmac(hash_algorithm alg, std::span<const uint8_t> key, std::span<const uint8_t> data) {
  byte_string out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  static const uint8_t empty = 0;
  const uint8_t* k = key.empty() ? &empty : key.data();
  auto* done = HMAC(digest(alg), k, static_cast<int>(key.size()), data.data(), data.size(),
                    out.data(), &size);
  SLUICE_ASSERT(done != nullptr, "HMAC failed");
  out.resize(size);
  return out;
}

byte_string hi(hash_algorithm alg, std::span<const uint8_t> password, std::span<const uint8_t> salt,
               int32_t iterations) {
  return pbkdf2(alg, password, salt, iterations, static_cast<size_t>(EVP_MD_get_size(digest(alg))));
}

byte_string pbkdf2(hash_algorithm alg, std::span<const uint8_t> password,
                   std::span<const uint8_t> salt, int32_t iterations, size_t length) {
  SLUICE_ASSERT(iterations > 0, "PBKDF2 needs at least one iteration");
  byte_string out(length);
  static const char empty = 0;
  const char* p = password.empty() ? &empty : reinterpret_cast<const char*>(password.data());
  int ok = PKCS5_PBKDF2_HMAC(p, static_cast<int>(password.size()), salt.data(),
                             static_cast<int>(salt.size()), iterations, digest(alg),
                             static_cast<int>(out.size()), out.data());
  SLUICE_ASSERT(ok == 1, "PKCS5_PBKDF2_HMAC failed");
  return out;
}

byte_string random_bytes(size_t count) {
  byte_string out(count);
  int ok = RAND_bytes(out.data(), static_cast<int>(count));
  SLUICE_ASSERT(ok == 1, "RAND_bytes failed");
  return out;
}

bool constant_time_equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluice::security
