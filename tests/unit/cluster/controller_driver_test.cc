// The controller's I/O driver against a real ZooKeeper server: election, fail-over with an epoch
// bump, partition state znodes written for a new topic, re-election when a broker's registration
// disappears, topic deletion.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "../support/frame_server.h"
#include "cluster/controller.h"
#include "cluster/controller_channel.h"
#include "cluster/inter_broker_versions.h"
#include "cluster/zk_layout.h"
#include "controller_test_support.h"
#include "zk_test_server.h"

namespace sluice::cluster {
namespace {

using namespace std::chrono_literals;
using testing::zk_test_server;

// A broker that answers the controller's requests (one connection at a time) and records them.
class fake_broker {
 public:
  fake_broker()
      : server_([this](const protocol::bytes& frame) { return answer(frame); },
                /*close_when_silent=*/true) {}
  int port() const { return server_.port(); }
  // The next `n` requests are read and left unanswered: the connection is closed instead.
  void drop_next(int n) { drop_ = n; }

  // (api key, version) of every request answered.
  std::vector<std::pair<int16_t, int16_t>> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<protocol::stop_replica_request> stop_replicas() const {
    std::lock_guard lock(mutex_);
    return stop_replicas_;
  }
  std::vector<protocol::leader_and_isr_request> leader_and_isrs() const {
    std::lock_guard lock(mutex_);
    return leader_and_isrs_;
  }

 private:
  std::optional<protocol::bytes> answer(const protocol::bytes& frame) {
    if (drop_ > 0) {
      --drop_;
      return std::nullopt;
    }
    protocol::reader r(frame);
    const int16_t api_key = r.read_int16();
    const int16_t version = r.read_int16();
    const int32_t correlation_id = r.read_int32();
    const int16_t client_id_length = r.read_int16();
    if (client_id_length > 0) r.skip(static_cast<size_t>(client_id_length));
    for (uint32_t tags = r.read_uvarint(); tags > 0; --tags) {
      r.read_uvarint();
      r.skip(r.read_uvarint());
    }
    protocol::writer w;
    w.write_int32(correlation_id);
    w.write_uvarint(0);  // response header v1: no tagged fields
    bool decoded = false;
    {
      std::lock_guard lock(mutex_);
      seen_.emplace_back(api_key, version);
      if (api_key == protocol::leader_and_isr_request::api_key) {
        protocol::leader_and_isr_request request;
        decoded = request.decode(r, version).ok();
        leader_and_isrs_.push_back(request);
        decoded = decoded && protocol::leader_and_isr_response{}.encode(w, version).ok();
      } else if (api_key == protocol::stop_replica_request::api_key) {
        protocol::stop_replica_request request;
        decoded = request.decode(r, version).ok();
        stop_replicas_.push_back(request);
        decoded = decoded && protocol::stop_replica_response{}.encode(w, version).ok();
      } else if (api_key == protocol::update_metadata_request::api_key) {
        protocol::update_metadata_request request;
        decoded = request.decode(r, version).ok();
        decoded = decoded && protocol::update_metadata_response{}.encode(w, version).ok();
      }
    }
    EXPECT_TRUE(decoded) << "api " << api_key << " v" << version;
    protocol::bytes body = w.take_buffer();
    protocol::bytes out(4 + body.size());
    const auto n = static_cast<uint32_t>(body.size());
    out[0] = static_cast<uint8_t>(n >> 24);
    out[1] = static_cast<uint8_t>(n >> 16);
    out[2] = static_cast<uint8_t>(n >> 8);
    out[3] = static_cast<uint8_t>(n);
    std::copy(body.begin(), body.end(), out.begin() + 4);
    return out;
  }

