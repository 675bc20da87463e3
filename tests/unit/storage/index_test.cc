#include <gtest/gtest.h>

#include "storage/offset_index.h"
#include "storage/time_index.h"

namespace sluice::storage {
namespace {

TEST(offset_index, lookup_by_offset_and_position) {
  offset_index ix(100);
  EXPECT_EQ(ix.lookup(150).position, 0u);
  EXPECT_EQ(ix.lookup(150).offset, 100);
  ix.append(109, 4096);  // the batch ending at 109 starts at byte 4096
  ix.append(130, 9000);
  ix.append(131, 9500);
  EXPECT_EQ(ix.last_offset(), 131);
  EXPECT_EQ(ix.lookup(99).position, 0u);
  EXPECT_EQ(ix.lookup(108).position, 0u);
  EXPECT_EQ(ix.lookup(109).position, 4096u);
  EXPECT_EQ(ix.lookup(129).position, 4096u);
  EXPECT_EQ(ix.lookup(130).position, 9000u);
  EXPECT_EQ(ix.lookup(1000).position, 9500u);
  // Entries at or past the readable limit are ignored.
  EXPECT_EQ(ix.lookup(1000, 9500).position, 9000u);
  EXPECT_EQ(ix.lookup(1000, 4000).position, 0u);
  EXPECT_EQ(ix.lookup_position(4095).position, 0u);
  EXPECT_EQ(ix.lookup_position(4096).position, 4096u);
  EXPECT_EQ(ix.lookup_position(9400).offset, 130);
  ix.truncate_to_offset(130);
  EXPECT_EQ(ix.entries(), 1u);
  ix.append(140, 5000);
  ix.truncate_to_position(5000);
  EXPECT_EQ(ix.entries(), 1u);
}

TEST(offset_index, encode_decode_and_sanity_checks) {
  offset_index ix(1000);
  ix.append(1010, 100);
  ix.append(1020, 250);
  auto bytes = ix.encode();
  ASSERT_EQ(bytes.size(), 16u);
  // Kafka's layout: big-endian relative offset then position.
  EXPECT_EQ(bytes[3], 10);
  EXPECT_EQ(bytes[7], 100);
  auto back = offset_index::decode(1000, bytes, 300, 1021);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->lookup(1015).position, 100u);
  EXPECT_EQ(offset_index::decode(1000, bytes, 250, 1021).code(), errc::corrupt_file);  // position
  EXPECT_EQ(offset_index::decode(1000, bytes, 300, 1020).code(), errc::corrupt_file);  // offset
  bytes.pop_back();
  EXPECT_EQ(offset_index::decode(1000, bytes, 300, 1021).code(), errc::corrupt_file);  // size
  std::vector<uint8_t> backwards = {0, 0, 0, 5, 0, 0, 0, 10, 0, 0, 0, 4, 0, 0, 0, 20};
  EXPECT_EQ(offset_index::decode(0, backwards, 100, 100).code(), errc::corrupt_file);
}

TEST(time_index, append_lookup_truncate_encode) {
  time_index ix(50);
  EXPECT_FALSE(ix.lookup(10).has_value());
  ix.maybe_append(1000, 55);
  ix.maybe_append(900, 60);  // not above the last: ignored
  ix.maybe_append(2000, 70);
  EXPECT_EQ(ix.entries(), 2u);
  EXPECT_FALSE(ix.lookup(999).has_value());
  EXPECT_EQ(ix.lookup(1000)->offset, 55);
  EXPECT_EQ(ix.lookup(1999)->offset, 55);
  EXPECT_EQ(ix.lookup(5000)->offset, 70);
  auto bytes = ix.encode();
  ASSERT_EQ(bytes.size(), 24u);
  auto back = time_index::decode(50, bytes, 71);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->last()->timestamp, 2000);
  EXPECT_EQ(time_index::decode(50, bytes, 70).code(), errc::corrupt_file);
  ix.truncate_to_offset(70);
  EXPECT_EQ(ix.entries(), 1u);
}

}  // namespace
}  // namespace sluice::storage
