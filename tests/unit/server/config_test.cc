#include "server/config.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::server {
namespace {

std::string test_hostname() {
  return "broker-host.example";
}

result<server_config> load(std::vector<std::pair<std::string, std::string>> file,
                           std::vector<std::pair<std::string, std::string>> overrides = {}) {
  std::vector<property> f, o;
  for (auto& [k, v] : file) f.push_back(property{k, v, 1});
  for (auto& [k, v] : overrides) o.push_back(property{k, v, 0});
  return load_config(f, o, test_hostname);
}

broker_config typed(std::vector<std::pair<std::string, std::string>> file) {
  auto c = load(std::move(file));
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.message());
  return c.ok() ? c->typed() : broker_config{};
}

std::string error_of(std::vector<std::pair<std::string, std::string>> file) {
  auto c = load(std::move(file));
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.message();
}

TEST(config, defaults_are_kafkas) {
  auto c = load({});
  ASSERT_TRUE(c.ok()) << c.message();
  const broker_config& t = c->typed();
  EXPECT_EQ(t.broker_id, -1);
  EXPECT_EQ(t.log_dirs, std::vector<std::string>{"/tmp/kafka-logs"});
  EXPECT_EQ(t.num_network_threads, 3);
  EXPECT_EQ(t.num_io_threads, 8);
  EXPECT_EQ(t.socket_request_max_bytes, 104857600);
  EXPECT_EQ(t.connections_max_idle_ms, 600000);
  EXPECT_EQ(t.message_max_bytes, 1048588);
  EXPECT_EQ(t.log_segment_bytes, 1073741824);
  EXPECT_EQ(t.log_retention_ms, 168LL * 3600 * 1000);
  EXPECT_EQ(t.log_roll_ms, 168LL * 3600 * 1000);
  EXPECT_EQ(t.log_retention_bytes, -1);
  EXPECT_EQ(t.log_cleanup_policy, std::vector<std::string>{"delete"});
  EXPECT_EQ(t.log_cleaner_min_cleanable_ratio, 0.5);
  EXPECT_EQ(t.offsets_topic_num_partitions, 50);
  EXPECT_EQ(t.offsets_topic_replication_factor, 3);
  EXPECT_EQ(t.transaction_state_log_min_isr, 2);
  EXPECT_EQ(t.group_max_size, INT32_MAX);
  EXPECT_EQ(t.log_flush_interval_messages, INT64_MAX);
  EXPECT_EQ(t.log_flush_interval_ms, INT64_MAX);
  EXPECT_FALSE(t.zookeeper_connect.has_value());
  EXPECT_EQ(t.zookeeper_connection_timeout_ms, 18000);
  ASSERT_EQ(t.listeners.size(), 1u);
  EXPECT_EQ(t.listeners[0].to_string(), "PLAINTEXT://:9092");
  ASSERT_EQ(t.advertised_listeners.size(), 1u);
  EXPECT_EQ(t.advertised_listeners[0].to_string(), "PLAINTEXT://broker-host.example:9092");
  EXPECT_EQ(t.inter_broker_listener_name, "PLAINTEXT");
  EXPECT_EQ(t.metrics_listener.to_string(), "http://127.0.0.1:9644");
  EXPECT_TRUE(t.metrics_listener.is_default);
  EXPECT_EQ(c->entries().size(), config_catalogue().size());
  for (const auto& e : c->entries()) EXPECT_EQ(e.source, config_source::default_config);
}

TEST(config, the_shipped_file_gives_a_single_node_broker) {
  auto file =
      load_properties_file(std::filesystem::path(SLUICE_SOURCE_DIR) / "config/server.properties");
  ASSERT_TRUE(file.ok()) << file.message();
  auto c = load_config(*file, {}, test_hostname);
  ASSERT_TRUE(c.ok()) << c.message();
  const broker_config& t = c->typed();
  EXPECT_EQ(t.broker_id, 0);
  EXPECT_EQ(t.listeners[0].to_string(), "PLAINTEXT://:9092");
  // advertised.listeners ships commented out (as Kafka's): a copy with another port advertises it.
  EXPECT_EQ(t.advertised_listeners[0].to_string(), "PLAINTEXT://broker-host.example:9092");
  EXPECT_EQ(t.log_dirs, std::vector<std::string>{"./data"});
  EXPECT_EQ(t.num_partitions, 1);
  EXPECT_EQ(t.offsets_topic_replication_factor, 1);
  EXPECT_EQ(t.transaction_state_log_replication_factor, 1);
  EXPECT_EQ(t.transaction_state_log_min_isr, 1);
  EXPECT_EQ(t.group_initial_rebalance_delay_ms, 0);
  EXPECT_TRUE(c->unknown_keys().empty());
}

