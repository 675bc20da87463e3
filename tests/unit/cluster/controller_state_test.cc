#include "cluster/controller_state.h"

#include <gtest/gtest.h>

#include "controller_test_support.h"
#include "protocol/error_code.h"

namespace sluice::cluster {
namespace {

using testing::fake_state_znodes;
using testing::live;
using testing::requests_of;
using testing::uuid_of;
using isr_t = std::vector<int32_t>;

loaded_topic topic_of(const std::string& name, std::map<int32_t, std::vector<int32_t>> assignment,
                      uint8_t id = 1) {
  loaded_topic t;
  t.name = name;
  t.id = uuid_of(id);
  t.assignment = std::move(assignment);
  return t;
}

class controller_state_test : public ::testing::Test {
 protected:
  controller_state_options options() {
    controller_state_options o;
    o.broker_id = 1;
    return o;
  }
  controller_actions start(std::vector<live_broker> brokers, std::vector<loaded_topic> topics = {},
                           std::vector<std::string> deletions = {}) {
    return zk.drive(controller,
                    controller.became_controller(5, std::move(brokers), std::move(topics),
                                                 std::move(deletions)));
  }
  controller_actions step(controller_actions a) { return zk.drive(controller, std::move(a)); }
  controller_actions create(const std::string& name, std::map<int32_t, std::vector<int32_t>> a,
                            uint8_t id = 1) {
    return step(controller.topic_changed(name, topic_of(name, std::move(a), id)));
  }

  fake_state_znodes zk;
  controller_state controller{options()};
};

TEST_F(controller_state_test,
       new_topic_gets_first_live_replica_as_leader_and_every_live_replica_in_isr) {
  start({live(1), live(2), live(3)});
  auto out = create("t", {{0, {2, 3, 1}}, {1, {3, 1, 2}}});
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2, 3, 1}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 0);
  EXPECT_EQ(zk.state("t", 0).controller_epoch, 5);
  EXPECT_EQ(zk.state("t", 1).leader, 3);

  auto lai = requests_of<protocol::leader_and_isr_request>(out);
  ASSERT_EQ(lai.size(), 3u);  // one per replica broker, both partitions in each
  for (const auto& [broker, r] : lai) {
    EXPECT_EQ(r.controller_epoch, 5);
    EXPECT_EQ(r.broker_epoch, 100 + broker);
    ASSERT_EQ(r.topic_states.size(), 1u);
    EXPECT_EQ(r.topic_states[0].topic_id, uuid_of(1));
    ASSERT_EQ(r.topic_states[0].partition_states.size(), 2u);
    EXPECT_TRUE(r.topic_states[0].partition_states[0].is_new);
    EXPECT_EQ(r.live_leaders.size(), 2u);
  }
  auto um = requests_of<protocol::update_metadata_request>(out);
  ASSERT_EQ(um.size(), 3u);
  EXPECT_EQ(um[0].second.live_brokers.size(), 3u);
  EXPECT_EQ(um[0].second.topic_states[0].partition_states.size(), 2u);
}

TEST_F(controller_state_test, new_topic_skips_dead_replicas_and_waits_when_none_is_live) {
  start({live(1), live(3)});
  create("t", {{0, {2, 3, 1}}, {1, {2}}});
  EXPECT_EQ(zk.state("t", 0).leader, 3);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{3, 1}));
  EXPECT_FALSE(zk.nodes.contains({"t", 1}));
  // Broker 2 registers: partition 1 gets its first state.
  step(controller.brokers_changed({live(1), live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 1).leader, 2);
  EXPECT_EQ(zk.state("t", 1).leader_epoch, 0);
}

