#include "security/base64.h"

namespace sluice::security {
namespace {

constexpr std::string_view basic_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A character's 6 bits: the basic alphabet, and with `url` the URL one's '-' and '_' too.
int value_of(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || (url && c == '-')) return 62;
  if (c == '/' || (url && c == '_')) return 63;
  return -1;
}

std::string encode(std::span<const uint8_t> data, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : data) {
    acc = acc << 8 | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[acc >> bits & 63];
    }
  }
  if (bits > 0) out += alphabet[acc << (6 - bits) & 63];
  while (pad && out.size() % 4 != 0) out += '=';
  return out;
}

std::optional<byte_string> decode(std::string_view text, bool url) {
  size_t end = text.size();
  size_t padding = 0;
  while (end > 0 && text[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  if (padding > 0 && text.size() % 4 != 0) return std::nullopt;
  if (end % 4 == 1) return std::nullopt;  // 6 bits cannot make a byte
  byte_string out;
  out.reserve(end * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int v = value_of(text[i], url);
    if (v < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(acc >> bits & 0xff));
    }
  }
  return out;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> data) {
  return encode(data, basic_alphabet, /*pad=*/true);
}

std::optional<byte_string> base64_decode(std::string_view text) {
  return decode(text, /*url=*/false);
}

std::string base64url_encode(std::span<const uint8_t> data) {
  return encode(data, url_alphabet, /*pad=*/false);
}

std::optional<byte_string> base64url_decode(std::string_view text) {
  return decode(text, /*url=*/true);
}

}  // namespace sluice::security
