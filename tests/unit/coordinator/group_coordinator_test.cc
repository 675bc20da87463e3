// group_coordinator: the driver over a fake offsets_log and timer — loading through read(),
// appends completed at once (re-entrantly) or later from another thread, timers re-armed.
#include "coordinator/group_coordinator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace sluice::coordinator {
namespace {

using protocol::error_code;

class fake_log : public offsets_log {
 public:
  bool complete_inline = true;

  void append(int32_t partition, std::vector<log_record> records,
              unique_function<void(append_status)> done) override {
    std::unique_lock lock(mutex_);
    auto& out = written[partition];
    out.insert(out.end(), records.begin(), records.end());
    if (complete_inline) {
      lock.unlock();
      done(append_status::ok);
      return;
    }
    held_.push_back(std::move(done));
    cv_.notify_all();
  }

  void read(int32_t partition, std::function<void(std::vector<log_record>)> chunk,
            unique_function<void(bool)> done) override {
    std::vector<log_record> records;
    {
      std::lock_guard lock(mutex_);
      records = written[partition];
    }
    chunk(std::move(records));
    done(true);
  }

  // Completes the held appends from another thread, as a replica manager would.
  void complete_held_on_another_thread() {
    std::vector<unique_function<void(append_status)>> held;
    {
      std::lock_guard lock(mutex_);
      held = std::move(held_);
      held_.clear();
    }
    std::thread t([&] {
      for (auto& d : held) d(append_status::ok);
    });
    t.join();
  }

  size_t held_count() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

  std::map<int32_t, std::vector<log_record>> written;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<unique_function<void(append_status)>> held_;
};

class fake_timer : public timer_driver {
 public:
  void arm(std::optional<int64_t> deadline_ms) override { armed = deadline_ms; }
  std::optional<int64_t> armed;
};

struct fixture {
  fake_log log;
  fake_timer timer;
  std::atomic<int64_t> now{1'000'000};
  coordinator_config config = [] {
    coordinator_config c;
    c.offsets_topic_partitions = 2;
    c.initial_rebalance_delay_ms = 100;
    return c;
  }();
  group_coordinator coordinator{config, log, timer, [this] { return now.load(); }};

  fixture() {
    coordinator.start();
    coordinator.on_partition_elected(0, 0);
    coordinator.on_partition_elected(1, 0);
  }

  protocol::offset_commit_response commit(const std::string& group, int64_t offset) {
    protocol::offset_commit_request r;
    r.group_id = group;
    auto& t = r.topics.emplace_back();
    t.name = "t";
    t.partitions.emplace_back().committed_offset = offset;
    // Another thread may be the one handing appends to the log: the answer can come from it.
    std::promise<protocol::offset_commit_response> answer;
    auto future = answer.get_future();
    coordinator.offset_commit(
        r, 7, [&](protocol::offset_commit_response resp) { answer.set_value(std::move(resp)); });
    return future.get();
  }

  int64_t fetch(const std::string& group) {
    protocol::offset_fetch_request r;
    r.group_id = group;
    r.topics.emplace();
    r.topics->push_back({"t", {0}, {}});
    std::optional<protocol::offset_fetch_response> out;
    coordinator.offset_fetch(r, 7, [&](protocol::offset_fetch_response resp) { out = resp; });
    if (!out || out->topics.empty()) return -2;
    return out->topics[0].partitions[0].committed_offset;
  }
};

TEST(group_coordinator, commits_with_a_log_that_completes_inline) {
  fixture f;
  auto c = f.commit("g", 5);
  EXPECT_EQ(c.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(f.fetch("g"), 5);
  EXPECT_EQ(f.log.written[f.coordinator.partition_for("g")].size(), 1u);
}

TEST(group_coordinator, commits_completed_later_from_another_thread) {
  fixture f;
  f.log.complete_inline = false;
  protocol::offset_commit_request r;
  r.group_id = "g";
  r.topics.emplace_back().name = "t";
  r.topics[0].partitions.emplace_back().committed_offset = 8;
  std::atomic<int> answered{0};
  f.coordinator.offset_commit(r, 7, [&](protocol::offset_commit_response) { ++answered; });
  EXPECT_EQ(answered, 0);
  EXPECT_EQ(f.log.held_count(), 1u);
  f.log.complete_held_on_another_thread();
  EXPECT_EQ(answered, 1);
  EXPECT_EQ(f.fetch("g"), 8);
}

TEST(group_coordinator, timers_are_armed_and_drive_the_rebalance) {
  fixture f;
  protocol::join_group_request r;
  r.group_id = "g";
  r.session_timeout_ms = 10'000;
  r.rebalance_timeout_ms = 10'000;
  r.protocol_type = "consumer";
  r.protocols.push_back({"range", {1}, {}});
  std::optional<protocol::join_group_response> joined;
  f.coordinator.join_group(r, 3, client_info{"c", "/h"},
                           [&](protocol::join_group_response resp) { joined = resp; });
  EXPECT_FALSE(joined);
  ASSERT_TRUE(f.timer.armed);
  EXPECT_EQ(*f.timer.armed, f.now + 100);  // the initial rebalance delay
  f.now += 100;
  f.coordinator.on_timer();
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->generation_id, 1);
  // Next: the sync timeout and the member's session.
  ASSERT_TRUE(f.timer.armed);
  EXPECT_EQ(*f.timer.armed, f.now + 10'000);
}

TEST(group_coordinator, a_new_leader_reloads_what_was_written) {
  fixture f;
  f.commit("g", 11);
  int32_t p = f.coordinator.partition_for("g");
  f.coordinator.on_partition_resigned(p, 0);
  EXPECT_EQ(f.commit("g", 12).topics[0].partitions[0].error_code,
            static_cast<int16_t>(error_code::not_coordinator));
  f.coordinator.on_partition_elected(p, 1);
  EXPECT_EQ(f.fetch("g"), 11);
}

TEST(group_coordinator, concurrent_callers) {
  fixture f;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto c = f.commit("g" + std::to_string(t), i);
        if (c.topics[0].partitions[0].error_code == 0) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 200);
  for (int t = 0; t < 4; ++t) EXPECT_EQ(f.fetch("g" + std::to_string(t)), 49);
}

TEST(group_coordinator, stop_answers_and_refuses) {
  fixture f;
  protocol::join_group_request r;
  r.group_id = "g";
  r.session_timeout_ms = 10'000;
  r.rebalance_timeout_ms = 10'000;
  r.protocol_type = "consumer";
  r.protocols.push_back({"range", {1}, {}});
  std::optional<protocol::join_group_response> parked;
  f.coordinator.join_group(r, 3, client_info{"c", "/h"},
                           [&](protocol::join_group_response resp) { parked = resp; });
  EXPECT_FALSE(parked);
  f.coordinator.stop();
  ASSERT_TRUE(parked);
  EXPECT_EQ(parked->error_code, static_cast<int16_t>(error_code::not_coordinator));
  EXPECT_EQ(f.commit("g", 1).topics[0].partitions[0].error_code,
            static_cast<int16_t>(error_code::coordinator_not_available));
}

}  // namespace
}  // namespace sluice::coordinator