TEST_F(controller_state_test, dead_leader_replaced_by_next_isr_replica_in_assignment_order) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}, {1, {2, 3, 1}}});
  auto out = step(controller.brokers_changed({live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2, 3}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 1);
  EXPECT_EQ(zk.version("t", 0), 1);
  // A follower's death shrinks the ISR and bumps the epoch; the leader stays.
  EXPECT_EQ(zk.state("t", 1).leader, 2);
  EXPECT_EQ(zk.state("t", 1).isr, (isr_t{2, 3}));
  EXPECT_EQ(zk.state("t", 1).leader_epoch, 1);
  for (const auto& [broker, r] : out.requests) EXPECT_NE(broker, 1);
  auto lai = requests_of<protocol::leader_and_isr_request>(out);
  ASSERT_EQ(lai.size(), 2u);
  EXPECT_EQ(lai[0].second.topic_states[0].partition_states[0].partition_epoch, 1);
  auto um = requests_of<protocol::update_metadata_request>(out);
  ASSERT_EQ(um.size(), 2u);
  EXPECT_EQ(um[0].second.topic_states[0].partition_states[0].offline_replicas, (isr_t{1}));
}

TEST_F(controller_state_test,
       no_isr_replica_left_means_no_leader_and_the_last_leader_stays_in_isr) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}});
  // The leader shrank the ISR to itself (followers lagging).
  protocol::alter_partition_request shrink;
  shrink.broker_id = 1;
  shrink.broker_epoch = 101;
  auto& t = shrink.topics.emplace_back();
  t.topic_name = "t";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.leader_epoch = 0;
  p.partition_epoch = 0;
  p.new_isr = {1};
  auto reply = step(controller.alter_partition(7, shrink, 1));
  ASSERT_EQ(reply.alter_partition_replies.size(), 1u);
  EXPECT_EQ(reply.alter_partition_replies[0].second.topics[0].partitions[0].error_code, 0);

  step(controller.brokers_changed({live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, -1);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{1}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 1);
  // Broker 1 comes back (a new registration): it is the only eligible leader.
  step(controller.brokers_changed({live(1, 200), live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 1);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{1}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 2);
}

TEST_F(controller_state_test, unclean_election_takes_a_live_replica_outside_the_isr) {
  controller_state_options o = options();
  o.unclean_leader_election = true;
  controller_state unclean{o};
  zk.drive(unclean, unclean.became_controller(1, {live(1), live(2)}, {}, {}));
  zk.drive(unclean, unclean.topic_changed("t", topic_of("t", {{0, {1, 2}}})));
  protocol::alter_partition_request shrink;
  shrink.broker_id = 1;
  shrink.broker_epoch = -1;
  auto& t = shrink.topics.emplace_back();
  t.topic_name = "t";
  t.partitions.push_back({});
  t.partitions[0].new_isr = {1};
  zk.drive(unclean, unclean.alter_partition(1, shrink, 1));
  zk.drive(unclean, unclean.brokers_changed({live(2)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2}));

  // A topic override switches it off again.
  auto strict = topic_of("s", {{0, {1, 2}}}, 2);
  strict.unclean_leader_election = false;
  zk.drive(unclean, unclean.brokers_changed({live(1, 300), live(2)}));
  zk.drive(unclean, unclean.topic_changed("s", strict));
  shrink.topics[0].topic_name = "s";
  shrink.broker_epoch = 301;
  zk.drive(unclean, unclean.alter_partition(2, shrink, 1));
  EXPECT_EQ(zk.state("s", 0).isr, (isr_t{1}));
  zk.drive(unclean, unclean.brokers_changed({live(2)}));
  EXPECT_EQ(zk.state("s", 0).leader, -1);
}

protocol::alter_partition_request isr_change(int32_t leader, const std::string& topic,
                                             int32_t epoch, int32_t partition_epoch,
                                             std::vector<int32_t> isr) {
  protocol::alter_partition_request r;
  r.broker_id = leader;
  r.broker_epoch = 100 + leader;
  auto& t = r.topics.emplace_back();
  t.topic_name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.leader_epoch = epoch;
  p.partition_epoch = partition_epoch;
  p.new_isr = std::move(isr);
  return r;
}

int16_t alter_error(const controller_actions& a) {
  return a.alter_partition_replies.at(0).second.topics.at(0).partitions.at(0).error_code;
}

TEST_F(controller_state_test, enabling_unclean_election_on_a_topic_elects_its_offline_partitions) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}});
  protocol::alter_partition_request shrink;
  shrink.broker_id = 1;
  shrink.broker_epoch = -1;
  auto& t = shrink.topics.emplace_back();
  t.topic_name = "t";
  t.partitions.push_back({});
  t.partitions[0].new_isr = {1};
  step(controller.alter_partition(1, shrink, 1));
  step(controller.brokers_changed({live(2)}));
  EXPECT_EQ(zk.state("t", 0).leader, -1);
  auto changed = topic_of("t", {{0, {1, 2}}});
  changed.unclean_leader_election = true;
  step(controller.topic_changed("t", changed));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2}));
}

