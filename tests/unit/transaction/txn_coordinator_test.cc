// txn_coordinator: the driver over a fake state_log, marker_channel and timer — loading through
// read(), appends and marker reports completed at once (re-entrantly) or later from another
// thread, cancellations, the timer re-armed.
#include "transaction/txn_coordinator.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace sluice::transaction {
namespace {

using protocol::error_code;

class fake_log : public state_log {
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
      held = std::exchange(held_, {});
    }
    std::thread([&held] {
      for (auto& done : held) done(append_status::ok);
    }).join();
  }

  size_t held_count() {
    std::lock_guard lock(mutex_);
    return held_.size();
  }

  std::map<int32_t, std::vector<log_record>> written;

 private:
  std::mutex mutex_;
  std::vector<unique_function<void(append_status)>> held_;
};

class fake_channel : public marker_channel {
 public:
  bool write_inline = false;  // report every partition written from inside send()

  void send(marker_request marker, marker_report report) override {
    if (write_inline) {
      for (const auto& tp : marker.partitions) report(tp, marker_outcome::written);
      return;
    }
    std::lock_guard lock(mutex_);
    sent.emplace_back(std::move(marker), std::move(report));
  }
  void cancel(uint64_t marker_id) override {
    std::lock_guard lock(mutex_);
    cancelled.push_back(marker_id);
  }

  std::vector<std::pair<marker_request, marker_report>> sent;
  std::vector<uint64_t> cancelled;
  std::mutex mutex_;
};

class fake_timer : public txn_timer {
 public:
  void arm(std::optional<int64_t> deadline_ms) override { armed = deadline_ms; }
  std::optional<int64_t> armed;
};

struct fixture {
  fake_log log;
  fake_channel channel;
  fake_timer timer;
  int64_t now = 1'700'000'000'000;
  int64_t next_pid = 500;
  txn_coordinator coordinator{
      txn_config{.state_log_partitions = 2},
      log,
      channel,
      timer,
      [this] { return now; },
      txn_hooks{.allocate_producer_id = [this]() -> std::optional<int64_t> { return next_pid++; }}};

  fixture() {
    coordinator.start();
    coordinator.on_partition_elected(0, 0);
    coordinator.on_partition_elected(1, 0);
  }