TEST(config, overrides_win_over_the_file_and_are_recorded) {
  auto c = load({{"num.partitions", "2"}, {"broker.id", "1"}}, {{"num.partitions", "7"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().num_partitions, 7);
  EXPECT_EQ(c->typed().broker_id, 1);
  const config_entry* e = c->find("num.partitions");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->source, config_source::static_broker_config);
  EXPECT_TRUE(e->overridden);
  EXPECT_EQ(e->text(), "7");
  EXPECT_FALSE(c->find("broker.id")->overridden);
  EXPECT_EQ(c->find("log.retention.ms")->text(), std::nullopt);  // null
  ASSERT_EQ(c->overrides().size(), 1u);
  EXPECT_EQ(c->overrides()[0], (std::pair<std::string, std::string>{"num.partitions", "7"}));
}

TEST(config, later_file_entries_win) {
  EXPECT_EQ(typed({{"num.partitions", "2"}, {"num.partitions", "5"}}).num_partitions, 5);
}

TEST(config, unknown_and_ignored_keys_are_reported_not_fatal) {
  auto c = load({{"zz.unknown", "1"}, {"aa.unknown", "2"}, {"log.message.format.version", "2.8"}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->unknown_keys(), (std::vector<std::string>{"aa.unknown", "zz.unknown"}));
  EXPECT_EQ(c->ignored_keys(), std::vector<std::string>{"log.message.format.version"});
}

TEST(config, values_are_trimmed_and_typed_as_kafka_does) {
  auto t = typed({{"num.partitions", " 4 "},
                  {"auto.create.topics.enable", "FALSE"},
                  {"log.cleanup.policy", " compact , delete "},
                  {"log.cleaner.min.cleanable.ratio", "0.25"},
                  {"log.dirs", " /a , /b,, "}});
  EXPECT_EQ(t.num_partitions, 4);
  EXPECT_FALSE(t.auto_create_topics_enable);
  EXPECT_EQ(t.log_cleanup_policy, (std::vector<std::string>{"compact", "delete"}));
  EXPECT_EQ(t.log_cleaner_min_cleanable_ratio, 0.25);
  EXPECT_EQ(t.log_dirs, (std::vector<std::string>{"/a", "/b"}));
}

// Every key with a type that can be wrong: a bad value fails, naming the key, value and reason.
TEST(config, every_type_error_names_the_key_and_value) {
  for (const auto& k : config_catalogue()) {
    if (k.type == config_type::string || k.type == config_type::list ||
        k.type == config_type::password) {
      continue;
    }
    std::string message = error_of({{k.name, "not-a-value"}});
    EXPECT_NE(message.find(k.name), std::string::npos) << message;
    EXPECT_NE(message.find("'not-a-value'"), std::string::npos) << message;
  }
  EXPECT_NE(error_of({{"num.partitions", "99999999999"}}).find("INT"), std::string::npos);
  EXPECT_NE(error_of({{"offsets.topic.replication.factor", "40000"}}).find("SHORT"),
            std::string::npos);
}

// Every key with a lower bound: one below it fails, naming the key and the bound.
TEST(config, every_range_error_names_the_key) {
  for (const auto& k : config_catalogue()) {
    if (k.valid.text.rfind("[", 0) != 0 || k.valid.text.find(",...]") == std::string::npos ||
        k.type == config_type::double_) {
      continue;
    }
    int64_t min = std::stoll(k.valid.text.substr(1));
    std::string below = std::to_string(min - 1);
    std::string message = error_of({{k.name, below}});
    EXPECT_NE(message.find(k.name), std::string::npos) << k.name << ": " << message;
    EXPECT_NE(message.find("at least " + std::to_string(min)), std::string::npos) << message;
  }
  EXPECT_NE(error_of({{"log.cleaner.min.cleanable.ratio", "1.5"}})
                .find("log.cleaner.min.cleanable.ratio"),
            std::string::npos);
  std::string choice = error_of({{"log.message.timestamp.type", "Whenever"}});
  EXPECT_NE(choice.find("[CreateTime, LogAppendTime]"), std::string::npos) << choice;
  std::string policy = error_of({{"log.cleanup.policy", "delete,shred"}});
  EXPECT_NE(policy.find("'shred'"), std::string::npos) << policy;
  EXPECT_NE(error_of({{"log.cleanup.policy", ""}}).find("log.cleanup.policy"), std::string::npos);
}

TEST(config, all_problems_are_reported_together) {
  std::string message = error_of({{"num.partitions", "x"}, {"num.network.threads", "0"}});
  EXPECT_NE(message.find("num.partitions"), std::string::npos);
  EXPECT_NE(message.find("num.network.threads"), std::string::npos);
  EXPECT_NE(message.find('\n'), std::string::npos);
}

TEST(config, retention_precedence_ms_then_minutes_then_hours) {
  EXPECT_EQ(typed({{"log.retention.hours", "2"}}).log_retention_ms, 2 * 3600 * 1000);
  EXPECT_EQ(typed({{"log.retention.hours", "2"}, {"log.retention.minutes", "3"}}).log_retention_ms,
            3 * 60 * 1000);
  EXPECT_EQ(
      typed(
          {{"log.retention.hours", "2"}, {"log.retention.minutes", "3"}, {"log.retention.ms", "4"}})
          .log_retention_ms,
      4);
  EXPECT_EQ(typed({{"log.retention.ms", "-1"}}).log_retention_ms, -1);
  EXPECT_EQ(typed({{"log.retention.minutes", "-5"}}).log_retention_ms, -1);
  EXPECT_EQ(typed({{"log.retention.hours", "-1"}}).log_retention_ms, -1);
  // Zero would delete everything at once: refused, naming the key that decided.
  EXPECT_NE(error_of({{"log.retention.minutes", "0"}}).find("log.retention.minutes"),
            std::string::npos);
  EXPECT_NE(
      error_of({{"log.retention.hours", "1"}, {"log.retention.ms", "0"}}).find("log.retention.ms"),
      std::string::npos);
}

TEST(config, other_precedence_rules) {
  EXPECT_EQ(typed({{"log.roll.hours", "1"}}).log_roll_ms, 3600 * 1000);
  EXPECT_EQ(typed({{"log.roll.hours", "1"}, {"log.roll.ms", "500"}}).log_roll_ms, 500);
  EXPECT_EQ(typed({{"log.dir", "/one"}}).log_dirs, std::vector<std::string>{"/one"});
  EXPECT_EQ(typed({{"log.dir", "/one"}, {"log.dirs", "/two,/three"}}).log_dirs,
            (std::vector<std::string>{"/two", "/three"}));
  EXPECT_NE(error_of({{"log.dirs", " , "}}).find("log.dirs"), std::string::npos);
  EXPECT_EQ(typed({{"log.flush.scheduler.interval.ms", "2000"}}).log_flush_interval_ms, 2000);
  EXPECT_EQ(typed({{"log.flush.scheduler.interval.ms", "2000"}, {"log.flush.interval.ms", "10"}})
                .log_flush_interval_ms,
            10);
  EXPECT_EQ(typed({{"zookeeper.session.timeout.ms", "9000"}}).zookeeper_connection_timeout_ms,
            9000);
  EXPECT_EQ(typed({{"zookeeper.connect", "localhost:2181/kafka-broker"}}).zookeeper_connect,
            "localhost:2181/kafka-broker");
  EXPECT_NE(error_of({{"replica.fetch.wait.max.ms", "40000"}}).find("replica.lag.time.max.ms"),
            std::string::npos);
}

TEST(config, metrics_listener) {
  auto explicit_port = typed({{"metrics.listener", "http://0.0.0.0:9700"}}).metrics_listener;
  EXPECT_EQ(explicit_port.host, "0.0.0.0");
  EXPECT_EQ(explicit_port.port, 9700);
  EXPECT_FALSE(explicit_port.is_default);
  auto all = typed({{"metrics.listener", "http://:9701/"}}).metrics_listener;
  EXPECT_EQ(all.host, "");
  auto v6 = typed({{"metrics.listener", "HTTP://[::1]:9702"}}).metrics_listener;
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.to_string(), "http://[::1]:9702");
  EXPECT_NE(error_of({{"metrics.listener", "https://localhost:9644"}}).find("metrics.listener"),
            std::string::npos);
  EXPECT_NE(error_of({{"metrics.listener", "http://localhost"}}).find("no port"),
            std::string::npos);
}

TEST(config, describe_values_in_kafkas_text_form) {
  auto c =
      load({{"log.cleanup.policy", "compact,delete"}, {"log.cleaner.min.cleanable.ratio", "1"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->find("log.cleanup.policy")->text(), "compact,delete");
  EXPECT_EQ(c->find("log.cleaner.min.cleanable.ratio")->text(), "1.0");
  EXPECT_EQ(c->find("auto.create.topics.enable")->text(), "true");
  EXPECT_EQ(c->find("log.flush.interval.messages")->text(), "9223372036854775807");
  EXPECT_EQ(c->find("no.such.key"), nullptr);
}

TEST(config, topic_synonyms_in_precedence_order) {
  auto retention = broker_synonyms("retention.ms");
  ASSERT_EQ(retention.size(), 3u);
  EXPECT_EQ(retention[0]->name, "log.retention.ms");
  EXPECT_EQ(retention[1]->name, "log.retention.minutes");
  EXPECT_EQ(retention[2]->name, "log.retention.hours");
  ASSERT_EQ(broker_synonyms("max.message.bytes").size(), 1u);
  EXPECT_TRUE(broker_synonyms("no.such.topic.key").empty());
  for (const auto& k : config_catalogue()) {
    if (!k.topic_config.empty()) {
      EXPECT_EQ(k.mode, update_mode::cluster_wide) << k.name;
    }
  }
}

TEST(config, a_broker_id_above_the_reserved_range_needs_generation_off) {
  EXPECT_NE(error_of({{"broker.id", "1001"}}).find("reserved.broker.max.id (1000)"),
            std::string::npos);
  EXPECT_EQ(typed({{"broker.id", "1001"}, {"broker.id.generation.enable", "false"}}).broker_id,
            1001);
  EXPECT_EQ(typed({{"broker.id", "1001"}, {"reserved.broker.max.id", "2000"}}).broker_id, 1001);
}

TEST(config, authorization_keys_as_kafkas) {
  auto none = typed({});
  EXPECT_TRUE(none.authorizer_class_name.empty());
  EXPECT_TRUE(none.super_users.empty());
  EXPECT_FALSE(none.allow_everyone_if_no_acl_found);
  auto acl = typed({{"authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"},
                    {"super.users", "User:admin; User:alice"},
                    {"allow.everyone.if.no.acl.found", "true"}});
  EXPECT_EQ(acl.authorizer_class_name, "kafka.security.authorizer.AclAuthorizer");
  EXPECT_EQ(acl.super_users, (std::vector<std::string>{"User:admin", "User:alice"}));
  EXPECT_TRUE(acl.allow_everyone_if_no_acl_found);
  EXPECT_EQ(typed({{"authorizer.class.name", "kafka.security.auth.SimpleAclAuthorizer"}})
                .authorizer_class_name,
            "kafka.security.auth.SimpleAclAuthorizer");
  EXPECT_NE(error_of({{"authorizer.class.name", "org.example.MyAuthorizer"}})
                .find("authorizer.class.name"),
            std::string::npos);
  EXPECT_NE(error_of({{"super.users", "admin"}}).find("principalType:principalName"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::server
