// controller_state driven by seeded random event sequences against a small model of replicating
// brokers: leaders append records and advance the high watermark over their ISR, followers fetch
// (truncating to the common prefix first, as KIP-101/279 truncation does), leaders shrink and
// expand the ISR with AlterPartition, brokers crash, lose their ZooKeeper session later, restart
// and shut down cleanly, the controller fails over to a fresh instance, and controller requests
// are delayed, dropped (when a broker dies or at random) and interleaved across brokers and
// controller generations.
//
// Checked after every step: leader in ISR or -1, ISR within the replicas; leader epochs never go
// back; a new leader comes from the previous ISR (unclean election off); every record acknowledged
// (below a leader's high watermark) is in the log of every ISR member. At the end, with every
// broker back, every partition has a leader again and a full ISR.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <sstream>

#include "cluster/controller_state.h"
#include "cluster/replica_assignment.h"
#include "controller_test_support.h"

namespace sluice::cluster {
namespace {

using testing::fake_state_znodes;

constexpr int32_t broker_count = 4;
constexpr uint32_t seeds = 200;
constexpr int32_t partition_count = 3;
const std::string topic_name = "t";

struct replica_model {
  std::vector<int32_t>
      log;  // each record is identified by its offset and the epoch it was written in
  int32_t known_leader_epoch = -1;
  int32_t known_partition_epoch = -1;
  int32_t leader = -1;  // whom it follows (or itself)
  bool leading = false;
  // Leader-only:
  std::vector<int32_t> isr;
  int32_t partition_epoch = 0;
  std::map<int32_t, int64_t> follower_end;  // followers' log end offsets, learnt from fetches
  int64_t high_watermark = 0;
  int64_t epoch_start = 0;
};

struct broker_model {
  bool alive = true;
  bool registered = true;
  int64_t registration = 0;
  std::map<int32_t, replica_model> replicas;
  std::deque<broker_request_body> inbox;
};

class world {
 public:
  explicit world(uint32_t seed) : rng_(seed) {
    for (int32_t b = 1; b <= broker_count; ++b) brokers_[b].registration = next_registration_++;
    assignment_request request;
    request.partitions = partition_count;
    request.replication_factor = 3;
    request.start_index = static_cast<int32_t>(seed % broker_count);
    request.start_partition_shift = static_cast<int32_t>((seed / 7) % broker_count);
    std::vector<assignable_broker> all;
    for (int32_t b = 1; b <= broker_count; ++b) all.push_back({b, std::nullopt});
    auto assigned = assign_replicas(all, request);
    EXPECT_TRUE(assigned.ok());
    for (int32_t p = 0; p < partition_count; ++p) assignment_[p] = (*assigned)[p];
    zk_.on_write = [this](const fake_state_znodes::key& k, const stored_partition_state* previous,
                          const zk_layout::leader_and_isr& next) {
      check_write(k, previous, next);
    };
    fail_over();
  }

  void step() {
    const int choice = pick(100);
    if (choice < 22) {
      produce();
    } else if (choice < 50) {
      fetch();
    } else if (choice < 70) {
      deliver();
    } else if (choice < 75) {
      shrink_isr();
    } else if (choice < 82) {
      expand_isr();
    } else if (choice < 85) {
      crash();
    } else if (choice < 89) {
      expire_session();
    } else if (choice < 93) {
      restart();
    } else if (choice < 95) {
      controlled_shutdown();
    } else if (choice < 96) {
      fail_over();
    } else if (choice < 97) {
      feed(controller_->rebalance_leaders());
    } else if (choice < 98) {
      drop_a_request();
    } else {
      protocol::elect_leaders_request all;
      all.topic_partitions.reset();
      feed(controller_->elect_leaders(++reply_id_, all));
    }
    check_state();
  }

