#include "replication/delayed_operation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;

// Completes once `available` reaches `needed`; records how it finished.
class counting_op : public delayed_operation {
 public:
  counting_op(std::atomic<int>& available, int needed) : available_(available), needed_(needed) {}
  bool try_complete() override {
    if (available_.load() < needed_) return false;
    completions.fetch_add(1);
    return true;
  }
  void on_expire() override { expirations.fetch_add(1); }

  std::atomic<int> completions{0};
  std::atomic<int> expirations{0};

 private:
  std::atomic<int>& available_;
  int needed_;
};

TEST(delayed_operation_queue, completes_immediately_when_ready) {
  delayed_operation_queue queue("test");
  std::atomic<int> available{5};
  auto op = std::make_shared<counting_op>(available, 3);
  EXPECT_TRUE(queue.add(op, {"t-0"}, clock::now() + 10s));
  EXPECT_EQ(op->completions, 1);
  EXPECT_EQ(queue.pending(), 0u);
}

TEST(delayed_operation_queue, notify_completes_watchers_of_that_key_only) {
  delayed_operation_queue queue("test");
  std::atomic<int> a{0};
  std::atomic<int> b{0};
  auto on_a = std::make_shared<counting_op>(a, 1);
  auto on_b = std::make_shared<counting_op>(b, 1);
  EXPECT_FALSE(queue.add(on_a, {"t-0"}, clock::now() + 10s));
  EXPECT_FALSE(queue.add(on_b, {"t-1"}, clock::now() + 10s));
  a = 1;
  b = 1;
  queue.notify("t-0");
  EXPECT_EQ(on_a->completions, 1);
  EXPECT_EQ(on_b->completions, 0);
  queue.notify("t-0");  // completes at most once
  EXPECT_EQ(on_a->completions, 1);
  queue.notify("t-1");
  EXPECT_EQ(on_b->completions, 1);
  EXPECT_EQ(on_a->expirations + on_b->expirations, 0);
}

TEST(delayed_operation_queue, expires_at_deadline_exactly_once) {
  delayed_operation_queue queue("test");
  std::atomic<int> never{0};
  auto op = std::make_shared<counting_op>(never, 1);
  auto start = clock::now();
  EXPECT_FALSE(queue.add(op, {"t-0"}, start + 50ms));
  for (int i = 0; i < 200 && !op->completed(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(op->expirations, 1);
  EXPECT_GE(clock::now() - start, 50ms);
  never = 1;
  queue.notify("t-0");
  EXPECT_EQ(op->completions, 0);
}

TEST(delayed_operation_queue, shutdown_expires_pending_and_refuses_new) {
  std::atomic<int> never{0};
  auto op = std::make_shared<counting_op>(never, 1);
  auto late = std::make_shared<counting_op>(never, 1);
  {
    delayed_operation_queue queue("test");
    EXPECT_FALSE(queue.add(op, {"t-0"}, clock::now() + 1h));
    queue.shutdown();
    EXPECT_EQ(op->expirations, 1);
    EXPECT_FALSE(queue.add(late, {"t-0"}, clock::now() + 1h));
    EXPECT_EQ(late->expirations, 1);
  }
  EXPECT_EQ(op->expirations, 1);
}

TEST(delayed_operation_queue, racing_notify_and_expiry_complete_each_op_once) {
  delayed_operation_queue queue("test");
  std::atomic<int> available{0};
  std::vector<std::shared_ptr<counting_op>> ops;
  for (int i = 0; i < 200; ++i) {
    ops.push_back(std::make_shared<counting_op>(available, 1));
    queue.add(ops.back(), {"k" + std::to_string(i % 4)},
              clock::now() + std::chrono::milliseconds(i % 20));
  }
  std::thread notifier([&] {
    available = 1;
    for (int round = 0; round < 50; ++round)
      for (int k = 0; k < 4; ++k) queue.notify("k" + std::to_string(k));
  });
  notifier.join();
  queue.shutdown();
  for (auto& op : ops) EXPECT_EQ(op->completions + op->expirations, 1);
}

}  // namespace
}  // namespace sluice::replication