TEST_F(controller_state_test, enabling_unclean_election_by_default_elects_offline_partitions) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}});
  auto strict = topic_of("s", {{0, {1, 2}}}, 2);
  strict.unclean_leader_election = false;  // its own override wins over the broker default
  step(controller.topic_changed("s", strict));
  protocol::alter_partition_request shrink;
  shrink.broker_id = 1;
  shrink.broker_epoch = -1;
  for (const char* name : {"t", "s"}) {
    auto& t = shrink.topics.emplace_back();
    t.topic_name = name;
    t.partitions.push_back({});
    t.partitions[0].new_isr = {1};
  }
  step(controller.alter_partition(1, shrink, 1));
  step(controller.brokers_changed({live(2)}));
  EXPECT_EQ(zk.state("t", 0).leader, -1);
  EXPECT_TRUE(controller.unclean_leader_election_default_changed(false).empty());
  EXPECT_EQ(zk.state("t", 0).leader, -1);
  step(controller.unclean_leader_election_default_changed(true));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2}));
  EXPECT_EQ(zk.state("s", 0).leader, -1);
}

TEST_F(controller_state_test, alter_partition_checks_leader_epochs_and_eligibility) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}});
  const auto code = [](protocol::error_code e) { return static_cast<int16_t>(e); };

  EXPECT_EQ(alter_error(step(controller.alter_partition(1, isr_change(2, "t", 0, 0, {1, 2}), 1))),
            code(protocol::error_code::not_leader_or_follower));
  EXPECT_EQ(alter_error(step(controller.alter_partition(1, isr_change(1, "t", 3, 0, {1, 2}), 1))),
            code(protocol::error_code::fenced_leader_epoch));
  EXPECT_EQ(alter_error(step(controller.alter_partition(1, isr_change(1, "t", 0, 4, {1, 2}), 1))),
            code(protocol::error_code::invalid_update_version));
  EXPECT_EQ(alter_error(step(controller.alter_partition(1, isr_change(1, "t", 0, 0, {1, 9}), 1))),
            code(protocol::error_code::ineligible_replica));
  EXPECT_EQ(zk.version("t", 0), 0);

  auto ok = step(controller.alter_partition(9, isr_change(1, "t", 0, 0, {1, 2}), 1));
  ASSERT_EQ(ok.alter_partition_replies.size(), 1u);
  EXPECT_EQ(ok.alter_partition_replies[0].first, 9u);
  const auto& answer = ok.alter_partition_replies[0].second.topics[0].partitions[0];
  EXPECT_EQ(answer.error_code, 0);
  EXPECT_EQ(answer.isr, (isr_t{1, 2}));
  EXPECT_EQ(answer.leader_epoch, 0);  // ISR changes by the leader keep the epoch
  EXPECT_EQ(answer.partition_epoch, 1);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{1, 2}));
  EXPECT_TRUE(requests_of<protocol::leader_and_isr_request>(ok).empty());
  EXPECT_EQ(requests_of<protocol::update_metadata_request>(ok).size(), 3u);

  // A retry of the applied change (stale partition epoch, same ISR) gets the current state.
  auto retry = step(controller.alter_partition(10, isr_change(1, "t", 0, 0, {1, 2}), 1));
  EXPECT_EQ(alter_error(retry), 0);
  EXPECT_EQ(retry.alter_partition_replies[0].second.topics[0].partitions[0].partition_epoch, 1);
  // Broker 3 is dead: it may not rejoin.
  step(controller.brokers_changed({live(1), live(2)}));
  EXPECT_EQ(
      alter_error(step(controller.alter_partition(1, isr_change(1, "t", 0, 1, {1, 2, 3}), 1))),
      code(protocol::error_code::ineligible_replica));
  // A stale broker epoch is refused outright.
  auto stale = isr_change(1, "t", 0, 1, {1});
  stale.broker_epoch = 5;
  auto refused = step(controller.alter_partition(1, stale, 1));
  EXPECT_EQ(refused.alter_partition_replies[0].second.error_code,
            code(protocol::error_code::stale_broker_epoch));
}

