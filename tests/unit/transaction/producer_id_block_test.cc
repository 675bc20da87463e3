// The /latest_producer_id_block znode as Kafka's ProducerIdBlockZNode writes and reads it.
#include "transaction/producer_id_block.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice::transaction {
namespace {

TEST(producer_id_block, encodes_like_kafka) {
  EXPECT_EQ(encode_producer_id_block(producer_id_block{2, 1000, 1000}),
            R"({"version":1,"broker":2,"block_start":"1000","block_end":"1999"})");
  EXPECT_EQ(encode_producer_id_block(producer_id_block{0, 0, 1000}),
            R"({"version":1,"broker":0,"block_start":"0","block_end":"999"})");
}

TEST(producer_id_block, decodes_what_kafka_writes) {
  auto b = decode_producer_id_block(
      R"({"version":1,"broker":3,"block_start":"5000","block_end":"5999"})");
  ASSERT_TRUE(b.ok()) << b.message();
  EXPECT_EQ(*b, (producer_id_block{3, 5000, 1000}));
  EXPECT_EQ(b->last(), 5999);
  EXPECT_EQ(b->next_block_first(), 6000);
  // Key order and the version do not matter when reading.
  auto c =
      decode_producer_id_block(R"({"block_end":"9","block_start":"0","broker":1,"version":2})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, (producer_id_block{1, 0, 10}));
}

TEST(producer_id_block, refuses_what_kafka_cannot_read) {
  for (const char* json : {
           "",
           "[]",
           R"({"version":1,"block_start":"0","block_end":"999"})",
           R"({"version":1,"broker":"1","block_start":"0","block_end":"999"})",
           R"({"version":1,"broker":1,"block_start":0,"block_end":"999"})",
           R"({"version":1,"broker":1,"block_start":"0x10","block_end":"999"})",
           R"({"version":1,"broker":1,"block_start":"0","block_end":"99999999999999999999"})",
           R"({"version":1,"broker":1,"block_start":"0","block_end":"4294967296"})",
           R"({"version":1,"broker":1,"block_start":"10","block_end":"5"})",
           R"({"version":1,"broker":4294967296,"block_start":"0","block_end":"999"})",
       }) {
    auto b = decode_producer_id_block(json);
    EXPECT_FALSE(b.ok()) << json;
    if (!b.ok()) {
      EXPECT_EQ(b.code(), errc::malformed_producer_id_block) << json;
    }
  }
}

TEST(producer_id_block, the_next_block_follows_the_current_one) {
  auto first = next_producer_id_block(std::nullopt, 7);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, (producer_id_block{7, 0, 1000}));
  auto second = next_producer_id_block(producer_id_block{3, 0, 1000}, 7);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, (producer_id_block{7, 1000, 1000}));
  // A round trip through the znode's JSON.
  auto read = decode_producer_id_block(encode_producer_id_block(*second));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, *second);
}

TEST(producer_id_block, ids_run_out_near_int64_max) {
  constexpr int64_t max = std::numeric_limits<int64_t>::max();
  auto last_ok = next_producer_id_block(producer_id_block{1, max - 2000 + 1, 1000}, 1);
  ASSERT_TRUE(last_ok.ok());
  EXPECT_EQ(last_ok->last(), max);
  auto none = next_producer_id_block(*last_ok, 1);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), errc::producer_ids_exhausted);
}

TEST(producer_id_block, a_range_hands_out_its_ids_in_order) {
  producer_id_range empty;
  EXPECT_FALSE(empty.claim_next());
  producer_id_range r(producer_id_block{0, 10, 3});
  EXPECT_EQ(r.remaining(), 3);
  EXPECT_EQ(r.claim_next(), 10);
  EXPECT_EQ(r.claim_next(), 11);
  EXPECT_EQ(r.claim_next(), 12);
  EXPECT_FALSE(r.claim_next());
  EXPECT_EQ(r.remaining(), 0);
}

}  // namespace
}  // namespace sluice::transaction
