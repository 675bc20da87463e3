#include "security/password_encoder.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <map>
#include <memory>
#include <optional>

#include "security/base64.h"
#include "security/bytes.h"
#include "security/crypto.h"

namespace sluice::security {
namespace {

constexpr size_t salt_bytes = 256;   // as Kafka's encoder
constexpr int gcm_tag_bits = 128;    // Java's default GCM tag
constexpr size_t gcm_iv_bytes = 12;  // Java's default GCM IV
constexpr size_t cbc_iv_bytes = 16;

std::optional<hash_algorithm> key_factory(std::string_view name) {
  if (name == "PBKDF2WithHmacSHA512") return hash_algorithm::sha512;
  if (name == "PBKDF2WithHmacSHA256") return hash_algorithm::sha256;
  if (name == "PBKDF2WithHmacSHA1") return hash_algorithm::sha1;
  return std::nullopt;
}

bool is_gcm(std::string_view cipher) {
  return cipher == "AES/GCM/NoPadding";
}

// The OpenSSL cipher for a Java cipher name and a key length in bits.
const EVP_CIPHER* cipher_of(std::string_view name, int key_bits) {
  bool gcm = is_gcm(name);
  if (!gcm && name != "AES/CBC/PKCS5Padding") return nullptr;
  switch (key_bits) {
    case 128:
      return gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc();
    case 192:
      return gcm ? EVP_aes_192_gcm() : EVP_aes_192_cbc();
    case 256:
      return gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
    default:
      return nullptr;
  }
}

// Java's String.length(): UTF-16 code units of the UTF-8 text.
size_t utf16_length(std::string_view utf8) {
  size_t units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) ++units;  // a lead byte starts a code point
    if (c >= 0xF0) ++units;           // four-byte sequences are surrogate pairs
  }
  return units;
}

// Kafka's Csv.parseCsvMap: "k1:v1,k2:v2" with spaces around the separators dropped.
std::map<std::string, std::string> parse_csv_map(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return std::string(s);
  };
  std::map<std::string, std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string_view entry = text.substr(at, comma == std::string_view::npos ? comma : comma - at);
    if (size_t colon = entry.find(':'); colon != std::string_view::npos)
      out[trim(entry.substr(0, colon))] = trim(entry.substr(colon + 1));
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// AES over `input` with `key` and `iv`; for GCM the tag follows the ciphertext, as Java writes it.
std::optional<byte_string> run_cipher(const EVP_CIPHER* cipher, bool encrypt,
                                      const byte_string& key, const byte_string& iv,
                                      std::span<const uint8_t> input, bool gcm, size_t tag_bytes) {
  cipher_ctx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx) return std::nullopt;
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt ? 1 : 0) != 1)
    return std::nullopt;
  if (gcm && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                                 nullptr) != 1)
    return std::nullopt;
  if (!gcm && iv.size() != cbc_iv_bytes) return std::nullopt;
  if (EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1)
    return std::nullopt;
  std::span<const uint8_t> body = input;
  if (gcm && !encrypt) {
    if (input.size() < tag_bytes) return std::nullopt;
    body = input.first(input.size() - tag_bytes);
    auto tag = input.last(tag_bytes);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_bytes),
                            const_cast<uint8_t*>(tag.data())) != 1)
      return std::nullopt;
  }
  byte_string out(body.size() + 32);
  int n = 0, tail = 0;
  static const uint8_t none = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, body.empty() ? &none : body.data(),
                       static_cast<int>(body.size())) != 1)
    return std::nullopt;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1) return std::nullopt;
  out.resize(static_cast<size_t>(n + tail));
  if (gcm && encrypt) {
    byte_string tag(tag_bytes);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_bytes),
                            tag.data()) != 1)
      return std::nullopt;
    out.insert(out.end(), tag.begin(), tag.end());
  }
  return out;
}

failure<errc> undecodable(std::string_view why) {
  return {errc::invalid_argument, fmt::format("Password could not be decoded: {}", why)};
}

}  // namespace