TEST_F(controller_state_test, alter_partition_by_topic_id_from_v2) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}}, 7);
  auto r = isr_change(1, "", 0, 0, {1});
  r.topics[0].topic_id = uuid_of(7);
  auto out = step(controller.alter_partition(1, r, 2));
  EXPECT_EQ(alter_error(out), 0);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{1}));
}

TEST_F(controller_state_test, controlled_shutdown_moves_leadership_and_leaves_isrs) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}, {1, {2, 1, 3}}});
  create("single", {{0, {1}}}, 2);
  protocol::controlled_shutdown_request request;
  request.broker_id = 1;
  request.broker_epoch = 101;
  auto out = step(controller.controlled_shutdown(4, request));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2, 3}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 1);
  EXPECT_EQ(zk.state("t", 1).leader, 2);
  EXPECT_EQ(zk.state("t", 1).isr, (isr_t{2, 3}));
  EXPECT_EQ(zk.state("single", 0).leader, 1);  // nowhere to go
  ASSERT_EQ(out.shutdown_replies.size(), 1u);
  EXPECT_EQ(out.shutdown_replies[0].second.error_code, 0);
  EXPECT_TRUE(out.shutdown_replies[0].second.remaining_partitions.empty());  // RF=1 not counted
  auto stops = requests_of<protocol::stop_replica_request>(out);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].first, 1);
  EXPECT_FALSE(stops[0].second.topic_states[0].partition_states[0].delete_partition);

  // A shutting-down broker is not elected even when it is the preferred replica.
  protocol::elect_leaders_request elect;
  elect.topic_partitions =
      std::vector<protocol::elect_leaders_request::topic_partitions_data>{{"t", {0}, {}}};
  auto e = step(controller.elect_leaders(5, elect));
  EXPECT_EQ(
      e.elect_leaders_replies[0].second.replica_election_results[0].partition_result[0].error_code,
      static_cast<int16_t>(protocol::error_code::preferred_leader_not_available));
}

TEST_F(controller_state_test, controlled_shutdown_reports_partitions_it_still_leads) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}});
  step(controller.alter_partition(1, isr_change(1, "t", 0, 0, {1}), 1));
  protocol::controlled_shutdown_request request;
  request.broker_id = 1;
  request.broker_epoch = 101;
  auto out = step(controller.controlled_shutdown(4, request));
  ASSERT_EQ(out.shutdown_replies[0].second.remaining_partitions.size(), 1u);
  EXPECT_EQ(out.shutdown_replies[0].second.remaining_partitions[0].topic_name, "t");
  EXPECT_EQ(zk.state("t", 0).leader, 1);
}