  // Everyone back, a fresh controller, every request delivered, followers catch up.
  void heal() {
    for (auto& [id, b] : brokers_) {
      if (!b.alive && b.registered) {
        b.registered = false;
      }
    }
    feed(controller_->brokers_changed(registered_brokers()));
    for (auto& [id, b] : brokers_) {
      if (!b.registered) start_broker(id);
    }
    fail_over();
    for (int round = 0; round < 40; ++round) {
      for (auto& [id, b] : brokers_) deliver_all(id);
      for (auto& [id, b] : brokers_) {
        for (int32_t p = 0; p < partition_count; ++p) fetch_from_leader(id, p);
      }
      for (int32_t p = 0; p < partition_count; ++p) {
        for (auto& [id, b] : brokers_) expand_isr_of(id, p);
      }
      check_state();
    }
    for (int32_t p = 0; p < partition_count; ++p) {
      const auto& s = zk_.state(topic_name, p);
      ASSERT_NE(s.leader, -1) << trace_;
      EXPECT_TRUE(brokers_[s.leader].replicas[p].leading) << "partition " << p << trace_;
      std::ostringstream detail;
      for (int32_t m : assignment_[p]) {
        const auto& r = brokers_[m].replicas[p];
        detail << " [" << m << " alive=" << brokers_[m].alive << " leading=" << r.leading
               << " follows=" << r.leader << " epoch=" << r.known_leader_epoch
               << " log=" << r.log.size() << " hw=" << r.high_watermark
               << " start=" << r.epoch_start << "]";
      }
      EXPECT_EQ(s.isr.size(), 3u) << "partition " << p << " leader " << s.leader << " epoch "
                                  << s.leader_epoch << detail.str() << trace_;
    }
  }

