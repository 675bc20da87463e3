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

TEST(crc32c, extend_equals_one_shot) {
  std::string_view s = "the quick brown fox jumps over the lazy dog";
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  uint32_t part = crc32c_extend(0, p, 10);
  EXPECT_EQ(crc32c_extend(part, p + 10, s.size() - 10), crc_of(s));
}

}  // namespace
}  // namespace sluice