  template <class Response, class Call>
  Response call(Call&& c) {
    std::promise<Response> p;
    auto f = p.get_future();
    c([&p](Response r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return f.get();
  }

  protocol::init_producer_id_response init(const std::string& id) {
    protocol::init_producer_id_request r;
    r.transactional_id = id;
    r.transaction_timeout_ms = 10'000;
    return call<protocol::init_producer_id_response>(
        [&](auto done) { coordinator.init_producer_id(r, 4, std::move(done)); });
  }
  protocol::add_partitions_to_txn_response add(const std::string& id,
                                               const protocol::init_producer_id_response& p) {
    protocol::add_partitions_to_txn_request r;
    r.v3_and_below_transactional_id = id;
    r.v3_and_below_producer_id = p.producer_id;
    r.v3_and_below_producer_epoch = p.producer_epoch;
    r.v3_and_below_topics.push_back({"a", {0, 1}, {}});
    return call<protocol::add_partitions_to_txn_response>(
        [&](auto done) { coordinator.add_partitions_to_txn(r, 3, std::move(done)); });
  }
  protocol::end_txn_response end(const std::string& id,
                                 const protocol::init_producer_id_response& p) {
    protocol::end_txn_request r;
    r.transactional_id = id;
    r.producer_id = p.producer_id;
    r.producer_epoch = p.producer_epoch;
    r.committed = true;
    return call<protocol::end_txn_response>(
        [&](auto done) { coordinator.end_txn(r, 3, std::move(done)); });
  }
  std::string state_of(const std::string& id) {
    protocol::describe_transactions_request r;
    r.transactional_ids = {id};
    auto d = call<protocol::describe_transactions_response>(
        [&](auto done) { coordinator.describe_transactions(r, 0, std::move(done)); });
    return d.transaction_states.at(0).transaction_state;
  }
};

TEST(txn_coordinator, a_transaction_end_to_end_with_inline_io) {
  fixture f;
  f.channel.write_inline = true;
  auto p = f.init("t");
  ASSERT_EQ(p.error_code, 0);
  EXPECT_EQ(p.producer_id, 500);
  EXPECT_EQ(f.add("t", p).results_by_topic_v3_and_below.at(0).results_by_partition.size(), 2u);
  EXPECT_EQ(f.end("t", p).error_code, 0);
  EXPECT_EQ(f.state_of("t"), "CompleteCommit");
  EXPECT_EQ(f.log.written[f.coordinator.partition_for("t")].size(), 4u);
}

TEST(txn_coordinator, appends_and_marker_reports_from_other_threads) {
  fixture f;
  auto p = f.init("t");
  f.add("t", p);
  f.log.complete_inline = false;
  std::promise<protocol::end_txn_response> ended;
  protocol::end_txn_request r;
  r.transactional_id = "t";
  r.producer_id = p.producer_id;
  r.producer_epoch = p.producer_epoch;
  r.committed = true;
  f.coordinator.end_txn(r, 3, [&](protocol::end_txn_response resp) { ended.set_value(resp); });
  EXPECT_EQ(f.log.held_count(), 1u);
  f.log.complete_held_on_another_thread();
  EXPECT_EQ(ended.get_future().get().error_code, 0);
  ASSERT_EQ(f.channel.sent.size(), 1u);
  auto& [marker, report] = f.channel.sent[0];
  EXPECT_EQ(marker.partitions.size(), 2u);
  std::thread([&] {
    for (const auto& tp : marker.partitions) report(tp, marker_outcome::written);
  }).join();
  EXPECT_EQ(f.log.held_count(), 1u);  // CompleteCommit
  f.log.complete_held_on_another_thread();
  EXPECT_EQ(f.state_of("t"), "CompleteCommit");
}

TEST(txn_coordinator, resigning_cancels_markers_and_reelection_resends_them) {
  fixture f;
  auto p = f.init("t");
  f.add("t", p);
  EXPECT_EQ(f.end("t", p).error_code, 0);
  ASSERT_EQ(f.channel.sent.size(), 1u);
  uint64_t first = f.channel.sent[0].first.id;
  int32_t partition = f.coordinator.partition_for("t");
  f.coordinator.on_partition_resigned(partition, 0);
  EXPECT_EQ(f.channel.cancelled, std::vector<uint64_t>{first});
  f.coordinator.on_partition_elected(partition, 1);
  ASSERT_EQ(f.channel.sent.size(), 2u);
  EXPECT_EQ(f.channel.sent[1].first.coordinator_epoch, 1);
  EXPECT_EQ(f.state_of("t"), "PrepareCommit");
  // A late report for the cancelled marker changes nothing.
  f.channel.sent[0].second({"a", 0}, marker_outcome::written);
  f.channel.sent[0].second({"a", 1}, marker_outcome::written);
  EXPECT_EQ(f.state_of("t"), "PrepareCommit");
  auto& [marker, report] = f.channel.sent[1];
  for (const auto& tp : marker.partitions) report(tp, marker_outcome::written);
  EXPECT_EQ(f.state_of("t"), "CompleteCommit");
}

TEST(txn_coordinator, the_timer_is_armed_for_the_next_sweep_and_rearmed_when_it_fires) {
  fixture f;
  ASSERT_TRUE(f.timer.armed);
  EXPECT_EQ(*f.timer.armed, f.now + 10'000);
  auto p = f.init("t");
  f.add("t", p);
  f.now += 20'000;  // past the transaction's 10 s timeout
  f.coordinator.on_timer();
  EXPECT_EQ(*f.timer.armed, f.now + 10'000);
  EXPECT_EQ(f.state_of("t"), "PrepareAbort");
  ASSERT_EQ(f.channel.sent.size(), 1u);
  EXPECT_EQ(f.channel.sent[0].first.epoch,
            producer_epoch{static_cast<int16_t>(p.producer_epoch + 1)});
  f.coordinator.stop();
  EXPECT_EQ(f.timer.armed, std::nullopt);
}

}  // namespace
}  // namespace sluice::transaction
