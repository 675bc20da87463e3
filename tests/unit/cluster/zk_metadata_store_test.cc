#include "cluster/zk_metadata_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cluster/zk_layout.h"
#include "zk_test_server.h"

namespace sluice::cluster {
namespace {

using testing::zk_test_server;
using namespace std::chrono_literals;

// Polls `done` until it holds or `timeout` passes; watches deliver asynchronously.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

class change_log {
 public:
  metadata_store::watcher watcher() {
    return [this](const metadata_change& c) {
      std::lock_guard lock(mutex_);
      changes_.push_back(c);
    };
  }
  bool saw(metadata_change::kind what, const std::string& topic) const {
    std::lock_guard lock(mutex_);
    for (const auto& c : changes_)
      if (c.what == what && c.topic == topic) return true;
    return false;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<metadata_change> changes_;
};

broker_info broker(int32_t id) {
  return {.id = id, .endpoints = {{"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 9090 + id}}};
}

class zk_store_test : public ::testing::Test {
 protected:
  void SetUp() override { chroot_ = zk_test_server::unique_chroot(); }

  std::unique_ptr<zk_session> session() {
    auto s = zk_session::connect({.connect = zk_test_server::shared().connect_string(chroot_),
                                  .session_timeout = 4000ms,
                                  .connection_timeout = 5000ms});
    EXPECT_TRUE(s.ok()) << s.message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  zk_metadata_options options(int32_t id) {
    zk_metadata_options o;
    o.broker_id = id;
    o.default_partitions = 2;
    o.session_timeout = 4000ms;
    o.validate_config = [](const std::string& k, const std::string&) -> std::optional<std::string> {
      if (k == "bogus") return "Unknown topic config name: bogus";
      return std::nullopt;
    };
    return o;
  }
  std::unique_ptr<zk_metadata_store> open(zk_session& zk, int32_t id,
                                          const std::string& expected = {},
                                          const std::string& proposed = {}) {
    auto store = zk_metadata_store::open(options(id), zk, expected, proposed);
    EXPECT_TRUE(store.ok()) << store.message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string chroot_;
};

// Two brokers, each with its own session and store, registered and seeing each other.
class two_brokers : public zk_store_test {
 protected:
  void SetUp() override {
    zk_store_test::SetUp();
    zk_a_ = session();
    zk_b_ = session();
    ASSERT_TRUE(zk_a_ && zk_b_);
    a_ = open(*zk_a_, 1);
    b_ = open(*zk_b_, 2);
    ASSERT_TRUE(a_ && b_);
    b_->watch(changes_b_.watcher());
    ASSERT_TRUE(a_->register_broker(broker(1)).ok());
    ASSERT_TRUE(b_->register_broker(broker(2)).ok());
    ASSERT_TRUE(eventually([&] { return a_->brokers().size() == 2 && b_->brokers().size() == 2; }));
  }

  change_log changes_b_;  // outlives the stores that report to it
  std::unique_ptr<zk_session> zk_a_, zk_b_;
  std::unique_ptr<zk_metadata_store> a_, b_;
};

TEST_F(two_brokers, both_see_both_brokers_sorted_with_epochs) {
  for (auto* store : {a_.get(), b_.get()}) {
    auto brokers = store->brokers();
    ASSERT_EQ(brokers.size(), 2u);
    EXPECT_EQ(brokers[0].id, 1);
    EXPECT_EQ(brokers[1].id, 2);
    EXPECT_EQ(brokers[1].endpoints.at(0).port, 9092);
    EXPECT_EQ(store->cluster_id(), a_->cluster_id());
  }
  EXPECT_EQ(a_->cluster_id().size(), 22u);
  EXPECT_GT(a_->broker_epoch(), 0);
  EXPECT_GT(b_->broker_epoch(), a_->broker_epoch());
  auto node = zk_a_->get("/brokers/ids/2");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->stat.ephemeral_owner, zk_b_->session_id());
  EXPECT_EQ(node->stat.czxid, b_->broker_epoch());

  // Kafka's persistent paths exist.
  for (const auto& path : zk_layout::persistent_paths())
    EXPECT_TRUE(zk_a_->exists(path)->has_value()) << path;

  // A broker going away disappears from the others' view.
  b_.reset();
  zk_b_.reset();
  EXPECT_TRUE(eventually([&] { return a_->brokers().size() == 1; }));
}

TEST_F(two_brokers, a_second_broker_with_the_same_id_is_refused) {
  auto zk_c = session();
  ASSERT_TRUE(zk_c);
  auto c = open(*zk_c, 1);
  ASSERT_TRUE(c);
  auto same_id = broker(1);
  same_id.endpoints[0].host = "10.1.1.1";  // another machine
  auto r = c->register_broker(same_id);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("broker.id 1 is already registered in ZooKeeper by another broker"),
            std::string::npos)
      << r.message();
  EXPECT_EQ(c->broker_epoch(), -1);
}

TEST_F(zk_store_test, registration_of_a_killed_previous_run_is_waited_out) {
  // The previous run's session is still alive on the server (the process was killed).
  auto previous = session();
  ASSERT_TRUE(previous);
  auto zk = session();
  ASSERT_TRUE(zk);
  auto store = open(*zk, 1);
  ASSERT_TRUE(store);
  ASSERT_TRUE(previous
                  ->create_recursive("/brokers/ids/1", zk_layout::encode_broker(broker(1), 1),
                                     zk_create_mode::ephemeral)
                  .ok());
  // Its session ends a little later (here: closed; really: timed out).
  std::thread ender([&] {
    std::this_thread::sleep_for(300ms);
    previous.reset();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = store->register_broker(broker(1));
  ender.join();
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  EXPECT_EQ(zk->get("/brokers/ids/1")->stat.ephemeral_owner, zk->session_id());

  // Different endpoints: another broker, refused at once.
  auto other = session();
  ASSERT_TRUE(other);
  auto other_store = open(*other, 1);
  ASSERT_TRUE(other_store);
  auto elsewhere = broker(1);
  elsewhere.endpoints[0].port = 19999;
  auto refused = other_store->register_broker(elsewhere);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("already registered"), std::string::npos);
}

TEST_F(two_brokers, created_topic_is_seen_by_the_other_broker) {
  auto created = a_->create_topic(
      {.name = "orders", .replication_factor = 2, .configs = {{"retention.ms", "1000"}}}, false);
  ASSERT_TRUE(created.ok()) << created.message();
  ASSERT_EQ(created->partitions.size(), 2u);  // the default
  EXPECT_FALSE(created->id.is_zero());
  for (const auto& p : created->partitions) {
    EXPECT_EQ(p.replicas.size(), 2u);
    EXPECT_EQ(p.leader, -1);  // the controller elects
    EXPECT_TRUE(p.isr.empty());
  }
  // The writer reads its own write at once; the other broker through its watch.
  ASSERT_TRUE(a_->topic("orders").has_value());
  ASSERT_TRUE(eventually([&] { return b_->topic("orders").has_value(); }));
  auto seen = *b_->topic("orders");
  EXPECT_EQ(seen.id, created->id);
  EXPECT_EQ(seen.partitions[1].replicas, created->partitions[1].replicas);
  EXPECT_EQ(seen.configs.at("retention.ms"), "1000");
  EXPECT_EQ(b_->topic_by_id(created->id)->name, "orders");
  EXPECT_TRUE(
      eventually([&] { return changes_b_.saw(metadata_change::kind::topic_created, "orders"); }));

  // Kafka's znodes, as Kafka writes them.
  auto assignment = nlohmann::json::parse(zk_a_->get("/brokers/topics/orders")->data);
  EXPECT_EQ(assignment["version"], 3);
  EXPECT_EQ(assignment["topic_id"], created->id.to_base64());
  EXPECT_EQ(assignment["partitions"]["0"].size(), 2u);
  EXPECT_EQ(zk_a_->get("/config/topics/orders")->data,
            R"({"version":1,"config":{"retention.ms":"1000"}})");

  // The controller writes the partition state; both brokers pick it up.
  zk_layout::leader_and_isr state{
      .leader = 2, .leader_epoch = 0, .isr = {2, 1}, .controller_epoch = 1};
  ASSERT_TRUE(zk_a_
                  ->create_recursive("/brokers/topics/orders/partitions/1/state",
                                     zk_layout::encode_partition_state(state))
                  .ok());
  ASSERT_TRUE(eventually([&] { return b_->topic("orders")->partitions[1].leader == 2; }));
  EXPECT_EQ(b_->topic("orders")->partitions[1].isr, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(b_->topic("orders")->partitions[0].leader, -1);
  EXPECT_TRUE(
      eventually([&] { return changes_b_.saw(metadata_change::kind::leadership, "orders"); }));
  state.leader_epoch = 1;
  state.isr = {2};
  ASSERT_TRUE(zk_a_
                  ->set("/brokers/topics/orders/partitions/1/state",
                        zk_layout::encode_partition_state(state))
                  .ok());
  ASSERT_TRUE(eventually([&] { return a_->topic("orders")->partitions[1].leader_epoch == 1; }));
  EXPECT_EQ(a_->topic("orders")->partitions[1].partition_epoch, 1);
  EXPECT_EQ(a_->topic("orders")->partitions[1].isr, std::vector<int32_t>{2});
}

TEST_F(two_brokers, create_topic_validates_like_the_embedded_store) {
  auto too_many = a_->create_topic({.name = "wide", .replication_factor = 3}, false);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.code(), errc::invalid_replication_factor);
  EXPECT_EQ(too_many.message(), "Replication factor: 3 larger than available brokers: 2.");

  EXPECT_EQ(a_->create_topic({.name = "bad/name"}, false).code(), errc::invalid_topic);
  EXPECT_EQ(a_->create_topic({.name = "zero", .partitions = 0}, false).code(),
            errc::invalid_partitions);
  EXPECT_EQ(a_->create_topic({.name = "cfg", .configs = {{"bogus", "1"}}}, false).code(),
            errc::invalid_config);
  EXPECT_EQ(a_->create_topic({.name = "both", .partitions = 1, .assignment = {{1}}}, false).code(),
            errc::invalid_request);
  auto unknown_broker = a_->create_topic({.name = "manual", .assignment = {{1, 7}}}, false);
  EXPECT_EQ(unknown_broker.code(), errc::invalid_replica_assignment);

  auto dry = a_->create_topic({.name = "dry", .partitions = 3}, true);
  ASSERT_TRUE(dry.ok()) << dry.message();
  EXPECT_EQ(dry->partitions.size(), 3u);
  EXPECT_FALSE(zk_a_->exists("/brokers/topics/dry")->has_value());
  EXPECT_FALSE(zk_a_->exists("/config/topics/dry")->has_value());
  EXPECT_FALSE(a_->topic("dry").has_value());

  auto manual = a_->create_topic({.name = "manual", .assignment = {{2, 1}, {1, 2}}}, false);
  ASSERT_TRUE(manual.ok()) << manual.message();
  EXPECT_EQ(a_->topic("manual")->partitions[0].replicas, (std::vector<int32_t>{2, 1}));
  auto again = b_->create_topic({.name = "manual"}, false);
  ASSERT_TRUE(eventually([&] { return b_->topic("manual").has_value(); }));
  again = b_->create_topic({.name = "manual"}, false);
  EXPECT_EQ(again.code(), errc::topic_exists);
  ASSERT_TRUE(a_->create_topic({.name = "a.b"}, false).ok());
  EXPECT_EQ(a_->create_topic({.name = "a_b"}, false).code(), errc::invalid_topic);
}

TEST_F(two_brokers, topic_configs_are_written_and_announced) {
  ASSERT_TRUE(a_->create_topic({.name = "logs"}, false).ok());
  ASSERT_TRUE(eventually([&] { return b_->topic("logs").has_value(); }));
  EXPECT_TRUE(b_->topic("logs")->configs.empty());

  EXPECT_EQ(a_->set_topic_configs("logs", {{"bogus", "x"}}).code(), errc::invalid_config);
  EXPECT_EQ(a_->set_topic_configs("nope", {{"retention.ms", "5"}}).code(), errc::unknown_topic);
  ASSERT_TRUE(a_->set_topic_configs("logs", {{"cleanup.policy", "compact"}}).ok());
  EXPECT_EQ(a_->topic("logs")->configs.at("cleanup.policy"), "compact");
  ASSERT_TRUE(eventually([&] { return b_->topic("logs")->configs.contains("cleanup.policy"); }));
  EXPECT_TRUE(
      eventually([&] { return changes_b_.saw(metadata_change::kind::configs_changed, "logs"); }));
  EXPECT_EQ(zk_a_->get("/config/topics/logs")->data,
            R"({"version":1,"config":{"cleanup.policy":"compact"}})");
  auto notices = zk_a_->children("/config/changes");
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(zk_a_->get("/config/changes/" + notices->front())->data,
            R"({"version":2,"entity_path":"topics/logs"})");

  // Replacing drops keys not given.
  ASSERT_TRUE(a_->set_topic_configs("logs", {{"retention.ms", "10"}}).ok());
  ASSERT_TRUE(eventually([&] { return !b_->topic("logs")->configs.contains("cleanup.policy"); }));
  EXPECT_EQ(b_->topic("logs")->configs.at("retention.ms"), "10");
}

TEST_F(two_brokers, dynamic_broker_configs_reach_the_brokers_they_concern) {
  // The cluster-wide default: written by A, seen and announced on B.
  ASSERT_TRUE(a_->set_broker_configs(std::nullopt, {{"log.retention.ms", "1000"}}).ok());
  EXPECT_EQ(a_->broker_configs(std::nullopt).at("log.retention.ms"), "1000");
  ASSERT_TRUE(eventually([&] { return b_->broker_configs(std::nullopt).size() == 1; }));
  EXPECT_TRUE(eventually(
      [&] { return changes_b_.saw(metadata_change::kind::broker_configs_changed, ""); }));
  EXPECT_EQ(zk_a_->get("/config/brokers/<default>")->data,
            R"({"version":1,"config":{"log.retention.ms":"1000"}})");
  auto notices = zk_a_->children("/config/changes");
  ASSERT_TRUE(notices.ok());
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(zk_a_->get("/config/changes/" + notices->front())->data,
            R"({"version":2,"entity_path":"brokers/<default>"})");

  // Broker 2's own set: B sees it; A does not keep other brokers' sets.
  ASSERT_TRUE(b_->set_broker_configs(2, {{"log.segment.bytes", "1048576"}}).ok());
  EXPECT_EQ(b_->broker_configs(2).at("log.segment.bytes"), "1048576");
  EXPECT_TRUE(a_->broker_configs(2).empty());
  EXPECT_EQ(zk_a_->get("/config/brokers/2")->data,
            R"({"version":1,"config":{"log.segment.bytes":"1048576"}})");

  // A tool writing the znode directly (as Kafka's ZooKeeper-era kafka-configs did) is picked up.
  ASSERT_TRUE(zk_a_->set("/config/brokers/2", R"({"version":1,"config":{}})").ok());
  ASSERT_TRUE(eventually([&] { return b_->broker_configs(2).empty(); }));

  // An empty set clears the default everywhere.
  ASSERT_TRUE(b_->set_broker_configs(std::nullopt, {}).ok());
  ASSERT_TRUE(eventually([&] { return a_->broker_configs(std::nullopt).empty(); }));
}

TEST_F(two_brokers, client_configs_are_stored_as_kafka_stores_them) {
  auto set = [](std::string key, std::string value) {
    return [key, value](const config_map& m) -> result<config_map> {
      config_map next = m;
      next[key] = value;
      return next;
    };
  };
  // Another writer's key in the same znode (SCRAM credentials) stays.
  ASSERT_TRUE(zk_a_
                  ->create_recursive("/config/users/alice",
                                     R"({"version":1,"config":{"SCRAM-SHA-256":"s"}})")
                  .ok());
  ASSERT_TRUE(a_->update_client_configs("users/alice", set("producer_byte_rate", "1024")).ok());
  ASSERT_TRUE(
      a_->update_client_configs("users/alice/clients/<default>", set("consumer_byte_rate", "5"))
          .ok());
  ASSERT_TRUE(a_->update_client_configs("clients/c%2F1", set("request_percentage", "50")).ok());
  EXPECT_EQ(zk_a_->get("/config/users/alice")->data,
            R"({"version":1,"config":{"SCRAM-SHA-256":"s","producer_byte_rate":"1024"}})");
  auto all = b_->client_configs();
  ASSERT_TRUE(all.ok()) << all.message();
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at("users/alice/clients/<default>").at("consumer_byte_rate"), "5");
  EXPECT_EQ(all->at("clients/c%2F1").at("request_percentage"), "50");
  EXPECT_TRUE(eventually(
      [&] { return changes_b_.saw(metadata_change::kind::client_configs_changed, ""); }));
  auto notices = zk_a_->children("/config/changes");
  ASSERT_TRUE(notices.ok());
  EXPECT_EQ(notices->size(), 3u);
}

TEST_F(two_brokers, concurrent_config_edits_from_two_brokers_lose_nothing) {
  ASSERT_TRUE(a_->create_topic({.name = "edited"}, false).ok());
  ASSERT_TRUE(eventually([&] { return b_->topic("edited").has_value(); }));
  // Each edit adds one key to whatever is stored: a lost update would drop some key.
  auto add = [](std::string key) {
    return [key](const config_map& current) -> result<config_map> {
      auto next = current;
      next[key] = "1";
      return next;
    };
  };
  constexpr int per_broker = 15;
  auto writer = [&](metadata_store& store, const char* prefix, std::optional<int32_t> broker) {
    for (int i = 0; i < per_broker; ++i) {
      auto key = fmt::format("{}{}", prefix, i);
      EXPECT_TRUE(store.update_topic_configs("edited", add(key)).ok());
      EXPECT_TRUE(store.update_broker_configs(broker, add(key)).ok());
    }
  };
  std::thread ta(writer, std::ref(*a_), "a", std::nullopt);
  std::thread tb(writer, std::ref(*b_), "b", std::nullopt);
  ta.join();
  tb.join();
  auto stored = zk_layout::decode_entity_config(zk_a_->get("/config/topics/edited")->data);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 2u * per_broker);
  stored = zk_layout::decode_entity_config(zk_a_->get("/config/brokers/<default>")->data);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 2u * per_broker);
  // An edit's error is returned as is and nothing is written.
  auto refuse = [](const config_map&) -> result<config_map> {
    return fail(errc::invalid_config, "no thanks");
  };
  auto refused = a_->update_topic_configs("edited", refuse);
  EXPECT_EQ(refused.code(), errc::invalid_config);
  EXPECT_EQ(refused.message(), "no thanks");
  EXPECT_EQ(a_->topic("edited")->configs.size(), 2u * per_broker);
}

TEST_F(two_brokers, delete_writes_the_request_and_the_controller_finishes_it) {
  ASSERT_TRUE(a_->create_topic({.name = "doomed"}, false).ok());
  ASSERT_TRUE(eventually([&] { return b_->topic("doomed").has_value(); }));
  EXPECT_EQ(a_->delete_topic("ghost").code(), errc::unknown_topic);
  ASSERT_TRUE(a_->create_topic({.name = "__consumer_offsets"}, false).ok());
  EXPECT_TRUE(a_->topic("__consumer_offsets")->internal);
  EXPECT_EQ(a_->delete_topic("__consumer_offsets").code(), errc::internal_topic);

  ASSERT_TRUE(a_->delete_topic("doomed").ok());
  EXPECT_TRUE(zk_a_->exists("/admin/delete_topics/doomed")->has_value());
  EXPECT_TRUE(a_->delete_topic("doomed").ok());  // already requested
  // Until the controller acts the topic stays, and cannot be created again.
  EXPECT_TRUE(b_->topic("doomed").has_value());

  // What the controller does: remove the topic's znodes, then the request.
  ASSERT_TRUE(zk_a_->remove_recursive("/brokers/topics/doomed").ok());
  ASSERT_TRUE(zk_a_->remove_recursive("/config/topics/doomed").ok());
  ASSERT_TRUE(eventually([&] { return !b_->topic("doomed").has_value(); }));
  EXPECT_TRUE(eventually([&] { return !a_->topic("doomed").has_value(); }));
  // Watchers hear of it right after the cache changed.
  EXPECT_TRUE(
      eventually([&] { return changes_b_.saw(metadata_change::kind::topic_deleted, "doomed"); }));
  EXPECT_EQ(a_->create_topic({.name = "doomed"}, false).code(), errc::topic_exists);
  ASSERT_TRUE(zk_a_->remove("/admin/delete_topics/doomed").ok());
  auto reborn = a_->create_topic({.name = "doomed"}, false);
  ASSERT_TRUE(reborn.ok()) << reborn.message();
  ASSERT_TRUE(eventually([&] {
    auto t = b_->topic("doomed");
    return t && t->id == reborn->id;
  }));
}

TEST_F(zk_store_test, deletion_can_be_disabled) {
  auto zk = session();
  ASSERT_TRUE(zk);
  auto o = options(1);
  o.delete_topic_enable = false;
  auto store = zk_metadata_store::open(o, *zk, "", "");
  ASSERT_TRUE(store.ok()) << store.message();
  ASSERT_TRUE((*store)->register_broker(broker(1)).ok());
  ASSERT_TRUE((*store)->create_topic({.name = "kept"}, false).ok());
  EXPECT_EQ((*store)->delete_topic("kept").code(), errc::deletion_disabled);
  EXPECT_FALSE(zk->exists("/admin/delete_topics/kept")->has_value());
}

TEST_F(two_brokers, create_partitions_extends_the_assignment) {
  ASSERT_TRUE(
      a_->create_topic({.name = "grow", .partitions = 2, .replication_factor = 2}, false).ok());
  EXPECT_EQ(a_->create_partitions("grow", 2, {}, false).code(), errc::invalid_partitions);
  EXPECT_EQ(a_->create_partitions("grow", 1, {}, false).code(), errc::invalid_partitions);
  EXPECT_EQ(a_->create_partitions("nope", 5, {}, false).code(), errc::unknown_topic);
  EXPECT_EQ(a_->create_partitions("grow", 3, {{1, 9}}, false).code(),
            errc::invalid_replica_assignment);
  ASSERT_TRUE(a_->create_partitions("grow", 4, {}, true).ok());
  EXPECT_EQ(a_->topic("grow")->partitions.size(), 2u);

  ASSERT_TRUE(a_->create_partitions("grow", 4, {}, false).ok());
  EXPECT_EQ(a_->topic("grow")->partitions.size(), 4u);
  ASSERT_TRUE(eventually([&] { return b_->topic("grow")->partitions.size() == 4; }));
  EXPECT_EQ(b_->topic("grow")->partitions[3].replicas.size(), 2u);
  EXPECT_TRUE(
      eventually([&] { return changes_b_.saw(metadata_change::kind::partitions_added, "grow"); }));
  ASSERT_TRUE(b_->create_partitions("grow", 5, {{2, 1}}, false).ok());
  ASSERT_TRUE(eventually([&] { return a_->topic("grow")->partitions.size() == 5; }));
  EXPECT_EQ(a_->topic("grow")->partitions[4].replicas, (std::vector<int32_t>{2, 1}));
  auto doc = nlohmann::json::parse(zk_a_->get("/brokers/topics/grow")->data);
  EXPECT_EQ(doc["partitions"].size(), 5u);
  EXPECT_EQ(doc["topic_id"], a_->topic("grow")->id.to_base64());
}

TEST_F(two_brokers, controller_id_follows_the_controller_znode) {
  EXPECT_EQ(a_->controller_id(), -1);
  ASSERT_TRUE(
      zk_b_->create("/controller", zk_layout::encode_controller(2, 1), zk_create_mode::ephemeral)
          .ok());
  ASSERT_TRUE(eventually([&] { return a_->controller_id() == 2 && b_->controller_id() == 2; }));
  ASSERT_TRUE(zk_b_->remove("/controller").ok());
  ASSERT_TRUE(eventually([&] { return a_->controller_id() == -1; }));
}

TEST_F(zk_store_test, cluster_id_is_created_once_and_checked) {
  auto zk = session();
  ASSERT_TRUE(zk);
  auto first = open(*zk, 1, "", "Xy7mWXuKQnGv3XUyPxa0NA");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->cluster_id(), "Xy7mWXuKQnGv3XUyPxa0NA");
  EXPECT_EQ(zk->get("/cluster/id")->data, R"({"version":"1","id":"Xy7mWXuKQnGv3XUyPxa0NA"})");
  // Later brokers adopt it; their own proposal is ignored.
  auto second = open(*zk, 2, "", "AAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->cluster_id(), "Xy7mWXuKQnGv3XUyPxa0NA");
  EXPECT_TRUE(open(*zk, 3, "Xy7mWXuKQnGv3XUyPxa0NA"));

  auto wrong = zk_metadata_store::open(options(4), *zk, "OtherClusterIdxxxxxxxx", "");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.code(), errc::storage_failed);
  EXPECT_NE(wrong.message().find("Xy7mWXuKQnGv3XUyPxa0NA"), std::string::npos) << wrong.message();
  EXPECT_NE(wrong.message().find("OtherClusterIdxxxxxxxx"), std::string::npos) << wrong.message();
}

TEST_F(two_brokers, session_expiry_re_registers_and_keeps_watching) {
  const auto old_epoch = a_->broker_epoch();
  const auto old_session = zk_a_->session_id();
  ASSERT_TRUE(zk_a_->expire_for_testing().ok());
  EXPECT_NE(zk_a_->session_id(), old_session);
  ASSERT_TRUE(eventually([&] { return a_->broker_epoch() > old_epoch; }));
  ASSERT_TRUE(eventually([&] {
    auto node = zk_b_->get("/brokers/ids/1");
    return node.ok() && node->stat.ephemeral_owner == zk_a_->session_id();
  }));
  EXPECT_TRUE(eventually([&] { return b_->brokers().size() == 2 && a_->brokers().size() == 2; }));
  // a's watches were armed again on the new session.
  ASSERT_TRUE(b_->create_topic({.name = "after"}, false).ok());
  EXPECT_TRUE(eventually([&] { return a_->topic("after").has_value(); }));
}

TEST_F(two_brokers, producer_id_blocks_never_overlap_between_brokers) {
  // Both brokers claim blocks at once: the conditional update makes each block unique.
  std::vector<producer_id_block> from_a, from_b;
  std::thread ta([&] {
    for (int i = 0; i < 10; ++i) {
      auto block = a_->allocate_producer_ids(1);
      ASSERT_TRUE(block.ok()) << block.message();
      from_a.push_back(*block);
    }
  });
  for (int i = 0; i < 10; ++i) {
    auto block = b_->allocate_producer_ids(2);
    ASSERT_TRUE(block.ok()) << block.message();
    from_b.push_back(*block);
  }
  ta.join();
  std::set<int64_t> starts;
  for (const auto& b : from_a) {
    EXPECT_EQ(b.broker, 1);
    EXPECT_EQ(b.size(), producer_id_block_size);
    starts.insert(b.first);
  }
  for (const auto& b : from_b) starts.insert(b.first);
  ASSERT_EQ(starts.size(), 20u);
  int64_t expected = 0;
  for (int64_t s : starts) {
    EXPECT_EQ(s, expected);
    expected += producer_id_block_size;
  }
  auto node = zk_a_->get("/latest_producer_id_block");
  ASSERT_TRUE(node.ok());
  auto last = zk_layout::decode_producer_id_block(node->data);
  ASSERT_TRUE(last.ok()) << node->data;
  EXPECT_EQ(last->last, 20 * producer_id_block_size - 1);
}

}  // namespace
}  // namespace sluice::cluster
