#include "cluster/embedded_metadata_store.h"

#include <gtest/gtest.h>

#include <thread>

#include <filesystem>

#include "cluster/topic_name.h"

namespace sluice::cluster {
namespace {

class embedded_store_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-meta-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  embedded_options options() {
    embedded_options o;
    o.dir = dir_;
    o.self.id = 7;
    o.self.endpoints.push_back({"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 9092});
    o.default_partitions = 3;
    o.validate_config = [](const std::string& k, const std::string&) -> std::optional<std::string> {
      if (k == "bogus") return "Unknown topic config name: bogus";
      return std::nullopt;
    };
    return o;
  }

  std::filesystem::path dir_;
};

TEST_F(embedded_store_test, creates_topics_with_defaults_and_survives_reopen) {
  std::string cluster;
  protocol::uuid id;
  {
    auto store = embedded_metadata_store::open(options());
    ASSERT_TRUE(store.ok());
    cluster = (*store)->cluster_id();
    EXPECT_EQ(cluster.size(), 22u);
    auto t =
        (*store)->create_topic({.name = "orders", .configs = {{"retention.ms", "1000"}}}, false);
    ASSERT_TRUE(t.ok()) << t.message();
    EXPECT_EQ(t->partitions.size(), 3u);
    EXPECT_EQ(t->partitions[2].leader, 7);
    EXPECT_FALSE(t->id.is_zero());
    id = t->id;
  }
  auto store = embedded_metadata_store::open(options());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->cluster_id(), cluster);
  auto t = (*store)->topic("orders");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->id, id);
  EXPECT_EQ(t->configs.at("retention.ms"), "1000");
  EXPECT_EQ(t->partitions.size(), 3u);
  EXPECT_TRUE((*store)->topic_by_id(id).has_value());
}

TEST_F(embedded_store_test, refuses_what_kafka_refuses) {
  auto store = std::move(embedded_metadata_store::open(options())).value();
  ASSERT_TRUE(store->create_topic({.name = "a.b"}, false).ok());
  EXPECT_EQ(store->create_topic({.name = "a.b"}, false).code(), errc::topic_exists);
  EXPECT_EQ(store->create_topic({.name = "a.b", .partitions = 0}, false).code(),
            errc::topic_exists);
  EXPECT_EQ(store->create_topic({.name = "a_b"}, false).code(), errc::invalid_topic);
  EXPECT_EQ(store->create_topic({.name = "bad name"}, false).code(), errc::invalid_topic);
  EXPECT_EQ(store->create_topic({.name = std::string(250, 'x')}, false).code(),
            errc::invalid_topic);
  EXPECT_EQ(store->create_topic({.name = "p", .partitions = 0}, false).code(),
            errc::invalid_partitions);
  EXPECT_EQ(store->create_topic({.name = "r", .replication_factor = 3}, false).code(),
            errc::invalid_replication_factor);
  EXPECT_EQ(store->create_topic({.name = "c", .configs = {{"bogus", "1"}}}, false).code(),
            errc::invalid_config);
  EXPECT_EQ(store->create_topic({.name = "x", .assignment = {{7}, {8}}}, false).code(),
            errc::invalid_replica_assignment);
  EXPECT_EQ(store->create_topic({.name = "x", .partitions = 2, .assignment = {{7}}}, false).code(),
            errc::invalid_request);
  EXPECT_TRUE(store->create_topic({.name = "v"}, true).ok());
  EXPECT_FALSE(store->topic("v").has_value());
}

TEST_F(embedded_store_test, deletes_grows_and_reconfigures_with_notifications) {
  auto store = std::move(embedded_metadata_store::open(options())).value();
  std::vector<metadata_change::kind> seen;
  store->watch([&](const metadata_change& c) { seen.push_back(c.what); });
  ASSERT_TRUE(store->create_topic({.name = "t", .partitions = 1}, false).ok());
  EXPECT_EQ(store->create_partitions("t", 1, {}, false).code(), errc::invalid_partitions);
  ASSERT_TRUE(store->create_partitions("t", 4, {}, false).ok());
  EXPECT_EQ(store->topic("t")->partitions.size(), 4u);
  ASSERT_TRUE(store->set_topic_configs("t", {{"cleanup.policy", "compact"}}).ok());
  EXPECT_EQ(store->topic("t")->configs.at("cleanup.policy"), "compact");
  ASSERT_TRUE(store->delete_topic("t").ok());
  EXPECT_EQ(store->delete_topic("t").code(), errc::unknown_topic);
  EXPECT_FALSE(store->topic("t").has_value());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0], metadata_change::kind::topic_created);
  EXPECT_EQ(seen[3], metadata_change::kind::topic_deleted);
}

