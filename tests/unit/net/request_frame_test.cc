// frame_pool: request buffers are reused without being zero-filled again, and the pool stays small.
#include "net/request_frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace sluice::net {
namespace {

TEST(request_frame, has_exactly_the_size_asked) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 20);
  EXPECT_EQ(pool->make(0).size(), 0u);
  EXPECT_EQ(pool->make(1000).size(), 1000u);
  EXPECT_EQ(pool->make(10).size(), 10u);
}

TEST(request_frame, a_returned_buffer_is_reused_without_zero_filling) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 20);
  const uint8_t* first_data = nullptr;
  {
    request_frame f = pool->make(4096);
    std::fill(f.bytes().begin(), f.bytes().end(), uint8_t{0xab});
    first_data = f.bytes().data();
  }
  EXPECT_EQ(pool->spare_count(), 1u);
  request_frame again = pool->make(4000);  // smaller: nothing is written
  EXPECT_EQ(again.bytes().data(), first_data);
  EXPECT_EQ(pool->spare_count(), 0u);
  EXPECT_TRUE(std::all_of(again.bytes().begin(), again.bytes().end(), [](uint8_t b) {
    return b == 0xab;
  })) << "a reused buffer was zero-filled";
}

TEST(request_frame, growing_a_reused_buffer_within_its_capacity_keeps_it) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 20);
  const uint8_t* data = nullptr;
  { data = pool->make(8192).bytes().data(); }
  { EXPECT_EQ(pool->make(100).bytes().data(), data); }
  request_frame grown = pool->make(8000);
  EXPECT_EQ(grown.bytes().data(), data);
  EXPECT_EQ(grown.size(), 8000u);
}

TEST(request_frame, keeps_few_and_small_buffers) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 16);
  {
    request_frame a = pool->make(100);
    request_frame b = pool->make(100);
    request_frame c = pool->make(100);
  }
  EXPECT_EQ(pool->spare_count(), 2u);
  auto big_pool = std::make_shared<frame_pool>(2, 1 << 16);
  { request_frame huge = big_pool->make((1 << 16) + 1); }
  EXPECT_EQ(big_pool->spare_count(), 0u) << "kept a buffer above the capacity bound";
}

TEST(request_frame, released_bytes_do_not_return) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 20);
  request_frame f = pool->make(64);
  protocol::bytes taken = f.release();
  EXPECT_EQ(taken.size(), 64u);
  EXPECT_EQ(f.size(), 0u);
  { request_frame moved_from = std::move(f); }
  EXPECT_EQ(pool->spare_count(), 0u);
}

TEST(request_frame, move_assignment_returns_the_overwritten_buffer) {
  auto pool = std::make_shared<frame_pool>(2, 1 << 20);
  request_frame a = pool->make(64);
  request_frame b = pool->make(32);
  a = std::move(b);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(pool->spare_count(), 1u);
}

TEST(request_frame, frames_may_outlive_their_pool_and_die_on_other_threads) {
  std::vector<request_frame> frames;
  {
    auto pool = std::make_shared<frame_pool>(2, 1 << 20);
    for (int i = 0; i < 8; ++i) frames.push_back(pool->make(128));
  }
  std::thread other([moved = std::move(frames)]() mutable { moved.clear(); });
  other.join();  // ASan checks the give-backs
}

TEST(request_frame, unpooled_bytes_pass_through) {
  request_frame f(protocol::bytes{1, 2, 3});
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f.bytes()[2], 3);
}

}  // namespace
}  // namespace sluice::net
