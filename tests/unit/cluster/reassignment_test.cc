// controller_state's partition reassignments (AlterPartitionReassignments and
// ListPartitionReassignments): the phases Kafka 3.9's ZooKeeper controller goes through, the
// validation errors, cancellation, replacement and resumption by a new controller.
#include <gtest/gtest.h>

#include "cluster/controller_state.h"
#include "controller_test_support.h"
#include "protocol/error_code.h"

namespace sluice::cluster {
namespace {

using testing::fake_state_znodes;
using testing::live;
using testing::requests_of;
using testing::uuid_of;
using ids = std::vector<int32_t>;

int16_t code(protocol::error_code e) {
  return static_cast<int16_t>(e);
}

protocol::alter_partition_reassignments_request move(const std::string& topic, int32_t partition,
                                                     std::optional<ids> replicas) {
  protocol::alter_partition_reassignments_request r;
  auto& t = r.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = partition;
  p.replicas = std::move(replicas);
  return r;
}

protocol::alter_partition_request isr_change(int32_t leader, int32_t epoch, int32_t partition_epoch,
                                             ids isr) {
  protocol::alter_partition_request r;
  r.broker_id = leader;
  r.broker_epoch = 100 + leader;
  auto& t = r.topics.emplace_back();
  t.topic_name = "t";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.leader_epoch = epoch;
  p.partition_epoch = partition_epoch;
  p.new_isr = std::move(isr);
  return r;
}

class reassignment_test : public ::testing::Test {
 protected:
  static controller_state_options options() {
    controller_state_options o;
    o.broker_id = 1;
    return o;
  }
  void start(std::vector<live_broker> brokers, std::vector<loaded_topic> topics = {}) {
    zk.drive(controller,
             controller.became_controller(5, std::move(brokers), std::move(topics), {}));
  }
  controller_actions step(controller_actions a) { return zk.drive(controller, std::move(a)); }
  void create(std::map<int32_t, ids> assignment) {
    loaded_topic t;
    t.name = "t";
    t.id = uuid_of(1);
    t.assignment = std::move(assignment);
    step(controller.topic_changed("t", t));
  }
  // The (single) partition answer of an AlterPartitionReassignments reply.
  static const protocol::alter_partition_reassignments_response::reassignable_topic_response::
      reassignable_partition_response&
      answer(const controller_actions& a) {
    return a.reassignment_replies.at(0).second.responses.at(0).partitions.at(0);
  }
  protocol::list_partition_reassignments_response listed() const {
    protocol::list_partition_reassignments_request all;
    all.topics.reset();
    return controller.list_reassignments(all);
  }
  // Brokers that were sent StopReplica(delete) for t-0.
  static ids deleted_on(const controller_actions& a) {
    ids out;
    for (const auto& [broker, r] : requests_of<protocol::stop_replica_request>(a)) {
      for (const auto& t : r.topic_states)
        for (const auto& p : t.partition_states)
          if (t.topic_name == "t" && p.partition_index == 0 && p.delete_partition)
            out.push_back(broker);
    }
    return out;
  }

  fake_state_znodes zk;
  controller_state controller{options()};
};

TEST_F(reassignment_test, a_move_records_the_full_set_then_completes_once_the_target_is_in_sync) {
  start({live(1), live(2), live(3)});
  create({{0, {1, 2}}});
  auto started = step(controller.alter_reassignments(7, move("t", 0, ids{2, 3})));
  EXPECT_EQ(started.reassignment_replies.at(0).first, 7u);
  EXPECT_EQ(answer(started).error_code, 0);
  // Phase one: the topic znode holds target then origin, with what is added and removed.
  const partition_view& recorded = zk.assignments.at({"t", 0});
  EXPECT_EQ(recorded.replicas, (ids{2, 3, 1}));
  EXPECT_EQ(recorded.adding, (ids{3}));
  EXPECT_EQ(recorded.removing, (ids{1}));
  // The leader stays; its epoch grows so every replica (the new one too) learns the set.
  EXPECT_EQ(zk.state("t", 0).leader, 1);
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 1);
  auto lai = requests_of<protocol::leader_and_isr_request>(started);
  ids told;
  for (const auto& [broker, r] : lai) {
    told.push_back(broker);
    const auto& ps = r.topic_states.at(0).partition_states.at(0);
    EXPECT_EQ(ps.replicas, (ids{2, 3, 1}));
    EXPECT_EQ(ps.adding_replicas, (ids{3}));
    EXPECT_EQ(ps.removing_replicas, (ids{1}));
  }
  EXPECT_EQ(told, (ids{1, 2, 3}));
  EXPECT_TRUE(deleted_on(started).empty());
  auto under_way = listed();
  ASSERT_EQ(under_way.topics.size(), 1u);
  EXPECT_EQ(under_way.topics[0].partitions.at(0).replicas, (ids{2, 3, 1}));
  EXPECT_EQ(under_way.topics[0].partitions.at(0).adding_replicas, (ids{3}));

