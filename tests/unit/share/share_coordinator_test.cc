#include "share/share_coordinator.h"

#include <gtest/gtest.h>

namespace sluice::share {
namespace {

using protocol::error_code;

const share_partition_key key{"g", protocol::uuid{}, 3};

TEST(share_coordinator, a_write_merges_as_kafka_merges) {
  persisted_state current{1, 5, 10, {{10, 19, state_available, 1}, {20, 29, state_archived, 3}}};
  persisted_state write{1, 5, 15, {{18, 22, state_acknowledged, 2}}};
  auto merged = merge_state(current, write);
  EXPECT_EQ(merged.start_offset, 15);
  EXPECT_EQ(merged.batches, (std::vector<state_batch>{{15, 17, state_available, 1},
                                                      {18, 22, state_acknowledged, 2},
                                                      {23, 29, state_archived, 3}}));
  // -1 keeps the start offset.
  EXPECT_EQ(merge_state(merged, persisted_state{1, 5, -1, {}}).start_offset, 15);
}

TEST(share_coordinator, records_round_trip_in_kafkas_format) {
  persisted_state s{2, 7, 40, {{40, 41, state_archived, 5}}};
  auto record = share_state_record(key, s, 9, 1234);
  // int16 record type 0 (ShareSnapshot), then the key at version 0.
  ASSERT_GE(record.key.size(), 2u);
  EXPECT_EQ(record.key[0], 0);
  EXPECT_EQ(record.key[1], 0);
  auto decoded = decode_share_state_record(record);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded.value().key, key);
  EXPECT_FALSE(decoded.value().delta);
  EXPECT_EQ(decoded.value().state, s);
  auto tombstone = decode_share_state_record(share_state_record(key, std::nullopt, 0, 0));
  ASSERT_TRUE(tombstone);
  EXPECT_FALSE(tombstone.value().state);
  coordinator::log_record junk;
  junk.key = {0, 9};
  EXPECT_FALSE(decode_share_state_record(junk));
}

TEST(share_coordinator, state_survives_a_reload_from_its_records) {
  share_coordinator c(4);
  const int32_t p = c.partition_for(key);
  EXPECT_EQ(c.read(key, 0).error().code, error_code::not_coordinator);
  c.begin_load(p, 1);
  EXPECT_EQ(c.read(key, 0).error().code, error_code::coordinator_load_in_progress);
  c.finish_load(p, 1, true, 0);
  EXPECT_EQ(c.read(key, 0).value().start_offset, -1);  // never written
  std::vector<coordinator::log_record> log;
  log.push_back(c.write(key, {0, 1, 100, {}}, 0).value());
  log.push_back(c.write(key, {0, 1, 105, {{106, 106, state_archived, 5}}}, 0).value());
  // An older leader is fenced.
  EXPECT_EQ(c.write(key, {0, 0, 200, {}}, 0).error().code, error_code::fenced_leader_epoch);

  share_coordinator next(4);
  next.begin_load(p, 2);
  for (const auto& r : log) ASSERT_TRUE(next.replay(p, 2, r));
  next.finish_load(p, 2, true, 0);
  auto kept = next.read(key, 1);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept.value().start_offset, 105);
  EXPECT_EQ(kept.value().batches, (std::vector<state_batch>{{106, 106, state_archived, 5}}));
  // A tombstone forgets it.
  auto gone = next.remove(key, 0);
  ASSERT_TRUE(gone);
  EXPECT_EQ(next.read(key, 1).value().start_offset, -1);
}

TEST(share_coordinator, an_offset_reset_starts_afresh_and_fences_the_old_state) {
  share_coordinator c(4);
  const int32_t p = c.partition_for(key);
  c.begin_load(p, 1);
  c.finish_load(p, 1, true, 0);
  ASSERT_TRUE(c.write(key, {0, 3, 100, {{100, 104, state_acknowledged, 1}}}, 0));
  auto reset = c.initialize(key, 1, 40, 0);
  ASSERT_TRUE(reset);
  const auto kept = c.read(key, -1).value();
  EXPECT_EQ(kept.state_epoch, 1);
  EXPECT_EQ(kept.start_offset, 40);
  EXPECT_TRUE(kept.batches.empty());
  // The leader still holding state epoch 0 is fenced; one that reloaded is not.
  EXPECT_EQ(c.write(key, {0, 3, 105, {}}, 0).error().code, error_code::fenced_state_epoch);
  EXPECT_TRUE(c.write(key, {1, 3, 41, {}}, 0));
  // An older reset is fenced too; a negative epoch is refused.
  EXPECT_EQ(c.initialize(key, 0, 7, 0).error().code, error_code::fenced_state_epoch);
  EXPECT_EQ(c.initialize(key, -1, 7, 0).error().code, error_code::invalid_request);
  // The reset's record replays to the same state.
  share_coordinator next(4);
  next.begin_load(p, 2);
  ASSERT_TRUE(next.replay(p, 2, reset.value()));
  next.finish_load(p, 2, true, 0);
  EXPECT_EQ(next.read(key, -1).value().start_offset, 40);
  EXPECT_EQ(next.read(key, -1).value().state_epoch, 1);
}

TEST(share_coordinator, delivery_complete_counts_what_is_done_from_the_start) {
  persisted_state s{
      0,
      0,
      10,
      {{5, 12, state_acknowledged, 1}, {13, 14, state_available, 1}, {15, 19, state_archived, 5}}};
  EXPECT_EQ(delivery_complete_count(s), 3 + 5);
  EXPECT_EQ(delivery_complete_count(s, 17), 3 + 2);
}

TEST(share_coordinator, the_partition_is_kafkas) {
  // abs(javaHash("g:AAAAAAAAAAAAAAAAAAAAAA:3")) % 50, as Kafka's share coordinator computes it.
  share_coordinator c(50);
  uint32_t u = 0;  // Java's int arithmetic wraps; unsigned does here
  for (char ch : std::string("g:AAAAAAAAAAAAAAAAAAAAAA:3")) u = 31 * u + static_cast<uint8_t>(ch);
  const auto h = static_cast<int32_t>(u);
  EXPECT_EQ(c.partition_for(key), (h == INT32_MIN ? 0 : std::abs(h)) % 50);
}

}  // namespace
}  // namespace sluice::share