  std::atomic<int> drop_{0};
  mutable std::mutex mutex_;
  std::vector<std::pair<int16_t, int16_t>> seen_;
  std::vector<protocol::stop_replica_request> stop_replicas_;
  std::vector<protocol::leader_and_isr_request> leader_and_isrs_;
  ::sluice::test::frame_server server_;  // last: its thread stops before the members it uses go
};

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
  // Registers broker `id` (ephemeral, on `zk`); port 1 is refused at once (the channel keeps
  // retrying).
  static void register_broker(zk_session& zk, int32_t id, int port = 1) {
    broker_info b = testing::broker_named(id);
    b.endpoints[0].port = port;
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
  zk_session& first_zk = c1.active() ? *zk1 : *zk2;
  // Usually 1; a start-up race may cost an extra claim.
  const int32_t first_epoch = first.epoch();
  EXPECT_GE(first_epoch, 1);
  EXPECT_LE(first_epoch, 3);
  EXPECT_EQ(zk1->get("/controller_epoch")->data, std::to_string(first_epoch));
  auto owner = zk_layout::decode_controller(zk1->get("/controller")->data);
  ASSERT_TRUE(owner.ok());
  EXPECT_EQ(*owner, &first == &c1 ? 1 : 2);

  // The active controller's session expires: someone is elected with a later epoch, only one.
  // (expire_for_testing may report a failure after the expiry already happened; what matters
  // here is what the controllers do.)
  auto expired = first_zk.expire_for_testing();
  if (!expired.ok()) std::printf("expire_for_testing: %s\n", to_string(expired.code()).c_str());
  ASSERT_TRUE(eventually([&] {
    return (c1.active() && c1.epoch() > first_epoch) || (c2.active() && c2.epoch() > first_epoch);
  }));
  std::this_thread::sleep_for(300ms);
  ASSERT_NE(c1.active(), c2.active());
  controller& active = c1.active() ? c1 : c2;
  controller& standby = c1.active() ? c2 : c1;
  const int32_t second_epoch = active.epoch();
  EXPECT_EQ(zk1->get("/controller_epoch")->data, std::to_string(second_epoch));
  // Whoever sees the new /controller sees its epoch: both are written in one multi-op.
  auto holder = zk_layout::decode_controller(zk1->get("/controller")->data);
  ASSERT_TRUE(holder.ok());
  EXPECT_EQ(*holder, &active == &c1 ? 1 : 2);

  // Stopping the active one hands over to the other at once.
  const auto start = std::chrono::steady_clock::now();
  active.stop();
  ASSERT_TRUE(eventually([&] { return standby.active(); }, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_GT(standby.epoch(), second_epoch);
  EXPECT_EQ(zk1->get("/controller_epoch")->data, std::to_string(standby.epoch()));
}

TEST_F(controller_driver_test, writes_partition_states_reelects_and_deletes_topics) {
  auto admin = connect();
  auto zk = connect();
  auto broker1 = connect();
  auto broker2 = connect();
  ASSERT_TRUE(admin && zk && broker1 && broker2);
  fake_broker listener1;
  fake_broker listener2;
  register_broker(*broker1, 1, listener1.port());
  register_broker(*broker2, 2, listener2.port());
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
  // The replicas hear their roles over the wire at the inter-broker versions.
  ASSERT_TRUE(eventually([&] { return !listener2.leader_and_isrs().empty(); }));
  const auto roles = listener2.leader_and_isrs().back();
  ASSERT_EQ(roles.topic_states.size(), 1u);
  EXPECT_EQ(roles.topic_states[0].topic_name, "t");
  EXPECT_EQ(roles.topic_states[0].topic_id, testing::uuid_of(3));
  EXPECT_EQ(roles.controller_epoch, c.epoch());
  for (const auto& [key, version] : listener1.seen()) {
    if (key == 4) {
      EXPECT_EQ(version, inter_broker_versions::leader_and_isr);
    } else if (key == 6) {
      EXPECT_EQ(version, inter_broker_versions::update_metadata);
    }
  }

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
                      zk_layout::encode_entity_config({{"unclean.leader.election.enable", "true"}}))
                  .ok());
  ASSERT_TRUE(eventually([&] {
    auto s = partition_state(*admin, "t", 0);
    return s && s->leader == 2;
  }));
  EXPECT_EQ(partition_state(*admin, "t", 0)->isr, (std::vector<int32_t>{2}));

  // Deletion: StopReplica(delete) to every replica; the znodes and the marker go once all
  // answered — broker 1 (down) only when it is back.
  ASSERT_TRUE(admin->create_recursive(zk_layout::delete_topic_path("t"), "").ok());
  ASSERT_TRUE(eventually([&] { return !listener2.stop_replicas().empty(); }));
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(admin->exists(zk_layout::topic_path("t"))->has_value());
  broker1 = connect();
  ASSERT_TRUE(broker1);
  register_broker(*broker1, 1, listener1.port());
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

// The fence is /controller_epoch's zkVersion, not its value: a claim that leaves the value as it
// was (a rewrite of the same epoch) still supersedes the controller's writes.
TEST_F(controller_driver_test, a_bumped_epoch_version_fences_partition_state_writes) {
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
  ASSERT_EQ(c.epoch(), 1);

  zk_layout::topic_assignment assignment;
  assignment.topic_id = testing::uuid_of(5);
  assignment.partitions = {{0, {1, 2}}};
  ASSERT_TRUE(admin
                  ->create_recursive(zk_layout::topic_path("t"),
                                     zk_layout::encode_topic_assignment(assignment))
                  .ok());
  ASSERT_TRUE(eventually([&] { return partition_state(*admin, "t", 0).has_value(); }));
  auto written = admin->get(zk_layout::partition_state_path("t", 0));
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->stat.version, 0);
  EXPECT_EQ(partition_state(*admin, "t", 0)->controller_epoch, 1);
  EXPECT_EQ(partition_state(*admin, "t", 0)->leader, 1);

  // Behind the controller's back: same value, next zkVersion.
  auto epoch_node = admin->get("/controller_epoch");
  ASSERT_TRUE(epoch_node.ok());
  ASSERT_EQ(epoch_node->data, "1");
  ASSERT_TRUE(admin->set("/controller_epoch", "1", epoch_node->stat.version).ok());

  // Broker 2 leaves: the controller must shrink the ISR (a conditional set of the state). The
  // fenced write fails, so it resigns and — still holding /controller — claims epoch 2, under
  // which the state is written. Had the write under epoch 1 gone through, version 1 would carry
  // epoch 1 and nothing would rewrite it.
  broker2.reset();
  ASSERT_TRUE(eventually([&] {
    auto s = partition_state(*admin, "t", 0);
    return s && s->isr == std::vector<int32_t>{1};
  }));
  auto after = admin->get(zk_layout::partition_state_path("t", 0));
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->stat.version, 1);
  EXPECT_EQ(partition_state(*admin, "t", 0)->controller_epoch, 2);
  EXPECT_EQ(c.epoch(), 2);
  EXPECT_TRUE(c.active());
  EXPECT_EQ(admin->get("/controller_epoch")->data, "2");
}

}  // namespace
}  // namespace sluice::cluster