TEST_F(controller_state_test, preferred_election_and_auto_rebalance) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}, {1, {1, 3, 2}}});
  step(controller.brokers_changed({live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  step(controller.brokers_changed({live(1, 200), live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);  // a returning broker is not in the ISR yet
  // Nothing to do: broker 1 is not in the ISR.
  auto nothing = step(controller.rebalance_leaders());
  EXPECT_TRUE(nothing.state_writes.empty());
  // The leaders add broker 1 back.
  auto add = isr_change(2, "t", 1, 1, {2, 3, 1});
  step(controller.alter_partition(1, add, 1));
  auto add1 = isr_change(3, "t", 1, 1, {3, 2, 1});
  add1.topics[0].partitions[0].partition_index = 1;
  step(controller.alter_partition(1, add1, 1));
  step(controller.rebalance_leaders());
  EXPECT_EQ(zk.state("t", 0).leader, 1);
  EXPECT_EQ(zk.state("t", 1).leader, 1);
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 2);

  protocol::elect_leaders_request elect;  // every partition
  elect.topic_partitions.reset();
  auto e = step(controller.elect_leaders(3, elect));
  ASSERT_EQ(e.elect_leaders_replies.size(), 1u);
  for (const auto& p :
       e.elect_leaders_replies[0].second.replica_election_results[0].partition_result)
    EXPECT_EQ(p.error_code, static_cast<int16_t>(protocol::error_code::election_not_needed));
}

TEST_F(controller_state_test, rebalance_respects_the_imbalance_threshold) {
  // Broker 1 prefers three partitions and leads two: 33% imbalance.
  auto t = topic_of("t", {{0, {1, 2}}, {1, {1, 2}}, {2, {1, 2}}});
  t.states[0] = {{2, 1, {1, 2}, 1}, 1};
  t.states[1] = {{1, 0, {1, 2}, 1}, 0};
  t.states[2] = {{1, 0, {1, 2}, 1}, 0};
  for (const auto& [p, s] : t.states) zk.nodes[{"t", p}] = s;
  for (int32_t percentage : {50, 10}) {
    controller_state_options o = options();
    o.leader_imbalance_per_broker_percentage = percentage;
    controller_state c{o};
    zk.drive(c, c.became_controller(1, {live(1), live(2)}, {t}, {}));
    zk.drive(c, c.rebalance_leaders());
    EXPECT_EQ(zk.state("t", 0).leader, percentage == 50 ? 2 : 1) << percentage;
  }
}

TEST_F(controller_state_test, topic_deletion_stops_replicas_and_removes_znodes) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}, {1, {2, 3}}});
  auto out = step(controller.deletions_requested({"t", "ghost"}));
  EXPECT_TRUE(out.topic_removals.empty());  // not before every replica is gone
  EXPECT_EQ(out.deletion_marker_removals, (std::vector<std::string>{"ghost"}));
  EXPECT_TRUE(controller.deletion_underway("t"));
  auto stops = requests_of<protocol::stop_replica_request>(out);
  ASSERT_EQ(stops.size(), 2u);  // brokers 1 and 2; 3 is down
  for (const auto& [broker, r] : stops) {
    EXPECT_NE(broker, 3);
    for (const auto& t : r.topic_states) {
      for (const auto& p : t.partition_states) {
        EXPECT_TRUE(p.delete_partition);
        EXPECT_EQ(p.leader_epoch, -2);
      }
    }
  }
  auto um = requests_of<protocol::update_metadata_request>(out);
  ASSERT_EQ(um.size(), 2u);
  EXPECT_EQ(um[0].second.topic_states[0].partition_states[0].leader, -2);
  EXPECT_EQ(controller.partition("t", 0), nullptr);
  // The topic's znode changing meanwhile does not bring it back.
  EXPECT_TRUE(
      step(controller.topic_changed("t", topic_of("t", {{0, {1, 2}}, {1, {2, 3}}}))).empty());
  EXPECT_EQ(controller.partition("t", 0), nullptr);

  EXPECT_TRUE(step(controller.replicas_deleted(1, "t", {0})).topic_removals.empty());
  EXPECT_TRUE(step(controller.replicas_deleted(2, "t", {0, 1})).topic_removals.empty());
  // Broker 3 held a replica; it is asked when it registers, and its answer ends the deletion.
  auto back = step(controller.brokers_changed({live(1), live(2), live(3)}));
  bool stopped_on_3 = false;
  for (const auto& [broker, r] : requests_of<protocol::stop_replica_request>(back)) {
    if (broker == 3 && r.topic_states[0].topic_name == "t") stopped_on_3 = true;
  }
  EXPECT_TRUE(stopped_on_3);
  auto done = step(controller.replicas_deleted(3, "t", {1}));
  EXPECT_EQ(done.topic_removals, (std::vector<std::string>{"t"}));
  EXPECT_FALSE(controller.deletion_underway("t"));
}

