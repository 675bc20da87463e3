#include "coordinator/partitioner.h"

#include <limits>

#include "base/assert.h"

namespace sluice::coordinator {
namespace {

constexpr uint32_t replacement_char = 0xFFFD;

// Decodes one code point at `i` (advancing it), replacing each maximal ill-formed subpart with
// U+FFFD, which is what Java's UTF-8 decoder does.
uint32_t next_code_point(std::string_view s, size_t& i) {
  auto byte = [&](size_t at) { return static_cast<uint8_t>(s[at]); };
  uint8_t lead = byte(i++);
  if (lead < 0x80) return lead;
  int continuation = 0;
  uint32_t cp = 0;
  uint8_t low = 0x80, high = 0xBF;  // allowed range of the first continuation byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return replacement_char;
  }
  for (int k = 0; k < continuation; ++k) {
    if (i >= s.size()) return replacement_char;
    uint8_t b = byte(i);
    if (b < low || b > high) return replacement_char;  // `b` starts the next sequence
    cp = (cp << 6) | (b & 0x3F);
    ++i;
    low = 0x80;
    high = 0xBF;
  }
  return cp;
}

}  // namespace

int32_t java_string_hash(std::string_view utf8) {
  uint32_t h = 0;  // unsigned: Java's int arithmetic wraps
  size_t i = 0;
  while (i < utf8.size()) {
    uint32_t cp = next_code_point(utf8, i);
    if (cp >= 0x10000) {
      uint32_t v = cp - 0x10000;
      h = 31 * h + (0xD800 + (v >> 10));
      h = 31 * h + (0xDC00 + (v & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for(std::string_view group_id, int32_t partitions) {
  SLUICE_ASSERT(partitions > 0, "offsets topic needs at least one partition");
  int32_t h = java_string_hash(group_id);
  int32_t abs = h == std::numeric_limits<int32_t>::min() ? 0 : (h < 0 ? -h : h);
  return abs % partitions;
}

}  // namespace sluice::coordinator