  int64_t committed_records() const {
    int64_t n = 0;
    for (const auto& [p, c] : committed_) n += static_cast<int64_t>(c.size());
    return n;
  }
  int controller_generations() const { return controller_epoch_; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  int32_t any_broker() { return 1 + pick(broker_count); }
  int32_t any_partition() { return pick(partition_count); }
  void note(const std::string& what) {
    trace_ += "\n  " + what;
    if (trace_.size() > 20000) trace_.erase(0, trace_.size() - 20000);
  }

  std::vector<live_broker> registered_brokers() const {
    std::vector<live_broker> out;
    for (const auto& [id, b] : brokers_) {
      if (b.registered) out.push_back({testing::broker_named(id), b.registration});
    }
    return out;
  }

  // ---- the controller side ----------------------------------------------------------------------

  void feed(controller_actions actions) {
    controller_actions done = zk_.drive(*controller_, std::move(actions));
    for (auto& r : done.requests) {
      auto& b = brokers_[r.broker];
      if (b.alive) b.inbox.push_back(std::move(r.body));  // a dead broker's channel is gone
    }
    for (auto& [id, reply] : done.alter_partition_replies) last_alter_reply_ = std::move(reply);
  }

  void fail_over() {
    ++controller_epoch_;
    note("controller fail-over to epoch " + std::to_string(controller_epoch_));
    controller_state_options options;
    options.broker_id = 1;
    controller_ = std::make_unique<controller_state>(options);
    if (pick(2) == 0) {
      for (auto& [id, b] : brokers_) b.inbox.clear();  // the old controller's channel died first
    }
    loaded_topic t;
    t.name = topic_name;
    t.id = testing::uuid_of(1);
    t.assignment = assignment_;
    for (const auto& [k, node] : zk_.nodes) t.states[k.second] = node;
    feed(controller_->became_controller(controller_epoch_, registered_brokers(), {t}, {}));
  }

  void check_write(const fake_state_znodes::key& k, const stored_partition_state* previous,
                   const zk_layout::leader_and_isr& next) {
    if (previous == nullptr) return;
    const auto& prev = previous->state;
    EXPECT_GE(next.leader_epoch, prev.leader_epoch) << "partition " << k.second << trace_;
    if (next.leader != prev.leader) {
      EXPECT_GT(next.leader_epoch, prev.leader_epoch) << trace_;
      if (next.leader != -1) {
        EXPECT_TRUE(std::find(prev.isr.begin(), prev.isr.end(), next.leader) != prev.isr.end())
            << "unclean election of " << next.leader << " for partition " << k.second << trace_;
      }
    }
  }

  // ---- the broker side
  // ------------------------------------------------------------------------------

  void deliver_one(int32_t id) {
    auto& b = brokers_[id];
    if (!b.alive || b.inbox.empty()) return;
    broker_request_body body = std::move(b.inbox.front());
    b.inbox.pop_front();
    if (auto* lai = std::get_if<protocol::leader_and_isr_request>(&body)) {
      for (const auto& ts : lai->topic_states) {
        for (const auto& ps : ts.partition_states) apply_role(id, ps);
      }
    } else if (auto* stop = std::get_if<protocol::stop_replica_request>(&body)) {
      for (const auto& ts : stop->topic_states) {
        for (const auto& ps : ts.partition_states) {
          auto& r = b.replicas[ps.partition_index];
          if (ps.leader_epoch >= 0 && ps.leader_epoch < r.known_leader_epoch) continue;
          r.leading = false;
          r.leader = -1;
        }
      }
    }
  }

  void deliver_all(int32_t id) {
    while (brokers_[id].alive && !brokers_[id].inbox.empty()) deliver_one(id);
  }

  void apply_role(int32_t id,
                  const protocol::leader_and_isr_request::leader_and_isr_partition_state& ps) {
    auto& r = brokers_[id].replicas[ps.partition_index];
    const bool newer_epoch = ps.leader_epoch > r.known_leader_epoch;
    const bool newer_state =
        ps.leader_epoch == r.known_leader_epoch && ps.partition_epoch > r.known_partition_epoch;
    if (!newer_epoch && !newer_state) return;
    r.known_leader_epoch = ps.leader_epoch;
    r.known_partition_epoch = ps.partition_epoch;
    if (ps.leader == id) {
      if (newer_epoch || !r.leading) {
        r.follower_end.clear();
        r.epoch_start = static_cast<int64_t>(r.log.size());
        r.high_watermark = 0;
      }
      r.leading = true;
      r.leader = id;
      r.isr = ps.isr;
      r.partition_epoch = ps.partition_epoch;
      note("broker " + std::to_string(id) + " leads " + std::to_string(ps.partition_index) +
           " epoch " + std::to_string(ps.leader_epoch));
    } else {
      r.leading = false;
      r.leader = ps.leader;
    }
  }

  void advance_high_watermark(int32_t leader, int32_t p) {
    auto& r = brokers_[leader].replicas[p];
    int64_t hw = static_cast<int64_t>(r.log.size());
    for (int32_t member : r.isr) {
      if (member == leader) continue;
      auto it = r.follower_end.find(member);
      hw = std::min(hw, it == r.follower_end.end() ? int64_t{0} : it->second);
    }
    if (hw <= r.high_watermark) return;
    r.high_watermark = hw;
    // Everything below the high watermark is acknowledged: it must agree with what was before.
    auto& committed = committed_[p];
    const size_t common = std::min(committed.size(), static_cast<size_t>(hw));
    for (size_t i = 0; i < common; ++i) {
      ASSERT_EQ(r.log[i], committed[i]) << "leader " << leader << " acknowledges a divergent log, "
                                        << "partition " << p << " offset " << i << trace_;
    }
    if (static_cast<size_t>(hw) > committed.size())
      committed.assign(r.log.begin(), r.log.begin() + hw);
  }

  void produce() {
    const int32_t p = any_partition();
    std::vector<int32_t> leaders;
    for (auto& [id, b] : brokers_) {
      if (b.alive && b.replicas[p].leading) leaders.push_back(id);
    }
    if (leaders.empty()) return;
    const int32_t leader = leaders[static_cast<size_t>(pick(static_cast<int>(leaders.size())))];
    auto& r = brokers_[leader].replicas[p];
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) r.log.push_back(r.known_leader_epoch);
    advance_high_watermark(leader, p);
  }

