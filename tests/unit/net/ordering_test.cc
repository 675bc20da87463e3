// Per-connection ordering with the default overlap policy: Produce (0) and Fetch (1) may overlap,
// every other request starts only when all earlier ones of its connection have completed and holds
// back later ones until it completes (Kafka handles one request per connection at a time). Without
// it, an OffsetCommit pipelined behind a SyncGroup that waits for the group's leader runs during
// the rebalance and fails with REBALANCE_IN_PROGRESS, where Kafka answers it after the SyncGroup.
#include <gtest/gtest.h>

#include <thread>

#include "net_test_support.h"

namespace sluice::net::testing {
namespace {

constexpr int16_t produce_key = 0;
constexpr int16_t fetch_key = 1;
constexpr int16_t offset_commit_key = 8;
constexpr int16_t heartbeat_key = 12;
constexpr int16_t sync_group_key = 14;

// A frame that starts with a Kafka API key, then a label the test recognises.
std::string frame_for(int16_t api_key, std::string_view label) {
  std::string out;
  out.push_back(static_cast<char>(static_cast<uint16_t>(api_key) >> 8));
  out.push_back(static_cast<char>(api_key & 0xff));
  out.append(label);
  return out;
}
std::string label_of(const protocol::bytes& frame) {
  return std::string(frame.begin() + 2, frame.end());
}

tcp_server_options kafka_policy() {
  auto o = loopback_options();
  o.may_overlap = produce_or_fetch;
  return o;
}

TEST(ordering, default_policy_lets_only_produce_and_fetch_overlap) {
  EXPECT_TRUE(produce_or_fetch(produce_key));
  EXPECT_TRUE(produce_or_fetch(fetch_key));
  for (int16_t key : {int16_t{2}, int16_t{3}, offset_commit_key, int16_t{9}, int16_t{11},
                      heartbeat_key, int16_t{13}, sync_group_key, int16_t{18}, int16_t{-1}}) {
    EXPECT_FALSE(produce_or_fetch(key)) << key;
  }
  EXPECT_TRUE(tcp_server_options{}.may_overlap(produce_key));
  EXPECT_FALSE(tcp_server_options{}.may_overlap(sync_group_key));
}

TEST(ordering, a_group_request_starts_only_after_the_previous_one_completed) {
  server_fixture f(kafka_policy());
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send_frame(frame_for(sync_group_key, "sync")));
  ASSERT_TRUE(c.send_frame(frame_for(offset_commit_key, "commit")));
  auto first = f.dispatcher.take_held(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(label_of(first[0].frame), "sync");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.dispatcher.dispatched(), 1u)
      << "the OffsetCommit started while the SyncGroup before it was still in flight";

  first[0].done(outbound_response::with(body_of("synced")));
  auto second = f.dispatcher.take_held(1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(label_of(second[0].frame), "commit");
  second[0].done(outbound_response::with(body_of("committed")));
  EXPECT_EQ(c.read_frame_string(), "synced");
  EXPECT_EQ(c.read_frame_string(), "committed");
}

TEST(ordering, a_produce_waits_for_an_earlier_group_request_and_holds_back_a_later_one) {
  server_fixture f(kafka_policy());
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame(frame_for(heartbeat_key, "heartbeat")));
  ASSERT_TRUE(c.send_frame(frame_for(produce_key, "produce-1")));
  ASSERT_TRUE(c.send_frame(frame_for(produce_key, "produce-2")));
  ASSERT_TRUE(c.send_frame(frame_for(offset_commit_key, "commit")));
  auto heartbeat = f.dispatcher.take_held(1);
  ASSERT_EQ(heartbeat.size(), 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.dispatcher.dispatched(), 1u) << "a Produce overtook the Heartbeat before it";

  heartbeat[0].done(outbound_response::with(body_of("beat")));
  auto produces = f.dispatcher.take_held(2);  // the two Produce requests overlap each other
  ASSERT_EQ(produces.size(), 2u);
  EXPECT_EQ(label_of(produces[0].frame), "produce-1");
  EXPECT_EQ(label_of(produces[1].frame), "produce-2");
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(f.dispatcher.dispatched(), 3u) << "the OffsetCommit started before the Produces ended";

  produces[1].done(outbound_response::with(body_of("p2")));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(f.dispatcher.dispatched(), 3u) << "started with one Produce still in flight";
  produces[0].done(outbound_response::with(body_of("p1")));
  auto commit = f.dispatcher.take_held(1);
  ASSERT_EQ(commit.size(), 1u);
  EXPECT_EQ(label_of(commit[0].frame), "commit");
  commit[0].done(outbound_response::with(body_of("committed")));
  for (const char* expected : {"beat", "p1", "p2", "committed"}) {
    EXPECT_EQ(c.read_frame_string(), expected);
  }
}

TEST(ordering, produce_and_fetch_keep_overlapping) {
  server_fixture f(kafka_policy());
  f.dispatcher.hold = true;
  client c(f.port());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.send_frame(frame_for(i % 2 == 0 ? produce_key : fetch_key, std::to_string(i))));
  }
  auto held = f.dispatcher.take_held(4);
  ASSERT_EQ(held.size(), 4u) << "Produce/Fetch requests did not overlap";
  for (int i = 3; i >= 0; --i) held[i].done(outbound_response::with(body_of(std::to_string(i))));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.read_frame_string(), std::to_string(i));
}

TEST(ordering, a_dropped_callback_counts_as_completed_and_closes) {
  server_fixture f(kafka_policy());
  f.dispatcher.hold = true;
  client c(f.port());
  ASSERT_TRUE(c.send_frame(frame_for(sync_group_key, "sync")));
  ASSERT_TRUE(c.send_frame(frame_for(offset_commit_key, "commit")));
  auto first = f.dispatcher.take_held(1);
  ASSERT_EQ(first.size(), 1u);
  first.clear();  // drops the callback uninvoked
  EXPECT_TRUE(c.closed_by_peer());
}

}  // namespace
}  // namespace sluice::net::testing