namespace sluice::cluster {
namespace {

TEST(controller_channel, resends_in_order_until_the_broker_answers) {
  fake_broker broker;
  broker.drop_next(2);
  std::mutex mutex;
  std::vector<int16_t> answered;
  controller_channel channel(
      9, "PLAINTEXT", 2000ms, [&](int32_t id, const broker_request_body& body) {
        EXPECT_EQ(id, 1);
        std::lock_guard lock(mutex);
        answered.push_back(
            std::visit([](const auto& r) { return std::decay_t<decltype(r)>::api_key; }, body));
      });
  live_broker b{testing::broker_named(1), 42};
  b.info.endpoints[0].port = broker.port();
  channel.set_brokers({{1, b}});
  protocol::leader_and_isr_request roles;
  roles.controller_id = 9;
  roles.controller_epoch = 3;
  roles.broker_epoch = 42;
  channel.send(1, roles);
  channel.send(1, protocol::update_metadata_request{});
  channel.send(7, protocol::update_metadata_request{});  // no such broker: dropped
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return answered.size() == 2;
  }));
  EXPECT_EQ(answered, (std::vector<int16_t>{4, 6}));
  const auto seen = broker.seen();
  ASSERT_EQ(seen.size(), 2u);  // the dropped attempts were never answered, so not recorded
  EXPECT_EQ(seen[0].first, 4);
  EXPECT_EQ(broker.leader_and_isrs().at(0).broker_epoch, 42);
  EXPECT_EQ(channel.backlog(), 0u);
}

}  // namespace
}  // namespace sluice::cluster