  void fetch_from_leader(int32_t follower, int32_t p) {
    auto& f = brokers_[follower];
    if (!f.alive) return;
    auto& fr = f.replicas[p];
    if (fr.leading || fr.leader < 0) return;
    auto& l = brokers_[fr.leader];
    auto& lr = l.replicas[p];
    if (!l.alive || !lr.leading || lr.known_leader_epoch != fr.known_leader_epoch) return;
    size_t common = 0;
    while (common < fr.log.size() && common < lr.log.size() && fr.log[common] == lr.log[common])
      ++common;
    fr.log.resize(common);
    lr.follower_end[follower] = static_cast<int64_t>(common);
    const size_t copy = std::min(lr.log.size() - common, static_cast<size_t>(1 + pick(4)));
    fr.log.insert(fr.log.end(), lr.log.begin() + static_cast<long>(common),
                  lr.log.begin() + static_cast<long>(common + copy));
    advance_high_watermark(fr.leader, p);
  }

  void fetch() { fetch_from_leader(any_broker(), any_partition()); }

  void deliver() {
    const int32_t id = any_broker();
    const int n = 1 + pick(3);
    for (int i = 0; i < n; ++i) deliver_one(id);
  }

  void drop_a_request() {
    auto& b = brokers_[any_broker()];
    if (!b.inbox.empty()) b.inbox.pop_front();
  }

  bool alter_isr(int32_t leader, int32_t p, std::vector<int32_t> isr) {
    auto& r = brokers_[leader].replicas[p];
    protocol::alter_partition_request request;
    request.broker_id = leader;
    request.broker_epoch = brokers_[leader].registration;
    auto& t = request.topics.emplace_back();
    t.topic_name = topic_name;
    auto& pd = t.partitions.emplace_back();
    pd.partition_index = p;
    pd.leader_epoch = r.known_leader_epoch;
    pd.partition_epoch = r.partition_epoch;
    pd.new_isr = isr;
    last_alter_reply_.reset();
    feed(controller_->alter_partition(++reply_id_, request, 1));
    if (!last_alter_reply_ || last_alter_reply_->error_code != 0) return false;
    const auto& answer = last_alter_reply_->topics.at(0).partitions.at(0);
    if (answer.error_code != 0) return false;
    r.isr = answer.isr;
    r.partition_epoch = answer.partition_epoch;
    note("broker " + std::to_string(leader) + " ISR of " + std::to_string(p) + " now " +
         std::to_string(isr.size()) + " members");
    return true;
  }

  void shrink_isr() {
    const int32_t leader = any_broker();
    const int32_t p = any_partition();
    auto& b = brokers_[leader];
    auto& r = b.replicas[p];
    if (!b.alive || !r.leading || r.isr.size() < 2) return;
    std::vector<int32_t> others;
    for (int32_t m : r.isr) {
      if (m != leader) others.push_back(m);
    }
    const int32_t out = others[static_cast<size_t>(pick(static_cast<int>(others.size())))];
    std::vector<int32_t> next = r.isr;
    std::erase(next, out);
    if (alter_isr(leader, p, next)) advance_high_watermark(leader, p);
  }

  void expand_isr_of(int32_t leader, int32_t p) {
    auto& b = brokers_[leader];
    auto& r = b.replicas[p];
    if (!b.alive || !r.leading) return;
    for (int32_t candidate : assignment_[p]) {
      if (std::find(r.isr.begin(), r.isr.end(), candidate) != r.isr.end()) continue;
      auto it = r.follower_end.find(candidate);
      // Kafka's rule: caught up to the high watermark and to the start of the leader's epoch.
      if (it == r.follower_end.end() || it->second < r.high_watermark || it->second < r.epoch_start)
        continue;
      std::vector<int32_t> next = r.isr;
      next.push_back(candidate);
      alter_isr(leader, p, next);
      return;
    }
  }

  void expand_isr() { expand_isr_of(any_broker(), any_partition()); }

  void crash() {
    const int32_t id = any_broker();
    auto& b = brokers_[id];
    if (!b.alive) return;
    note("broker " + std::to_string(id) + " crashes");
    b.alive = false;
    b.inbox.clear();
  }

