// txn_marker_channel: partitions grouped by leader, written in process when led here, retried on
// retriable answers, `partition_gone` for a deleted topic, `fenced` for a newer epoch; each
// partition reported exactly once.
#include "server/txn_marker_channel.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>

#include "cluster/embedded_metadata_store.h"
#include "protocol/error_code.h"

namespace sluice::server {
namespace {

using protocol::error_code;
using transaction::marker_outcome;
using transaction::topic_partition;

class marker_channel_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-markers-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cluster::embedded_options o;
    o.dir = dir_;
    o.self.id = 1;
    auto store = cluster::embedded_metadata_store::open(o);
    ASSERT_TRUE(store.ok()) << store.message();
    store_ = std::move(*store);
    cluster::new_topic t;
    t.name = "t";
    t.partitions = 2;
    ASSERT_TRUE(store_->create_topic(t, false).ok());
  }
  void TearDown() override {
    channel_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A local writer answering each partition with the next code scripted for it (NONE after).
  void start(std::map<topic_partition, std::vector<error_code>> script) {
    txn_marker_channel_options o;
    o.broker_id = 1;
    o.retry_backoff = std::chrono::milliseconds(1);
    o.write_locally = [this, script = std::make_shared<decltype(script)>(std::move(script))](
                          protocol::write_txn_markers_request request, int32_t,
                          std::function<void(protocol::write_txn_markers_response)> done) {
      protocol::write_txn_markers_response response;
      for (const auto& m : request.markers) {
        auto& out = response.markers.emplace_back();
        out.producer_id = m.producer_id;
        for (const auto& t : m.topics) {
          auto& topic = out.topics.emplace_back();
          topic.name = t.name;
          for (int32_t p : t.partition_indexes) {
            auto& codes = (*script)[{t.name, p}];
            error_code e = codes.empty() ? error_code::none : codes.front();
            if (!codes.empty()) codes.erase(codes.begin());
            topic.partitions.push_back({p, static_cast<int16_t>(e), {}});
            std::lock_guard lock(mutex_);
            ++writes_[{t.name, p}];
          }
        }
      }
      done(std::move(response));
      return true;
    };
    channel_ = std::make_unique<txn_marker_channel>(std::move(o), *store_);
    channel_->start();
  }

  void send(std::vector<topic_partition> partitions) {
    transaction::marker_request m;
    m.id = 1;
    m.pid = transaction::producer_id{7};
    m.epoch = transaction::producer_epoch{0};
    m.result = transaction::txn_result::commit;
    m.partitions = std::move(partitions);
    channel_->send(m, [this](const topic_partition& tp, marker_outcome o) {
      std::lock_guard lock(mutex_);
      reports_[tp].push_back(o);
      cv_.notify_all();
    });
  }

  bool wait_reports(size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return reports_.size() >= n; });
  }

  std::filesystem::path dir_;
  std::unique_ptr<cluster::embedded_metadata_store> store_;
  std::unique_ptr<txn_marker_channel> channel_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<topic_partition, std::vector<marker_outcome>> reports_;
  std::map<topic_partition, int> writes_;
};

TEST_F(marker_channel_test, writes_locally_and_retries_retriable_answers) {
  start({{{"t", 1}, {error_code::not_leader_or_follower, error_code::not_enough_replicas}}});
  send({{"t", 0}, {"t", 1}, {"gone", 0}});
  ASSERT_TRUE(wait_reports(3));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(reports_[(topic_partition{"t", 0})], std::vector{marker_outcome::written});
  EXPECT_EQ(reports_[(topic_partition{"t", 1})], std::vector{marker_outcome::written});
  EXPECT_EQ(reports_[(topic_partition{"gone", 0})], std::vector{marker_outcome::partition_gone});
  EXPECT_EQ((writes_[{"t", 0}]), 1);
  EXPECT_EQ((writes_[{"t", 1}]), 3);  // two retriable refusals, then written
  EXPECT_EQ((writes_[{"gone", 0}]), 0);
}

TEST_F(marker_channel_test, a_newer_epoch_fences_the_marker) {
  start({{{"t", 0}, {error_code::invalid_producer_epoch}}});
  send({{"t", 0}});
  ASSERT_TRUE(wait_reports(1));
  std::lock_guard lock(mutex_);
  EXPECT_EQ(reports_[(topic_partition{"t", 0})], std::vector{marker_outcome::fenced});
}

TEST_F(marker_channel_test, a_cancelled_marker_stops_being_retried) {
  std::vector<error_code> forever(1000, error_code::not_enough_replicas);
  start({{{"t", 0}, forever}});
  send({{"t", 0}});
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard lock(mutex_);
      if ((writes_[{"t", 0}]) >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  channel_->cancel(1);
  int seen = 0;
  {
    std::lock_guard lock(mutex_);
    seen = writes_[{"t", 0}];
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::lock_guard lock(mutex_);
  EXPECT_LE((writes_[{"t", 0}]), seen + 1);  // at most the attempt in flight
  EXPECT_TRUE(reports_.empty());
}

}  // namespace
}  // namespace sluice::server
