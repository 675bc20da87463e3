// The controller's I/O driver against a real ZooKeeper server: election, fail-over with an epoch
// bump, partition state znodes written for a new topic, re-election when a broker's registration
// disappears, topic deletion.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include "cluster/controller.h"
#include "cluster/zk_layout.h"
#include "controller_test_support.h"
#include "zk_test_server.h"

namespace sluice::cluster {
namespace {

using namespace std::chrono_literals;
using testing::zk_test_server;

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

class controller_driver_test : public ::testing::Test {
 protected:
  void SetUp() override { chroot_ = zk_test_server::unique_chroot(); }

  std::unique_ptr<zk_session> connect() {
    auto s = zk_session::connect({.connect = zk_test_server::shared().connect_string(chroot_),
                                  .session_timeout = 4000ms,
                                  .connection_timeout = 5000ms});
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static controller_options options(int32_t id) {
    controller_options o;
    o.broker_id = id;
    o.request_timeout_ms = 500;
    o.leader_imbalance_check_interval_seconds = 3600;
    return o;
  }

  // Registers broker `id` (ephemeral, on `zk`) with an endpoint nobody listens on.
  static void register_broker(zk_session& zk, int32_t id) {
    broker_info b = testing::broker_named(id);
    b.endpoints[0].port = 1;  // refused at once; the channel keeps retrying
    auto made = zk.create_recursive(zk_layout::broker_path(id), zk_layout::encode_broker(b, 1),
                                    zk_create_mode::ephemeral);
    ASSERT_TRUE(made.ok()) << to_string(made.code());
  }

  std::optional<zk_layout::leader_and_isr> partition_state(zk_session& zk, const std::string& topic,
                                                           int32_t p) {
    auto node = zk.get(zk_layout::partition_state_path(topic, p));
    if (!node) return std::nullopt;
    auto decoded = zk_layout::decode_partition_state(node->data);
    if (!decoded) return std::nullopt;
    return *decoded;
  }

  std::string chroot_;
};

TEST_F(controller_driver_test, one_of_two_is_active_and_the_other_takes_over_with_the_next_epoch) {
  auto zk1 = connect();
  auto zk2 = connect();
  ASSERT_TRUE(zk1 && zk2);
  controller c1(options(1), *zk1);
  controller c2(options(2), *zk2);
  c1.start();
  c2.start();
  ASSERT_TRUE(eventually([&] { return c1.active() || c2.active(); }));
  std::this_thread::sleep_for(300ms);
  ASSERT_NE(c1.active(), c2.active());
  controller& first = c1.active() ? c1 : c2;
  controller& second = c1.active() ? c2 : c1;
  zk_session& first_zk = c1.active() ? *zk1 : *zk2;
  EXPECT_EQ(first.epoch(), 1);
  EXPECT_EQ(zk1->get("/controller_epoch")->data, "1");
  auto owner = zk_layout::decode_controller(zk1->get("/controller")->data);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(*owner, &first == &c1 ? 1 : 2);

  // The active controller's session expires: someone is elected with epoch 2, and only one.
  // (expire_for_testing may report a failure after the expiry already happened; what matters
  // here is what the controllers do.)
  auto expired = first_zk.expire_for_testing();
  if (!expired.ok()) std::printf("expire_for_testing: %s\n", to_string(expired.code()).c_str());
  ASSERT_TRUE(eventually(
      [&] { return (c1.active() && c1.epoch() == 2) || (c2.active() && c2.epoch() == 2); }));
  std::this_thread::sleep_for(300ms);
  EXPECT_NE(c1.active(), c2.active());
  EXPECT_EQ(zk1->get("/controller_epoch")->data, "2");

  // Stopping the active one hands over to the other at once.
  controller& active = c1.active() ? c1 : c2;
  controller& standby = c1.active() ? c2 : c1;
  const auto start = std::chrono::steady_clock::now();
  active.stop();
  ASSERT_TRUE(eventually([&] { return standby.active(); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(standby.epoch(), 3);
  (void)second;
}

TEST_F(controller_driver_test, writes_partition_states_reelects_and_deletes_topics) {
  auto admin = connect();
  auto zk = connect();
  auto broker1 = connect();
  auto broker2 = connect();
  ASSERT_TRUE(admin && zk && broker1 && broker2);
  register_broker(*broker1, 1);
  register_broker(*broker2, 2);
  controller c(options(1), *zk);
  c.start();
  ASSERT_TRUE(eventually([&] { return c.active(); }));

  zk_layout::topic_assignment assignment;
  assignment.topic_id = testing::uuid_of(3);
  assignment.partitions = {{0, {1, 2}}, {1, {2, 1}}};
  ASSERT_TRUE(admin
                  ->create_recursive(zk_layout::topic_path("t"),
                                     zk_layout::encode_topic_assignment(assignment))
                  .ok());
  ASSERT_TRUE(eventually([&] { return partition_state(*admin, "t", 1).has_value(); }));
  auto p0 = partition_state(*admin, "t", 0);
  ASSERT_TRUE(eventually([&] { return (p0 = partition_state(*admin, "t", 0)).has_value(); }));
  EXPECT_EQ(p0->leader, 1);
  EXPECT_EQ(p0->isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(p0->controller_epoch, c.epoch());

  // AlterPartition through the driver: the leader of partition 0 drops broker 2.
  protocol::alter_partition_request shrink;
  shrink.broker_id = 1;
  shrink.broker_epoch = -1;
  auto& topic = shrink.topics.emplace_back();
  topic.topic_name = "t";
  auto& part = topic.partitions.emplace_back();
  part.partition_index = 0;
  part.leader_epoch = 0;
  part.partition_epoch = 0;
  part.new_isr = {1};
  std::promise<protocol::alter_partition_response> answered;
  c.alter_partition(shrink, 1,
                    [&](protocol::alter_partition_response r) { answered.set_value(r); });
  auto answer = answered.get_future();
  ASSERT_EQ(answer.wait_for(5s), std::future_status::ready);
  auto reply = answer.get();
  ASSERT_EQ(reply.topics.size(), 1u);
  EXPECT_EQ(reply.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(reply.topics[0].partitions[0].partition_epoch, 1);

  // Broker 1 goes away: partition 1 (led by 2) drops it from the ISR; partition 0 has nobody.
  broker1.reset();
  ASSERT_TRUE(eventually([&] {
    auto s = partition_state(*admin, "t", 0);
    return s && s->leader == -1;
  }));
  EXPECT_EQ(partition_state(*admin, "t", 0)->isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(partition_state(*admin, "t", 0)->leader_epoch, 1);
  ASSERT_TRUE(eventually([&] {
    auto s = partition_state(*admin, "t", 1);
    return s && s->isr == std::vector<int32_t>{2};
  }));
  EXPECT_EQ(partition_state(*admin, "t", 1)->leader, 2);

  // Turning unclean election on for the topic (its config znode) elects broker 2 for partition 0.
  ASSERT_TRUE(admin
                  ->create_recursive(
                      zk_layout::topic_config_path("t"),
                      zk_layout::encode_topic_config({{"unclean.leader.election.enable", "true"}}))
                  .ok());
  ASSERT_TRUE(eventually([&] {
    auto s = partition_state(*admin, "t", 0);
    return s && s->leader == 2;
  }));
  EXPECT_EQ(partition_state(*admin, "t", 0)->isr, (std::vector<int32_t>{2}));

  // Deletion: the marker makes the controller remove the topic's znodes and the marker.
  ASSERT_TRUE(admin->create_recursive(zk_layout::delete_topic_path("t"), "").ok());
  ASSERT_TRUE(eventually([&] {
    auto e = admin->exists(zk_layout::topic_path("t"));
    auto m = admin->exists(zk_layout::delete_topic_path("t"));
    return e.ok() && !e->has_value() && m.ok() && !m->has_value();
  }));

  // Not the controller any more: requests are refused.
  c.stop();
  std::promise<protocol::controlled_shutdown_response> refused;
  c.controlled_shutdown({}, 3,
                        [&](protocol::controlled_shutdown_response r) { refused.set_value(r); });
  EXPECT_EQ(refused.get_future().get().error_code, 41);  // NOT_CONTROLLER
}

}  // namespace
}  // namespace sluice::cluster

namespace sluice::cluster {
namespace {

TEST_F(controller_driver_test, does_not_write_under_a_superseded_epoch) {
  auto admin = connect();
  auto zk = connect();
  auto broker1 = connect();
  ASSERT_TRUE(admin && zk && broker1);
  register_broker(*broker1, 1);
  controller c(options(1), *zk);
  c.start();
  ASSERT_TRUE(eventually([&] { return c.active(); }));
  ASSERT_EQ(c.epoch(), 1);
  // Someone else claims a later epoch (as a newer controller would).
  ASSERT_TRUE(admin->set("/controller_epoch", "10").ok());

  zk_layout::topic_assignment assignment;
  assignment.topic_id = testing::uuid_of(4);
  assignment.partitions = {{0, {1}}};
  ASSERT_TRUE(admin
                  ->create_recursive(zk_layout::topic_path("t"),
                                     zk_layout::encode_topic_assignment(assignment))
                  .ok());
  // The write under epoch 1 is refused; still owning /controller, it is elected again with 11.
  ASSERT_TRUE(eventually([&] { return partition_state(*admin, "t", 0).has_value(); }));
  EXPECT_EQ(partition_state(*admin, "t", 0)->controller_epoch, 11);
  EXPECT_EQ(c.epoch(), 11);
}

}  // namespace
}  // namespace sluice::cluster