  void expire_session() {
    const int32_t id = any_broker();
    auto& b = brokers_[id];
    if (b.alive || !b.registered) return;
    note("broker " + std::to_string(id) + " session expires");
    b.registered = false;
    feed(controller_->brokers_changed(registered_brokers()));
  }

  void start_broker(int32_t id) {
    auto& b = brokers_[id];
    b.alive = true;
    b.registered = true;
    b.registration = next_registration_++;
    for (auto& [p, r] : b.replicas) {  // the log survives; the in-memory role does not
      std::vector<int32_t> log = std::move(r.log);
      r = replica_model{};
      r.log = std::move(log);
    }
    note("broker " + std::to_string(id) + " starts");
    feed(controller_->brokers_changed(registered_brokers()));
  }

  void restart() {
    const int32_t id = any_broker();
    if (brokers_[id].alive || brokers_[id].registered) return;
    start_broker(id);
  }

  void controlled_shutdown() {
    const int32_t id = any_broker();
    auto& b = brokers_[id];
    if (!b.alive || !b.registered) return;
    note("broker " + std::to_string(id) + " shuts down");
    protocol::controlled_shutdown_request request;
    request.broker_id = id;
    request.broker_epoch = b.registration;
    feed(controller_->controlled_shutdown(++reply_id_, request));
    if (pick(2) == 0) deliver_all(id);
    // The broker stops either way: cleanly (its registration goes at once) or as if it hung
    // (the registration goes when its session expires).
    b.alive = false;
    b.inbox.clear();
    if (pick(3) != 0) {
      b.registered = false;
      feed(controller_->brokers_changed(registered_brokers()));
    }
  }

  // ---- invariants
  // ---------------------------------------------------------------------------------

  void check_state() {
    for (int32_t p = 0; p < partition_count; ++p) {
      auto it = zk_.nodes.find({topic_name, p});
      if (it == zk_.nodes.end()) continue;
      const auto& s = it->second.state;
      const auto& replicas = assignment_[p];
      ASSERT_FALSE(s.isr.empty()) << trace_;
      ASSERT_TRUE(s.leader == -1 || std::find(s.isr.begin(), s.isr.end(), s.leader) != s.isr.end())
          << "leader " << s.leader << " not in ISR, partition " << p << trace_;
      for (int32_t m : s.isr) {
        ASSERT_TRUE(std::find(replicas.begin(), replicas.end(), m) != replicas.end()) << trace_;
        const auto& log = brokers_[m].replicas[p].log;
        const auto& committed = committed_[p];
        ASSERT_GE(log.size(), committed.size()) << "ISR member " << m << " of partition " << p
                                                << " lacks acknowledged records" << trace_;
        for (size_t i = 0; i < committed.size(); ++i) {
          ASSERT_EQ(log[i], committed[i]) << "ISR member " << m << " of partition " << p
                                          << " diverges at acknowledged offset " << i << trace_;
        }
      }
    }
  }

  std::mt19937 rng_;
  std::map<int32_t, broker_model> brokers_;
  std::map<int32_t, std::vector<int32_t>> assignment_;
  std::map<int32_t, std::vector<int32_t>> committed_;
  fake_state_znodes zk_;
  std::unique_ptr<controller_state> controller_;
  int32_t controller_epoch_ = 0;
  int64_t next_registration_ = 100;
  uint64_t reply_id_ = 0;
  std::optional<protocol::alter_partition_response> last_alter_reply_;
  std::string trace_;
};

TEST(controller_simulation, acknowledged_records_survive_random_failures) {
  int64_t committed = 0;
  for (uint32_t seed = 1; seed <= seeds; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    world w(seed);
    for (int i = 0; i < 400; ++i) {
      w.step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    w.heal();
    if (::testing::Test::HasFatalFailure() || ::testing::Test::HasNonfatalFailure()) return;
    committed += w.committed_records();
  }
  // The model must actually make progress, or the invariants say nothing.
  EXPECT_GT(committed, int64_t{seeds} * 20);
}

}  // namespace
}  // namespace sluice::cluster