TEST_F(embedded_store_test, dynamic_broker_configs_survive_a_reopen) {
  {
    auto store = std::move(embedded_metadata_store::open(options())).value();
    int changes = 0;
    store->watch([&](const metadata_change& c) {
      if (c.what == metadata_change::kind::broker_configs_changed) ++changes;
    });
    EXPECT_TRUE(store->broker_configs(std::nullopt).empty());
    ASSERT_TRUE(store->set_broker_configs(std::nullopt, {{"log.retention.ms", "5000"}}).ok());
    ASSERT_TRUE(store->set_broker_configs(1, {{"log.segment.bytes", "1048576"}}).ok());
    ASSERT_TRUE(store->set_broker_configs(1, {}).ok());
    ASSERT_TRUE(store->set_broker_configs(1, {{"min.insync.replicas", "2"}}).ok());
    EXPECT_EQ(changes, 4);
  }
  auto again = std::move(embedded_metadata_store::open(options())).value();
  EXPECT_EQ(again->broker_configs(std::nullopt), (config_map{{"log.retention.ms", "5000"}}));
  EXPECT_EQ(again->broker_configs(1), (config_map{{"min.insync.replicas", "2"}}));
  EXPECT_TRUE(again->broker_configs(7).empty());
}

TEST_F(embedded_store_test, concurrent_config_edits_lose_nothing) {
  auto store = std::move(embedded_metadata_store::open(options())).value();
  ASSERT_TRUE(store->create_topic({.name = "t", .partitions = 1}, false).ok());
  auto writer = [&](char prefix) {
    for (int i = 0; i < 20; ++i) {
      std::string key = std::string(1, prefix) + std::to_string(i);
      auto edit = [&](const config_map& current) -> result<config_map> {
        auto next = current;
        next[key] = "1";
        return next;
      };
      EXPECT_TRUE(store->update_topic_configs("t", edit).ok());
      // An edit may read the store without deadlocking.
      auto reading = [&](const config_map& current) -> result<config_map> {
        auto next = current;
        next[key] = std::to_string(store->broker_configs(std::nullopt).size());
        return next;
      };
      EXPECT_TRUE(store->update_broker_configs(std::nullopt, reading).ok());
    }
  };
  std::thread a(writer, 'a'), b(writer, 'b');
  a.join();
  b.join();
  EXPECT_EQ(store->topic("t")->configs.size(), 40u);
  EXPECT_EQ(store->broker_configs(std::nullopt).size(), 40u);
}

TEST_F(embedded_store_test, a_watcher_may_change_configs_itself) {
  auto store = std::move(embedded_metadata_store::open(options())).value();
  ASSERT_TRUE(store->create_topic({.name = "t", .partitions = 1}, false).ok());
  bool reacted = false;
  store->watch([&](const metadata_change& c) {
    if (c.what != metadata_change::kind::configs_changed || reacted) return;
    reacted = true;  // e.g. a broker mirroring a topic change into its dynamic configs
    EXPECT_TRUE(store->set_broker_configs(std::nullopt, {{"log.retention.ms", "1"}}).ok());
  });
  ASSERT_TRUE(store->set_topic_configs("t", {{"retention.ms", "5"}}).ok());
  EXPECT_TRUE(reacted);
  EXPECT_EQ(store->broker_configs(std::nullopt).size(), 1u);
}