  // Broker 3 catches up: the leader adds it to the ISR, and the move completes.
  auto joined = step(controller.alter_partition(8, isr_change(1, 1, 1, {1, 2, 3}), 1));
  EXPECT_EQ(joined.alter_partition_replies.at(0).second.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(zk.state("t", 0).leader, 2);  // the old leader is not in the target
  EXPECT_EQ(zk.state("t", 0).isr, (ids{2, 3}));
  EXPECT_EQ(zk.state("t", 0).leader_epoch, 2);
  const partition_view& done = zk.assignments.at({"t", 0});
  EXPECT_EQ(done.replicas, (ids{2, 3}));
  EXPECT_TRUE(done.adding.empty());
  EXPECT_TRUE(done.removing.empty());
  EXPECT_EQ(deleted_on(joined), (ids{1}));
  EXPECT_EQ(controller.partition("t", 0)->replicas, (ids{2, 3}));
  EXPECT_TRUE(listed().topics.empty());
}

TEST_F(reassignment_test, a_move_within_the_isr_completes_at_once) {
  start({live(1), live(2), live(3)});
  create({{0, {1, 2, 3}}});
  auto out = step(controller.alter_reassignments(1, move("t", 0, ids{2, 1})));
  EXPECT_EQ(answer(out).error_code, 0);
  EXPECT_EQ(zk.state("t", 0).leader, 1);  // in the target: stays
  EXPECT_EQ(zk.state("t", 0).isr, (ids{1, 2}));
  EXPECT_EQ(zk.assignments.at({"t", 0}).replicas, (ids{2, 1}));
  EXPECT_TRUE(zk.assignments.at({"t", 0}).removing.empty());
  EXPECT_EQ(zk.assignment_writes, 2);  // the full set first, then the target
  EXPECT_EQ(deleted_on(out), (ids{3}));
  EXPECT_TRUE(listed().topics.empty());
}

TEST_F(reassignment_test, cancelling_goes_back_to_the_origin_and_drops_the_added_replicas) {
  start({live(1), live(2), live(3)});
  create({{0, {1, 2}}});
  step(controller.alter_reassignments(1, move("t", 0, ids{3})));
  EXPECT_EQ(controller.partition("t", 0)->replicas, (ids{3, 1, 2}));
  auto cancelled = step(controller.alter_reassignments(2, move("t", 0, std::nullopt)));
  EXPECT_EQ(answer(cancelled).error_code, 0);
  EXPECT_EQ(controller.partition("t", 0)->replicas, (ids{1, 2}));
  EXPECT_FALSE(controller.partition("t", 0)->reassigning());
  EXPECT_EQ(zk.assignments.at({"t", 0}).replicas, (ids{1, 2}));
  EXPECT_EQ(deleted_on(cancelled), (ids{3}));
  auto again = step(controller.alter_reassignments(3, move("t", 0, std::nullopt)));
  EXPECT_EQ(answer(again).error_code, code(protocol::error_code::no_reassignment_in_progress));
}

TEST_F(reassignment_test, a_new_target_replaces_a_move_under_way) {
  start({live(1), live(2), live(3), live(4), live(5)});
  create({{0, {1, 2}}});
  step(controller.alter_reassignments(1, move("t", 0, ids{3, 4})));
  auto replaced = step(controller.alter_reassignments(2, move("t", 0, ids{1, 5})));
  EXPECT_EQ(answer(replaced).error_code, 0);
  // The origin stays [1, 2]; 3 and 4 are no longer wanted and are deleted at once.
  EXPECT_EQ(controller.partition("t", 0)->replicas, (ids{1, 5, 2}));
  EXPECT_EQ(controller.partition("t", 0)->adding, (ids{5}));
  EXPECT_EQ(controller.partition("t", 0)->removing, (ids{2}));
  ids deleted;
  for (const auto& [broker, r] : requests_of<protocol::stop_replica_request>(replaced))
    if (r.topic_states.at(0).partition_states.at(0).delete_partition) deleted.push_back(broker);
  EXPECT_EQ(deleted, (ids{3, 4}));
}

TEST_F(reassignment_test, refusals_carry_kafkas_errors) {
  start({live(1), live(2)});
  create({{0, {1, 2}}});
  auto error_of = [&](protocol::alter_partition_reassignments_request r) {
    auto a = step(controller.alter_reassignments(1, r));
    return std::make_pair(answer(a).error_code, answer(a).error_message.value_or(""));
  };
  using protocol::error_code;
  EXPECT_EQ(error_of(move("t", 0, ids{})),
            std::make_pair(code(error_code::invalid_replica_assignment),
                           std::string("Empty replica list specified in partition reassignment.")));
  EXPECT_EQ(error_of(move("t", 0, ids{1, 1})).first, code(error_code::invalid_replica_assignment));
  EXPECT_EQ(error_of(move("t", 0, ids{1, -3})).first, code(error_code::invalid_replica_assignment));
  auto dead = error_of(move("t", 0, ids{1, 9}));
  EXPECT_EQ(dead.first, code(error_code::invalid_replica_assignment));
  EXPECT_EQ(dead.second,
            "Replica assignment has brokers that are not alive. Replica list: [9], live broker "
            "list: [1, 2]");
  EXPECT_EQ(error_of(move("t", 7, ids{1})).first, code(error_code::unknown_topic_or_partition));
  EXPECT_EQ(error_of(move("nope", 0, ids{1})).first, code(error_code::unknown_topic_or_partition));
  auto keep_factor = move("t", 0, ids{1});
  keep_factor.allow_replication_factor_change = false;
  EXPECT_EQ(error_of(keep_factor),
            std::make_pair(code(error_code::invalid_replication_factor),
                           std::string("The replication factor is changed from 2 to 1")));
  EXPECT_TRUE(listed().topics.empty());  // nothing started
  EXPECT_EQ(zk.assignment_writes, 0);

  controller_state idle{options()};
  auto refused = idle.alter_reassignments(1, move("t", 0, ids{1}));
  EXPECT_EQ(refused.reassignment_replies.at(0).second.error_code, code(error_code::not_controller));
  protocol::list_partition_reassignments_request all;
  all.topics.reset();
  EXPECT_EQ(idle.list_reassignments(all).error_code, code(error_code::not_controller));
}

TEST_F(reassignment_test, a_new_controller_resumes_what_the_topic_znode_records) {
  loaded_topic t;
  t.name = "t";
  t.id = uuid_of(1);
  t.assignment = {{0, {2, 3, 1}}, {1, {3, 1, 2}}};
  t.adding = {{0, {3}}, {1, {3}}};
  t.removing = {{0, {1}}, {1, {2}}};
  // Partition 0's target is in sync (the old controller died before finishing); 1's is not.
  t.states[0] = {{.leader = 1, .leader_epoch = 4, .isr = {1, 2, 3}, .controller_epoch = 4}, 3};
  t.states[1] = {{.leader = 1, .leader_epoch = 2, .isr = {1, 2}, .controller_epoch = 4}, 1};
  zk.nodes[{"t", 0}] = t.states[0];
  zk.nodes[{"t", 1}] = t.states[1];
  start({live(1), live(2), live(3)}, {t});
  EXPECT_EQ(controller.partition("t", 0)->replicas, (ids{2, 3}));
  EXPECT_FALSE(controller.partition("t", 0)->reassigning());
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(zk.assignments.at({"t", 0}).replicas, (ids{2, 3}));
  EXPECT_TRUE(controller.partition("t", 1)->reassigning());
  auto under_way = listed();
  ASSERT_EQ(under_way.topics.size(), 1u);
  ASSERT_EQ(under_way.topics[0].partitions.size(), 1u);
  EXPECT_EQ(under_way.topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(under_way.topics[0].partitions[0].removing_replicas, (ids{2}));
}

TEST_F(reassignment_test, a_dead_new_replica_holds_the_move_until_it_returns_and_catches_up) {
  start({live(1), live(2), live(3)});
  create({{0, {1, 2}}});
  step(controller.alter_reassignments(1, move("t", 0, ids{2, 3})));
  step(controller.brokers_changed({live(1), live(2)}));
  EXPECT_TRUE(controller.partition("t", 0)->reassigning());
  EXPECT_EQ(listed().topics.size(), 1u);
  // Back (a new registration): it is told its role in the full set.
  auto back = step(controller.brokers_changed({live(1), live(2), live(3, 200)}));
  bool told = false;
  for (const auto& [broker, r] : requests_of<protocol::leader_and_isr_request>(back))
    if (broker == 3 && r.topic_states.at(0).partition_states.at(0).adding_replicas == ids{3})
      told = true;
  EXPECT_TRUE(told);
  const int32_t epoch = zk.state("t", 0).leader_epoch;
  const int32_t version = zk.version("t", 0);
  auto r = isr_change(1, epoch, version, {1, 2, 3});
  r.broker_epoch = 101;
  auto joined = step(controller.alter_partition(2, r, 1));
  EXPECT_EQ(joined.alter_partition_replies.at(0).second.topics[0].partitions[0].error_code, 0);
  EXPECT_FALSE(controller.partition("t", 0)->reassigning());
  EXPECT_EQ(zk.state("t", 0).leader, 2);
  EXPECT_EQ(deleted_on(joined), (ids{1}));
}

}  // namespace
}  // namespace sluice::cluster
