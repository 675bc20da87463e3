// Randomised fail-over, by seed: three replicas, a controller model that elects leaders from the
// ISR and checks AlterPartition the way ZooKeeper-mode Kafka does (leader epoch and partition
// epoch must match), followers cut off and reconnected at random, deposed leaders restarted, ISR
// checks after lag, and acks=-1 produces with min.insync.replicas=2 throughout. Whatever happens,
// every acknowledged record survives in order, and once everyone can reach the leader the three
// logs are identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "cluster_fixture.h"

namespace sluice::replication::test {
namespace {

struct controller_model {
  std::mutex mu;
  int32_t leader = 1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> isr{1, 2, 3};

  isr_change_result alter(const isr_change& c) {
    std::lock_guard lock(mu);
    isr_change_result r;
    r.leader = leader;
    r.leader_epoch = leader_epoch;
    r.isr = isr;
    r.partition_epoch = partition_epoch;
    if (c.leader_epoch != leader_epoch) {
      r.error = errc::fenced_leader_epoch;
      return r;
    }
    if (c.partition_epoch != partition_epoch) {
      r.error = errc::unknown;  // INVALID_UPDATE_VERSION
      return r;
    }
    isr = c.new_isr;
    ++partition_epoch;
    r.isr = isr;
    r.partition_epoch = partition_epoch;
    return r;
  }
};

void run_seed(uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  controller_model model;  // outlives the cluster, whose fetchers call it
  test_cluster c(3);
  const std::vector<int32_t> replicas{1, 2, 3};
  c.create_topic("t", 1, replicas, {{"min.insync.replicas", "2"}});
  c.controller = [&](const isr_change& change) { return model.alter(change); };

  auto announce = [&] {
    int32_t leader, epoch, pepoch;
    std::vector<int32_t> isr;
    {
      std::lock_guard lock(model.mu);
      leader = model.leader;
      epoch = model.leader_epoch;
      pepoch = model.partition_epoch;
      isr = model.isr;
    }
    c.elect("t", 0, leader, epoch, isr, replicas, replicas, pepoch);
  };
  announce();

  std::vector<std::string> acknowledged;
  int next_value = 0;
  for (int step = 0; step < 40; ++step) {
    int action = static_cast<int>(rng() % 10);
    if (action < 5) {
      int32_t leader;
      {
        std::lock_guard lock(model.mu);
        leader = model.leader;
      }
      std::vector<std::string> values;
      for (int i = 0; i < 3; ++i) values.push_back("v" + std::to_string(next_value++));
      auto r = c.produce(leader, "t", 0, values, -1, 300);
      if (!r.error) acknowledged.insert(acknowledged.end(), values.begin(), values.end());
    } else if (action < 7) {
      int32_t who = static_cast<int32_t>(rng() % 3) + 1;
      c.at(who).gate->store(!c.at(who).gate->load());
    } else if (action < 9) {
      // Clean election: the old leader leaves the ISR, the next ISR member leads. Half the time
      // the old leader also restarts (a crash with its log intact) and rejoins as a follower.
      bool restart = action == 8;
      int32_t old_leader = -1;
      bool elected = false;
      {
        std::lock_guard lock(model.mu);
        std::vector<int32_t> rest;
        for (int32_t r : model.isr)
          if (r != model.leader) rest.push_back(r);
        if (!rest.empty()) {
          old_leader = model.leader;
          model.leader = rest[rng() % rest.size()];
          model.isr = rest;
          ++model.leader_epoch;
          ++model.partition_epoch;
          elected = true;
        }
      }
      if (elected) announce();
      if (elected && restart) {
        c.restart(old_leader);
        announce();
      }
    } else {
      c.now_ms += test_cluster::lag_ms + 1;
      std::this_thread::sleep_for(120ms);  // reachable followers fetch at the new time
      int32_t leader;
      {
        std::lock_guard lock(model.mu);
        leader = model.leader;
      }
      c.rm(leader).check_isr();
    }
  }

  // Heal: everyone reaches the leader; logs converge.
  for (int32_t id : replicas) c.at(id).gate->store(true);
  int32_t leader;
  {
    std::lock_guard lock(model.mu);
    leader = model.leader;
  }
  auto leader_values = [&] { return c.values(leader, "t", 0); };
  ASSERT_TRUE(c.eventually(
      [&] {
        auto expected = leader_values();
        for (int32_t id : replicas)
          if (c.values(id, "t", 0) != expected) return false;
        return true;
      },
      10s))
      << "replicas did not converge: " << [&] {
           std::string out;
           for (int32_t id : replicas) {
             auto v = c.view(id, "t", 0);
             out += "broker " + std::to_string(id) + (v.leader ? " leader" : " follower") +
                    " epoch " + std::to_string(v.leader_epoch) + " leo " +
                    std::to_string(v.log_end_offset) + " hw " + std::to_string(v.high_watermark) +
                    " values " + std::to_string(c.values(id, "t", 0).size()) + "; ";
           }
           return out;
         }();

  // Every acknowledged record is there, in order, once.
  auto log = leader_values();
  size_t at = 0;
  for (const auto& v : acknowledged) {
    auto it = std::find(log.begin() + static_cast<ptrdiff_t>(at), log.end(), v);
    ASSERT_NE(it, log.end()) << "acknowledged " << v << " lost";
    at = static_cast<size_t>(it - log.begin()) + 1;
  }
  for (const auto& v : log) EXPECT_EQ(std::count(log.begin(), log.end(), v), 1) << v;
}

// SLUICE_FAILOVER_SEEDS=n runs seeds 1..n instead of 1..3.
TEST(failover, acknowledged_records_survive_random_elections_and_partitions) {
  uint32_t seeds = 3;
  if (const char* n = std::getenv("SLUICE_FAILOVER_SEEDS"))
    seeds = static_cast<uint32_t>(std::atoi(n));
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    run_seed(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace sluice::replication::test
