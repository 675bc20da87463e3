#include "security/scram.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "security/base64.h"

namespace sluice::security {

const scram_mechanism* find_scram_mechanism(std::string_view name) {
  if (name == scram_sha_256.name) return &scram_sha_256;
  if (name == scram_sha_512.name) return &scram_sha_512;
  return nullptr;
}

const scram_mechanism* find_scram_mechanism(int8_t type) {
  if (type == scram_sha_256.type) return &scram_sha_256;
  if (type == scram_sha_512.type) return &scram_sha_512;
  return nullptr;
}

std::vector<const scram_mechanism*> scram_mechanisms() {
  return {&scram_sha_256, &scram_sha_512};
}

std::string credential_to_string(const scram_credential& c) {
  std::string out = "salt=";
  out += base64_encode(c.salt);
  out += ",stored_key=";
  out += base64_encode(c.stored_key);
  out += ",server_key=";
  out += base64_encode(c.server_key);
  out += ",iterations=";
  out += std::to_string(c.iterations);
  return out;
}

result<scram_credential> credential_from_string(std::string_view text) {
  auto invalid = [&] {
    return fail(errc::invalid_argument, "Credentials not valid: " + std::string(text));
  };
  std::map<std::string, std::string, std::less<>> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    auto token = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq == 0) return invalid();
    fields[std::string(token.substr(0, eq))] = std::string(token.substr(eq + 1));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (fields.size() != 4 || !fields.contains("salt") || !fields.contains("stored_key") ||
      !fields.contains("server_key") || !fields.contains("iterations"))
    return invalid();
  scram_credential c;
  auto salt = base64_decode(fields["salt"]);
  auto stored = base64_decode(fields["stored_key"]);
  auto server = base64_decode(fields["server_key"]);
  if (!salt || !stored || !server) return invalid();
  const auto& it = fields["iterations"];
  auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), c.iterations);
  if (ec != std::errc{} || end != it.data() + it.size()) return invalid();
  c.salt = std::move(*salt);
  c.stored_key = std::move(*stored);
  c.server_key = std::move(*server);
  return c;
}

byte_string salted_password(const scram_mechanism& m, std::string_view password,
                            std::span<const uint8_t> salt, int32_t iterations) {
  return hi(m.alg, to_bytes(password), salt, iterations);
}

byte_string client_key(const scram_mechanism& m, std::span<const uint8_t> salted) {
  return hmac(m.alg, salted, to_bytes("Client Key"));
}

byte_string server_key(const scram_mechanism& m, std::span<const uint8_t> salted) {
  return hmac(m.alg, salted, to_bytes("Server Key"));
}

scram_credential make_scram_credential(const scram_mechanism& m, std::span<const uint8_t> salt,
                                       std::span<const uint8_t> salted, int32_t iterations) {
  scram_credential c;
  c.salt.assign(salt.begin(), salt.end());
  c.stored_key = hash(m.alg, client_key(m, salted));
  c.server_key = server_key(m, salted);
  c.iterations = iterations;
  return c;
}

scram_credential make_scram_credential(const scram_mechanism& m, std::string_view password,
                                       int32_t iterations, std::optional<byte_string> salt) {
  byte_string s = salt ? std::move(*salt) : to_bytes(secure_random_string());
  auto salted = salted_password(m, password, s, iterations);
  return make_scram_credential(m, s, salted, iterations);
}

std::string secure_random_string() {
  // 130 random bits as a big-endian number in 17 bytes, then base 36 by repeated division.
  auto bytes = random_bytes(17);
  bytes[0] &= 0x03;
  std::string digits;
  while (std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; })) {
    uint32_t remainder = 0;
    for (auto& b : bytes) {
      uint32_t cur = remainder << 8 | b;
      b = static_cast<uint8_t>(cur / 36);
      remainder = cur % 36;
    }
    digits += "0123456789abcdefghijklmnopqrstuvwxyz"[remainder];
  }
  if (digits.empty()) digits = "0";
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string scram_sasl_name(std::string_view username) {
  std::string out;
  for (char c : username) {
    if (c == '=')
      out += "=3D";
    else if (c == ',')
      out += "=2C";
    else
      out += c;
  }
  return out;
}

std::optional<std::string> scram_username(std::string_view sasl_name) {
  std::string out;
  for (size_t i = 0; i < sasl_name.size(); ++i) {
    if (sasl_name[i] != '=') {
      out += sasl_name[i];
      continue;
    }
    auto escape = sasl_name.substr(i, 3);
    if (escape == "=2C") {
      out += ',';
    } else if (escape == "=3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

}  // namespace sluice::security
