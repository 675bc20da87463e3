// CRC-32C: a three-lane crc32-instruction path on x86-64 and slicing-by-8 elsewhere (crc32c.h).
#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace sluice {

namespace {

constexpr uint32_t kPoly = 0x82f63b78;  // reflected Castagnoli polynomial

// Slicing-by-8 tables for the portable path.
struct tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
};
constexpr tables kTables;

// ---- shifting a CRC register over zeros -------------------------------------------------------
//
// The raw register (no pre/post inversion) is linear in its initial value, so for A||B:
//   raw(A||B, init s) = raw(B, init raw(A, s))  =  zeros(|B|)(raw(A, s)) ^ raw(B, init 0)
// where zeros(n)(r) is the register after feeding n zero bytes from r. In the reflected bit order
// (bit 31 holds x^0, bit 0 holds x^31) one zero bit multiplies the register polynomial by x modulo
// P, so zeros(n)(r) = r * x^(8n) mod P: a carry-less multiply by a constant. That constant is
// computed at compile time, and the multiply by it is tabulated byte by byte (it is linear).

// a * b mod P, both in reflected order.
constexpr uint32_t multiply_mod_p(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int power = 0; power < 32; ++power) {  // a's coefficient of x^power sits in bit 31 - power
    if (a & (0x80000000u >> power)) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPoly : b >> 1;  // b *= x
  }
  return product;
}

// x^(8 * bytes) mod P, by square-and-multiply.
constexpr uint32_t x_to_8n(size_t bytes) {
  uint32_t result = 0x80000000u;  // x^0
  uint32_t base = 0x00800000u;    // x^8
  for (size_t n = bytes; n != 0; n >>= 1) {
    if (n & 1) result = multiply_mod_p(result, base);
    base = multiply_mod_p(base, base);
  }
  return result;
}

// zeros(n) as four byte-indexed tables: zeros(n)(r) = XOR over k of t[k][byte k of r].
struct zeros_operator {
  std::array<std::array<uint32_t, 256>, 4> t{};
  explicit constexpr zeros_operator(size_t bytes) {
    uint32_t k = x_to_8n(bytes);
    for (uint32_t i = 0; i < 256; ++i)
      for (size_t pos = 0; pos < 4; ++pos) t[pos][i] = multiply_mod_p(k, i << (8 * pos));
  }
  uint32_t apply(uint32_t r) const {
    return t[0][r & 0xff] ^ t[1][(r >> 8) & 0xff] ^ t[2][(r >> 16) & 0xff] ^ t[3][r >> 24];
  }
};

#if defined(__x86_64__)
// The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so one
// dependent chain runs at a third of the possible speed. Blocks are cut into three lanes whose
// chains run side by side, then joined with the zeros operator. Long lanes make the join
// negligible; short lanes serve medium inputs; the tail runs serially.
constexpr size_t kLongLane = 4096;
constexpr size_t kShortLane = 256;
constexpr zeros_operator kShiftLong(kLongLane);
constexpr zeros_operator kShiftShort(kShortLane);

inline uint64_t load64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

__attribute__((target("sse4.2"))) uint64_t crc_three_lanes(uint64_t c0, const uint8_t* p,
                                                           size_t lane,
                                                           const zeros_operator& shift) {
  uint64_t c1 = 0;
  uint64_t c2 = 0;
  for (size_t i = 0; i < lane; i += 8) {
    c0 = _mm_crc32_u64(c0, load64(p + i));
    c1 = _mm_crc32_u64(c1, load64(p + lane + i));
    c2 = _mm_crc32_u64(c2, load64(p + 2 * lane + i));
  }
  uint32_t joined = shift.apply(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
  return shift.apply(joined) ^ static_cast<uint32_t>(c2);
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, size_t n) {
  uint64_t c = ~crc;
  while (n > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  while (n >= 3 * kLongLane) {
    c = crc_three_lanes(c, p, kLongLane, kShiftLong);
    p += 3 * kLongLane;
    n -= 3 * kLongLane;
  }
  while (n >= 3 * kShortLane) {
    c = crc_three_lanes(c, p, kShortLane, kShiftShort);
    p += 3 * kShortLane;
    n -= 3 * kShortLane;
  }
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    n -= 8;
  }
  while (n > 0) {
    c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
    --n;
  }
  return ~static_cast<uint32_t>(c);
}
#endif

using crc_fn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

crc_fn choose() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) return crc32c_sse42;
#endif
  return crc32c_portable;
}

const crc_fn kChosen = choose();

}  // namespace

uint32_t crc32c_portable(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  const auto& t = kTables.t;
  while (n >= 8) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;  // little-endian load; fine on x86-64 and AArch64 Linux
    c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
        t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff];
  return ~c;
}

bool crc32c_hardware_available() {
  return kChosen != crc32c_portable;
}

uint32_t crc32c_extend(uint32_t crc, const uint8_t* data, size_t size) {
  return kChosen(crc, data, size);
}

}  // namespace sluice