TEST_F(controller_state_test, deletion_disabled_only_removes_the_marker) {
  controller_state_options o = options();
  o.delete_topic_enable = false;
  controller_state c{o};
  zk.drive(c, c.became_controller(1, {live(1)}, {topic_of("t", {{0, {1}}})}, {"t"}));
  EXPECT_NE(c.partition("t", 0), nullptr);
}

TEST_F(controller_state_test, failover_reconciles_loaded_state_with_the_live_brokers) {
  // What the previous controller left: broker 1 led, but it is gone now.
  auto t = topic_of("t", {{0, {1, 2, 3}}, {1, {2, 3, 1}}});
  zk.nodes[{"t", 0}] = {{1, 4, {1, 2, 3}, 3}, 6};
  zk.nodes[{"t", 1}] = {{2, 2, {2, 3, 1}, 3}, 2};
  t.states[0] = zk.nodes[{"t", 0}];
  t.states[1] = zk.nodes[{"t", 1}];
  auto out = start({live(2), live(3)}, {t});
  EXPECT_EQ(controller.epoch(), 5);
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 5);
  EXPECT_EQ(zk.version("t", 0), 7);
  EXPECT_EQ(zk.state("t", 1).isr, (isr_t{2, 3}));
  // Every live broker hears the whole state once.
  auto lai = requests_of<protocol::leader_and_isr_request>(out);
  ASSERT_EQ(lai.size(), 2u);
  EXPECT_EQ(lai[0].second.topic_states[0].partition_states.size(), 2u);
  EXPECT_EQ(requests_of<protocol::update_metadata_request>(out).size(), 2u);
}

TEST_F(controller_state_test, a_lost_write_race_is_reloaded_and_reconciled) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}});
  // Someone else (a zombie controller) wrote the state behind our back.
  zk.nodes[{"t", 0}] = {{1, 3, {1, 2, 3}, 4}, 9};
  step(controller.brokers_changed({live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 4);
  EXPECT_EQ(zk.version("t", 0), 10);
}

TEST_F(controller_state_test, inactive_controller_answers_not_controller) {
  auto out = controller.alter_partition(3, isr_change(1, "t", 0, 0, {1}), 1);
  ASSERT_EQ(out.alter_partition_replies.size(), 1u);
  EXPECT_EQ(out.alter_partition_replies[0].second.error_code,
            static_cast<int16_t>(protocol::error_code::not_controller));
  protocol::controlled_shutdown_request request;
  EXPECT_EQ(controller.controlled_shutdown(1, request).shutdown_replies[0].second.error_code,
            static_cast<int16_t>(protocol::error_code::not_controller));
}

TEST_F(controller_state_test, a_restarted_broker_is_treated_as_dead_then_started) {
  start({live(1), live(2), live(3)});
  create("t", {{0, {1, 2, 3}}});
  auto out = step(controller.brokers_changed({live(1, 500), live(2), live(3)}));
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.state("t", 0).isr, (isr_t{2, 3}));
  bool told_1 = false;
  for (const auto& [broker, r] : requests_of<protocol::leader_and_isr_request>(out)) {
    if (broker == 1) {
      told_1 = true;
      EXPECT_EQ(r.broker_epoch, 501);
      EXPECT_EQ(r.topic_states[0].partition_states[0].leader, 2);
    }
  }
  EXPECT_TRUE(told_1);
}

}  // namespace
}  // namespace sluice::cluster

#include "cluster/inter_broker_versions.h"

