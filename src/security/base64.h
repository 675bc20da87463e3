// Base64 as Java's java.util.Base64 basic encoder and decoder, and the URL form JWTs use (RFC 4648
// alphabet, '=' padding), which Kafka uses for SCRAM salts, keys, proofs and signatures. Pure
// functions; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "security/bytes.h"

namespace sluice::security {

std::string base64_encode(std::span<const uint8_t> data);
// nullopt on a character outside the alphabet, bad padding or a dangling single character.
// Padding may be left out, as Java's decoder allows.
std::optional<byte_string> base64_decode(std::string_view text);

// Base64URL without padding (RFC 7515 §2); the decoder also takes the basic alphabet and padding.
std::string base64url_encode(std::span<const uint8_t> data);
std::optional<byte_string> base64url_decode(std::string_view text);

}  // namespace sluice::security