TEST_F(embedded_store_test, registration_replaces_the_advertised_endpoints) {
  auto store = std::move(embedded_metadata_store::open(options())).value();
  broker_info self;
  self.id = 7;
  self.endpoints.push_back({"PLAINTEXT", "PLAINTEXT", "127.0.0.1", 40123});
  ASSERT_TRUE(store->register_broker(self).ok());
  ASSERT_EQ(store->brokers().size(), 1u);
  EXPECT_EQ(store->brokers()[0].endpoints[0].port, 40123);
  self.id = 8;
  EXPECT_FALSE(store->register_broker(self).ok());
}

TEST_F(embedded_store_test, corrupt_state_file_is_refused) {
  {
    auto store = embedded_metadata_store::open(options());
    ASSERT_TRUE(store.ok());
  }
  std::FILE* f = std::fopen((dir_ / "sluice-metadata.json").c_str(), "w");
  std::fputs("{ not json", f);
  std::fclose(f);
  auto store = embedded_metadata_store::open(options());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.code(), errc::storage_failed);
}

TEST(topic_name, rules) {
  EXPECT_TRUE(validate_topic_name("my-topic_1.x").ok());
  EXPECT_FALSE(validate_topic_name("").ok());
  EXPECT_FALSE(validate_topic_name(".").ok());
  EXPECT_FALSE(validate_topic_name("..").ok());
  EXPECT_FALSE(validate_topic_name("a/b").ok());
  EXPECT_TRUE(validate_topic_name(std::string(249, 'a')).ok());
  EXPECT_TRUE(is_internal_topic("__consumer_offsets"));
  EXPECT_FALSE(is_internal_topic("consumer_offsets"));
}

TEST_F(embedded_store_test, producer_id_blocks_survive_a_restart) {
  {
    auto store = embedded_metadata_store::open(options());
    ASSERT_TRUE(store.ok()) << store.message();
    auto a = (*store)->allocate_producer_ids(7);
    auto b = (*store)->allocate_producer_ids(7);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, (producer_id_block{7, 0, 999}));
    EXPECT_EQ(*b, (producer_id_block{7, 1000, 1999}));
  }
  auto reopened = embedded_metadata_store::open(options());
  ASSERT_TRUE(reopened.ok()) << reopened.message();
  auto c = (*reopened)->allocate_producer_ids(7);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first, 2000);  // never an id handed out before the restart
}

}  // namespace
}  // namespace sluice::cluster

namespace sluice::cluster {
namespace {

TEST_F(embedded_store_test, client_configs_are_kept_whole_and_survive_reopen) {
  int changes = 0;
  {
    auto store = std::move(embedded_metadata_store::open(options())).value();
    store->watch([&](const metadata_change& c) {
      if (c.what == metadata_change::kind::client_configs_changed) ++changes;
    });
    ASSERT_TRUE(store
                    ->update_client_configs("users/alice",
                                            [](const config_map& m) -> result<config_map> {
                                              config_map next = m;
                                              next["SCRAM-SHA-256"] = "salt=x,iterations=8192";
                                              return next;
                                            })
                    .ok());
    ASSERT_TRUE(store
                    ->update_client_configs("users/alice",
                                            [](const config_map& m) -> result<config_map> {
                                              config_map next = m;
                                              next["producer_byte_rate"] = "1024";
                                              return next;
                                            })
                    .ok());
    EXPECT_EQ(changes, 2);
  }
  auto store = std::move(embedded_metadata_store::open(options())).value();
  auto all = store->client_configs();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("users/alice"), (config_map{{"SCRAM-SHA-256", "salt=x,iterations=8192"},
                                                {"producer_byte_rate", "1024"}}));
  ASSERT_TRUE(
      store
          ->update_client_configs(
              "users/alice", [](const config_map&) -> result<config_map> { return config_map{}; })
          .ok());
  EXPECT_TRUE(store->client_configs()->empty());
}

}  // namespace
}  // namespace sluice::cluster