result<password_encoder> password_encoder::create(password_encoder_settings s) {
  if (s.secret.empty())
    return fail(errc::invalid_config, "password.encoder.secret: must not be empty");
  if (!key_factory(s.key_factory_algorithm))
    return fail(errc::invalid_config,
                fmt::format("password.encoder.keyfactory.algorithm: {} is not supported "
                            "(PBKDF2WithHmacSHA512, PBKDF2WithHmacSHA256, PBKDF2WithHmacSHA1)",
                            s.key_factory_algorithm));
  if (cipher_of(s.cipher_algorithm, 128) == nullptr)
    return fail(errc::invalid_config,
                fmt::format("password.encoder.cipher.algorithm: {} is not supported "
                            "(AES/CBC/PKCS5Padding, AES/GCM/NoPadding)",
                            s.cipher_algorithm));
  if (cipher_of(s.cipher_algorithm, s.key_length) == nullptr)
    return fail(errc::invalid_config,
                fmt::format("password.encoder.key.length: {} is not an AES key length (128, "
                            "192, 256)",
                            s.key_length));
  if (s.iterations < 1024)
    return fail(errc::invalid_config, "password.encoder.iterations: must be at least 1024");
  return password_encoder(std::move(s));
}

std::string password_encoder::encode(std::string_view password) const {
  const auto& s = settings_;
  bool gcm = is_gcm(s.cipher_algorithm);
  byte_string salt = random_bytes(salt_bytes);
  byte_string iv = random_bytes(gcm ? gcm_iv_bytes : cbc_iv_bytes);
  byte_string key = pbkdf2(*key_factory(s.key_factory_algorithm), to_bytes(s.secret), salt,
                           s.iterations, static_cast<size_t>(s.key_length / 8));
  auto encrypted = run_cipher(cipher_of(s.cipher_algorithm, s.key_length), true, key, iv,
                              to_bytes(password), gcm, gcm_tag_bits / 8);
  std::string out = fmt::format(
      "keyFactoryAlgorithm:{},cipherAlgorithm:{},keyLength:{},salt:{},iterations:{},"
      "encryptedPassword:{},passwordLength:{},initializationVector:{}",
      s.key_factory_algorithm, s.cipher_algorithm, s.key_length, base64_encode(salt), s.iterations,
      base64_encode(encrypted.value_or(byte_string{})), utf16_length(password), base64_encode(iv));
  if (gcm) out += fmt::format(",authenticationTagLength:{}", gcm_tag_bits);
  return out;
}

result<std::string> password_encoder::decode(std::string_view encoded) const {
  auto params = parse_csv_map(encoded);
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  };
  auto factory = key_factory(get("keyFactoryAlgorithm").value_or("PBKDF2WithHmacSHA512"));
  auto cipher_name = get("cipherAlgorithm");
  auto key_length = get("keyLength"), iterations = get("iterations");
  auto salt = base64_decode(get("salt").value_or("?"));
  auto encrypted = base64_decode(get("encryptedPassword").value_or("?"));
  auto iv = base64_decode(get("initializationVector").value_or("?"));
  auto length = get("passwordLength");
  if (!factory || !cipher_name || !key_length || !iterations || !salt || !encrypted || !iv ||
      !length)
    return undecodable("not an encoded password");
  int key_bits = std::atoi(key_length->c_str());
  int rounds = std::atoi(iterations->c_str());
  const EVP_CIPHER* cipher = cipher_of(*cipher_name, key_bits);
  if (cipher == nullptr || rounds < 1) return undecodable("unsupported cipher " + *cipher_name);
  bool gcm = is_gcm(*cipher_name);
  size_t tag_bytes = gcm_tag_bits / 8;
  if (gcm) {
    int tag_bits = std::atoi(get("authenticationTagLength").value_or("0").c_str());
    if (tag_bits < 96 || tag_bits > 128 || tag_bits % 8 != 0)
      return undecodable("bad authenticationTagLength");
    tag_bytes = static_cast<size_t>(tag_bits / 8);
  }
  byte_string key = pbkdf2(*factory, to_bytes(settings_.secret), *salt, rounds,
                           static_cast<size_t>(key_bits / 8));
  auto plain = run_cipher(cipher, false, key, *iv, *encrypted, gcm, tag_bytes);
  if (!plain) return undecodable("wrong secret or damaged value");
  std::string password = to_text(*plain);
  if (std::to_string(utf16_length(password)) != *length)
    return undecodable("sanity check of length failed");
  return password;
}

}  // namespace sluice::security
