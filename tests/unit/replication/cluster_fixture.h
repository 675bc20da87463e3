// A cluster of replica_managers in one process for the replication tests: each broker has its
// own temp log dir and log_manager; fetchers reach leaders through local_fetch_transport behind a
// gate the test can close (a partitioned or dead follower); a fake clock drives follower lag; a
// scripted "controller" records every ISR change and (unless told otherwise) accepts it.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../storage/test_util.h"
#include "protocol/batch_header.h"
#include "replication/fetch_transport.h"
#include "replication/replica_manager.h"
#include "storage/log_manager.h"

namespace sluice::replication::test {

using namespace std::chrono_literals;
using storage::test::temp_dir;

// Just enough of a metadata store: topics with configs, set by the test.
class fake_metadata final : public cluster::metadata_store {
 public:
  void set_topic(cluster::topic_metadata t) {
    std::lock_guard lock(mu_);
    topics_[t.name] = std::move(t);
  }
  void remove_topic(const std::string& name) {
    std::lock_guard lock(mu_);
    topics_.erase(name);
  }
  cluster::result<void> register_broker(const cluster::broker_info&) override { return ok_v; }
  std::string cluster_id() const override { return "test-cluster"; }
  int32_t controller_id() const override { return 1; }
  std::vector<cluster::broker_info> brokers() const override { return {}; }
  std::vector<cluster::topic_metadata> topics() const override {
    std::lock_guard lock(mu_);
    std::vector<cluster::topic_metadata> out;
    for (const auto& [name, t] : topics_) out.push_back(t);
    return out;
  }
  std::optional<cluster::topic_metadata> topic(const std::string& name) const override {
    std::lock_guard lock(mu_);
    auto it = topics_.find(name);
    if (it == topics_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<cluster::topic_metadata> topic_by_id(const protocol::uuid&) const override {
    return std::nullopt;
  }
  cluster::result<cluster::topic_metadata> create_topic(const cluster::new_topic&, bool) override {
    return cluster::errc::invalid_topic;
  }
  cluster::result<void> delete_topic(const std::string&) override {
    return cluster::errc::unknown_topic;
  }
  cluster::result<void> create_partitions(const std::string&, int32_t,
                                          const std::vector<std::vector<int32_t>>&, bool) override {
    return cluster::errc::unknown_topic;
  }
  cluster::result<void> update_topic_configs(const std::string&, const config_edit&) override {
    return cluster::errc::unknown_topic;
  }
  cluster::config_map broker_configs(std::optional<int32_t>) const override { return {}; }
  cluster::result<void> update_broker_configs(std::optional<int32_t>, const config_edit&) override {
    return cluster::errc::unavailable;
  }
  cluster::result<cluster::producer_id_block> allocate_producer_ids(int32_t) override {
    return cluster::errc::unavailable;
  }
  void watch(watcher) override {}

 private:
  mutable std::mutex mu_;
  std::map<std::string, cluster::topic_metadata> topics_;
};

// Forwards to a local transport while the gate is open; fails every call while it is closed.
class gated_transport final : public fetch_transport {
 public:
  gated_transport(std::unique_ptr<fetch_transport> inner, std::shared_ptr<std::atomic<bool>> open)
      : inner_(std::move(inner)), open_(std::move(open)) {}
  result<fetch_reply> fetch(const fetch_request_params& r) override {
    if (!open_->load()) return fail(errc::request_timed_out, "gate closed");
    return inner_->fetch(r);
  }
  result<std::vector<epoch_answer>> end_offsets_for_epochs(
      int32_t id, const std::vector<epoch_query>& q) override {
    if (!open_->load()) return fail(errc::request_timed_out, "gate closed");
    return inner_->end_offsets_for_epochs(id, q);
  }
  void close() override { inner_->close(); }

 private:
  std::unique_ptr<fetch_transport> inner_;
  std::shared_ptr<std::atomic<bool>> open_;
};

inline std::vector<uint8_t> batch_of(const std::vector<std::string>& values) {
  std::vector<storage::test::kv> records;
  for (const auto& v : values) records.push_back({std::nullopt, v});
  return storage::test::make_batch(records, 1'700'000'000'000);
}

struct produce_result {
  std::optional<errc> error;
  int64_t base_offset = -1;
};

class test_cluster {
 public:
  static constexpr int64_t lag_ms = 10'000;

  struct broker {
    int32_t id;
    temp_dir dir;
    std::unique_ptr<storage::log_manager> logs;
    std::unique_ptr<replica_manager> rm;
    std::shared_ptr<std::atomic<bool>> gate = std::make_shared<std::atomic<bool>>(true);
  };

  explicit test_cluster(int brokers) {
    for (int i = 1; i <= brokers; ++i) start(i);
  }
  ~test_cluster() {
    for (auto& [id, b] : brokers_) b->rm->shutdown();
    for (auto& [id, b] : brokers_) b->rm.reset();
  }

  // Stops a broker (cleanly) and starts it again over the same log dir.
  void restart(int32_t id) {
    auto b = std::move(brokers_.at(id));
    b->rm->shutdown();
    b->rm.reset();
    (void)b->logs->shutdown();
    b->logs.reset();
    start(id, std::move(b));
  }

  void start(int32_t id, std::unique_ptr<broker> reuse = nullptr) {
    auto b = reuse ? std::move(reuse) : std::make_unique<broker>();
    b->id = id;
    storage::log_manager_options lo;
    lo.log_dirs = {b->dir.path};
    lo.broker_id = id;
    auto logs = storage::log_manager::open(std::move(lo));
    EXPECT_TRUE(logs.ok()) << (logs ? "" : logs.message());
    b->logs = std::move(*logs);
    b->rm = std::make_unique<replica_manager>(options_for(id, b->gate), *b->logs, metadata);
    brokers_[id] = std::move(b);
  }

  replica_manager::options options_for(int32_t id, std::shared_ptr<std::atomic<bool>> gate) {
    replica_manager::options o;
    o.broker_id = id;
    o.controller_managed = true;
    o.background_tasks = false;
    o.replica_lag_time_max_ms = lag_ms;
    o.replica_fetch_wait_max_ms = 50;
    o.replica_fetch_backoff_ms = 20;
    o.clock = [this] { return now_ms.load(); };
    o.make_log_config = [](const sluice::cluster::config_map&)
        -> replication::result<std::shared_ptr<const storage::log_config>> {
      return std::make_shared<const storage::log_config>();
    };
    o.send_isr_change = [this](isr_change change, std::function<void(isr_change_result)> done) {
      isr_change_result r;
      {
        std::lock_guard lock(mu_);
        isr_changes.push_back(change);
        if (controller) {
          r = controller(change);
        } else if (refuse_isr_changes) {
          r.error = errc::fenced_leader_epoch;
        } else {
          r.leader_epoch = change.leader_epoch;
          r.isr = change.new_isr;
          r.partition_epoch = change.partition_epoch + 1;
        }
      }
      done(r);
    };
    o.make_fetch_transport = [this, gate](int32_t leader, int32_t) {
      return std::make_unique<gated_transport>(make_local_fetch_transport(rm(leader)), gate);
    };
    return o;
  }

  replica_manager& rm(int32_t id) { return *brokers_.at(id)->rm; }
  broker& at(int32_t id) { return *brokers_.at(id); }

  void create_topic(const std::string& name, int32_t partitions, std::vector<int32_t> replicas,
                    sluice::cluster::config_map configs = {}) {
    sluice::cluster::topic_metadata t;
    t.name = name;
    t.configs = std::move(configs);
    for (int32_t p = 0; p < partitions; ++p) {
      sluice::cluster::partition_state s;
      s.partition = p;
      s.replicas = replicas;
      t.partitions.push_back(s);
    }
    metadata.set_topic(std::move(t));
  }

  // The controller's LeaderAndIsr for one partition, sent to `targets`.
  std::vector<partition_outcome> elect(const std::string& topic, int32_t partition, int32_t leader,
                                       int32_t leader_epoch, std::vector<int32_t> isr,
                                       std::vector<int32_t> replicas, std::vector<int32_t> targets,
                                       int32_t partition_epoch = -1) {
    std::vector<partition_outcome> out;
    for (int32_t target : targets) {
      partition_role role;
      role.topic = topic;
      role.partition = partition;
      role.controller_epoch = controller_epoch;
      role.leader = leader;
      role.leader_epoch = leader_epoch;
      role.isr = isr;
      role.replicas = replicas;
      role.partition_epoch = partition_epoch < 0 ? leader_epoch : partition_epoch;
      auto r = rm(target).apply_leader_and_isr(1, controller_epoch, {role});
      out.insert(out.end(), r.begin(), r.end());
    }
    return out;
  }

  produce_result produce(int32_t id, const std::string& topic, int32_t partition,
                         std::vector<std::string> values, int16_t acks = 1,
                         int32_t timeout_ms = 5000) {
    auto fut = produce_async(id, topic, partition, std::move(values), acks, timeout_ms);
    return fut.get();
  }

  std::future<produce_result> produce_async(int32_t id, const std::string& topic, int32_t partition,
                                            std::vector<std::string> values, int16_t acks,
                                            int32_t timeout_ms) {
    auto batch = std::make_shared<std::vector<uint8_t>>(batch_of(values));
    auto promise = std::make_shared<std::promise<produce_result>>();
    auto fut = promise->get_future();
    std::vector<append_entry> entries{{topic, partition, std::span<uint8_t>(*batch)}};
    rm(id).append(acks, timeout_ms, std::move(entries),
                  [batch, promise](std::vector<append_outcome> outcomes) {
                    promise->set_value({outcomes.at(0).error, outcomes.at(0).base_offset});
                  });
    return fut;
  }

  partition_view view(int32_t id, const std::string& topic, int32_t partition) {
    auto v = rm(id).describe(topic, partition);
    EXPECT_TRUE(v.has_value());
    return v.value_or(partition_view{});
  }

  // Every record value in the broker's log (leader reads past the HW: read the files directly).
  std::vector<std::string> values(int32_t id, const std::string& topic, int32_t partition) {
    auto log = at(id).logs->get(storage::topic_partition{topic, partition});
    if (!log) return {};
    // A read racing with a follower's truncation may fail: report it as a value no log holds.
    std::vector<std::string> out;
    int64_t next = log->log_start_offset();
    std::vector<uint8_t> scratch;
    for (int guard = 0; guard < 100000; ++guard) {
      auto r = log->read(next, 1 << 20, INT64_MAX, true);
      if (!r) return {"<unreadable: " + r.message() + ">"};
      if (r->region.size == 0) break;
      auto bytes = storage::test::region_bytes(r->region);
      std::span<const uint8_t> rest(bytes);
      while (!rest.empty()) {
        auto h = protocol::batch_header::parse(rest);
        if (!h || h->total_size() > static_cast<int64_t>(rest.size())) return {"<torn batch>"};
        auto one = rest.first(static_cast<size_t>(h->total_size()));
        auto view = protocol::record_batch_view::open(one, scratch);
        if (!view) return {"<bad batch>"};
        (void)view->for_each([&](const protocol::record_view& rv) {
          if (rv.offset(*h) < next) return;
          out.push_back(rv.value ? std::string(rv.value->begin(), rv.value->end()) : "");
        });
        next = std::max(next, h->last_offset() + 1);
        rest = rest.subspan(one.size());
      }
    }
    return out;
  }

  // Polls until `pred` holds. The bound is generous on purpose: it only matters when a test is
  // failing, and a sanitized build on a loaded 2-core CI machine can be many times slower.
  template <class Pred>
  static bool eventually(Pred pred, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  std::vector<isr_change> isr_changes_seen() {
    std::lock_guard lock(mu_);
    return isr_changes;
  }
  void set_refuse_isr_changes(bool refuse) {
    std::lock_guard lock(mu_);
    refuse_isr_changes = refuse;
  }

  fake_metadata metadata;
  // When set, answers every ISR change in place of the accept-everything default (called under
  // the fixture's lock).
  std::function<isr_change_result(const isr_change&)> controller;
  std::atomic<int64_t> now_ms{1'000'000};
  int32_t controller_epoch = 1;

 private:
  std::mutex mu_;
  std::vector<isr_change> isr_changes;
  bool refuse_isr_changes = false;
  std::map<int32_t, std::unique_ptr<broker>> brokers_;
};

}  // namespace sluice::replication::test
