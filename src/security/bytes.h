// Byte strings of the security module (tokens, salts, keys) and their conversions to and from
// text. Header only; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::security {

using byte_string = std::vector<uint8_t>;

inline byte_string to_bytes(std::string_view text) {
  return byte_string(text.begin(), text.end());
}
inline std::string to_text(std::span<const uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace sluice::security