namespace sluice::cluster {
namespace {

// Every request the controller makes encodes at the inter-broker versions and decodes back.
template <class Request>
Request round_trip(const Request& request, int16_t version) {
  protocol::writer w;
  auto encoded = request.encode(w, version);
  EXPECT_TRUE(encoded.ok()) << encoded.message();
  auto bytes = w.take_buffer();
  protocol::reader r(bytes);
  Request back;
  auto decoded = back.decode(r, version);
  EXPECT_TRUE(decoded.ok()) << decoded.message();
  return back;
}

TEST_F(controller_state_test, requests_encode_at_the_inter_broker_versions) {
  start({live(1), live(2), live(3)});
  controller_actions all = create("t", {{0, {1, 2, 3}}, {1, {2, 3, 1}}});
  protocol::controlled_shutdown_request shutdown;
  shutdown.broker_id = 3;
  shutdown.broker_epoch = 103;
  all.append(step(controller.controlled_shutdown(1, shutdown)));
  all.append(step(controller.deletions_requested({"t"})));
  int seen = 0;
  for (const auto& [broker, body] : all.requests) {
    std::visit(
        [&](const auto& request) {
          using request_t = std::decay_t<decltype(request)>;
          if constexpr (std::is_same_v<request_t, protocol::leader_and_isr_request>) {
            auto back = round_trip(request, inter_broker_versions::leader_and_isr);
            EXPECT_EQ(back.topic_states, request.topic_states);
            EXPECT_EQ(back.live_leaders, request.live_leaders);
            EXPECT_EQ(back.broker_epoch, request.broker_epoch);
          } else if constexpr (std::is_same_v<request_t, protocol::update_metadata_request>) {
            auto back = round_trip(request, inter_broker_versions::update_metadata);
            ASSERT_EQ(back.live_brokers.size(), request.live_brokers.size());
            EXPECT_EQ(back.live_brokers[0].endpoints, request.live_brokers[0].endpoints);
            ASSERT_EQ(back.topic_states.size(), request.topic_states.size());
            if (!back.topic_states.empty()) {
              EXPECT_EQ(back.topic_states[0].topic_id, request.topic_states[0].topic_id);
            }
          } else {
            auto back = round_trip(request, inter_broker_versions::stop_replica);
            EXPECT_EQ(back.topic_states, request.topic_states);
          }
          ++seen;
        },
        body);
  }
  EXPECT_GT(seen, 10);
}

}  // namespace
}  // namespace sluice::cluster

namespace sluice::cluster {
namespace {

template <class Response>
void expect_encodes(const Response& response, int16_t version) {
  protocol::writer w;
  auto encoded = response.encode(w, version);
  EXPECT_TRUE(encoded.ok()) << "v" << version << ": " << encoded.message();
}

// The replies go back on the requests' versions: by topic name (AlterPartition v0-1) or id (v2+).
TEST_F(controller_state_test, replies_encode_at_the_requests_versions) {
  start({live(1), live(2)});
  create("t", {{0, {1, 2}}}, 9);
  auto by_name = isr_change(1, "t", 0, 0, {1});
  auto named = step(controller.alter_partition(1, by_name, 1));
  expect_encodes(named.alter_partition_replies.at(0).second, 1);
  expect_encodes(named.alter_partition_replies.at(0).second, 0);

  auto by_id = isr_change(1, "", 0, 1, {1, 2});
  by_id.topics[0].topic_id = uuid_of(9);
  auto identified = step(controller.alter_partition(2, by_id, 2));
  EXPECT_EQ(alter_error(identified), 0);
  expect_encodes(identified.alter_partition_replies.at(0).second, 2);

  protocol::elect_leaders_request elect;
  elect.topic_partitions.reset();
  auto elected = step(controller.elect_leaders(3, elect));
  for (int16_t v : {1, 2}) expect_encodes(elected.elect_leaders_replies.at(0).second, v);

  protocol::controlled_shutdown_request shutdown;
  shutdown.broker_id = 1;
  shutdown.broker_epoch = 101;
  auto stopped = step(controller.controlled_shutdown(4, shutdown));
  for (int16_t v : {1, 2, 3}) expect_encodes(stopped.shutdown_replies.at(0).second, v);
}

}  // namespace
}  // namespace sluice::cluster
