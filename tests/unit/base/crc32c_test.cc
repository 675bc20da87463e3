#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace sluice {
namespace {

uint32_t crc_of(std::string_view s) {
  return crc32c({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

TEST(crc32c, known_answers) {
  // Check value from the CRC catalogue (CRC-32/ISCSI) and RFC 3720 test vectors.
  EXPECT_EQ(crc_of("123456789"), 0xe3069283u);
  std::vector<uint8_t> zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8a9136aau);
  std::vector<uint8_t> ones(32, 0xff);
  EXPECT_EQ(crc32c(ones), 0x62a8ab43u);
  EXPECT_EQ(crc_of(""), 0u);
}

TEST(crc32c, hardware_matches_portable_on_every_length_and_alignment) {
  std::mt19937 rng(42);
  std::vector<uint8_t> data(4096 + 16);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 100u, 1000u, 4096u}) {
      EXPECT_EQ(crc32c_extend(0, data.data() + offset, len),
                crc32c_portable(0, data.data() + offset, len))
          << offset << " " << len;
    }
  }
}

TEST(crc32c, hardware_matches_portable_across_the_lane_boundaries) {
  // The hardware path switches between three-lane blocks of 3 x 4096 and 3 x 256 bytes and a
  // serial tail; probe each boundary, from every alignment and from a non-zero starting CRC.
  std::mt19937 rng(7);
  std::vector<uint8_t> data((1 << 20) + 64);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const size_t lengths[] = {767,   768,   769,   1535,  1536,  12287,  12288,
                            12289, 13056, 13063, 24576, 99999, 1 << 20};
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len : lengths) {
      for (uint32_t start : {0u, 0xdeadbeefu}) {
        EXPECT_EQ(crc32c_extend(start, data.data() + offset, len),
                  crc32c_portable(start, data.data() + offset, len))
            << offset << " " << len << " " << start;
      }
    }
  }
}

TEST(crc32c, long_input_known_answer) {
  // 1 MiB of zeros and of 0xff, checked against the bit-at-a-time definition.
  auto bitwise = [](const std::vector<uint8_t>& d) {
    uint32_t c = 0xffffffff;
    for (uint8_t b : d) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78 : c >> 1;
    }
    return ~c;
  };
  std::vector<uint8_t> zeros(1 << 20, 0);
  std::vector<uint8_t> ones(1 << 20, 0xff);
  EXPECT_EQ(crc32c(zeros), bitwise(zeros));
  EXPECT_EQ(crc32c(ones), bitwise(ones));
}

TEST(crc32c, extend_equals_one_shot) {
  std::string_view s = "the quick brown fox jumps over the lazy dog";
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  uint32_t part = crc32c_extend(0, p, 10);
  EXPECT_EQ(crc32c_extend(part, p + 10, s.size() - 10), crc_of(s));
}

}  // namespace
}  // namespace sluice
