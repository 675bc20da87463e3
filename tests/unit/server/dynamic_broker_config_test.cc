#include "server/dynamic_broker_config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "cluster/embedded_metadata_store.h"

namespace sluice::server {
namespace {

std::string test_hostname() {
  return "broker-host.example";
}

server_config load(std::vector<std::pair<std::string, std::string>> file) {
  std::vector<property> f;
  for (auto& [k, v] : file) f.push_back(property{k, v, 1});
  auto c = load_config(f, {}, test_hostname);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.message());
  return c.ok() ? std::move(c).value() : server_config{};
}

TEST(dynamic_configs, layer_over_the_static_ones_as_kafka_does) {
  auto base = load({{"broker.id", "1"}, {"log.retention.hours", "24"}});
  auto c = base.with_dynamic({.cluster_default = {{"log.retention.ms", "5000"}}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().log_retention_ms, 5000);
  const config_entry* ms = c->find("log.retention.ms");
  EXPECT_EQ(ms->source, config_source::dynamic_default_broker_config);
  EXPECT_EQ(ms->dynamic_default_text, "5000");
  EXPECT_EQ(c->find("log.retention.hours")->static_text, "24");

  // This broker's own set wins over the cluster default; both stay visible.
  c = base.with_dynamic({.cluster_default = {{"log.retention.ms", "5000"}},
                         .broker = {{"log.retention.ms", "7000"}}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().log_retention_ms, 7000);
  ms = c->find("log.retention.ms");
  EXPECT_EQ(ms->source, config_source::dynamic_broker_config);
  EXPECT_EQ(ms->dynamic_default_text, "5000");
  EXPECT_EQ(ms->dynamic_broker_text, "7000");

  // Precedence between keys of a family still holds across layers: a static log.retention.ms
  // beats a dynamic log.retention.hours, as in Kafka.
  auto with_ms = load({{"broker.id", "1"}, {"log.retention.ms", "9000"}});
  c = with_ms.with_dynamic({.cluster_default = {{"log.retention.hours", "1"}}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().log_retention_ms, 9000);
}

TEST(dynamic_configs, keep_values_resolved_at_start_up_and_name_bad_values) {
  auto base = load({{"broker.id", "-1"}, {"listeners", "PLAINTEXT://127.0.0.1:0"}});
  base.resolve_broker_id(1007);
  base.resolve_bound_ports({{"PLAINTEXT", 41234}});
  auto c = base.with_dynamic({.broker = {{"log.segment.bytes", "1048576"}}});
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->typed().broker_id, 1007);
  EXPECT_EQ(c->typed().listeners.front().port, 41234);
  EXPECT_EQ(c->typed().log_segment_bytes, 1048576);

  c = base.with_dynamic({.broker = {{"log.segment.bytes", "huge"}}});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.message(), "invalid value 'huge' for log.segment.bytes: not a number of type INT");
  c = base.with_dynamic({.cluster_default = {{"log.segment.bytes", "1"}}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("log.segment.bytes"), std::string::npos);
}

class dynamic_broker_config_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-dynamic-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    cluster::embedded_options o;
    o.dir = dir_;
    o.self.id = 1;
    store_ = std::move(cluster::embedded_metadata_store::open(o)).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<cluster::embedded_metadata_store> store_;
  server_config base_ = load({{"broker.id", "1"}, {"log.retention.hours", "24"}});
};

TEST_F(dynamic_broker_config_test, check_refuses_what_cannot_change_at_runtime) {
  dynamic_broker_config config(base_);
  EXPECT_EQ(config.check(1, {{"log.retention.ms", "1000"}}, *store_), std::nullopt);
  EXPECT_EQ(config.check(std::nullopt, {{"min.insync.replicas", "2"}}, *store_), std::nullopt);
  EXPECT_EQ(config.check(1, {{"log.dirs", "/x"}, {"num.io.threads", "4"}}, *store_),
            "Cannot update these configs dynamically: log.dirs, num.io.threads");
  EXPECT_EQ(config.check(std::nullopt, {{"no.such.key", "1"}}, *store_),
            "Unknown broker configs: no.such.key (see docs/configuration.md for the keys)");
  EXPECT_EQ(config.check(1, {{"min.insync.replicas", "0"}}, *store_),
            "invalid value '0' for min.insync.replicas: must be at least 1");
  // Nothing was stored or applied by checking.
  EXPECT_TRUE(store_->broker_configs(1).empty());
  EXPECT_EQ(config.current()->typed().log_retention_ms, 24LL * 3600 * 1000);
}

TEST_F(dynamic_broker_config_test, refresh_applies_what_is_stored_and_skips_the_rest) {
  dynamic_broker_config config(base_);
  EXPECT_FALSE(config.refresh(*store_));  // nothing stored: nothing changes

  ASSERT_TRUE(store_
                  ->set_broker_configs(std::nullopt, {{"log.segment.bytes", "1048576"},
                                                      {"log.dirs", "/elsewhere"},
                                                      {"bogus", "1"}})
                  .ok());
  ASSERT_TRUE(store_->set_broker_configs(1, {{"min.insync.replicas", "2"}}).ok());
  ASSERT_TRUE(store_->set_broker_configs(2, {{"min.insync.replicas", "3"}}).ok());  // not ours
  EXPECT_TRUE(config.refresh(*store_));
  auto now = config.current();
  EXPECT_EQ(now->typed().log_segment_bytes, 1048576);
  EXPECT_EQ(now->typed().min_insync_replicas, 2);
  EXPECT_EQ(now->typed().log_dirs, base_.typed().log_dirs);  // read-only: skipped
  EXPECT_EQ(now->find("log.segment.bytes")->source, config_source::dynamic_default_broker_config);
  EXPECT_FALSE(config.refresh(*store_));

  // A stored value that no longer validates keeps the last good configuration.
  ASSERT_TRUE(store_->set_broker_configs(1, {{"min.insync.replicas", "zero"}}).ok());
  EXPECT_FALSE(config.refresh(*store_));
  EXPECT_EQ(config.current()->typed().min_insync_replicas, 2);

  ASSERT_TRUE(store_->set_broker_configs(1, {}).ok());
  ASSERT_TRUE(store_->set_broker_configs(std::nullopt, {}).ok());
  EXPECT_TRUE(config.refresh(*store_));
  EXPECT_EQ(config.current()->typed().min_insync_replicas, 1);
  EXPECT_EQ(config.current()->find("log.segment.bytes")->source, config_source::default_config);
}

TEST_F(dynamic_broker_config_test, passwords_are_stored_encrypted_and_read_back) {
  auto with_secret = [](std::string secret, std::string old = {}) {
    std::vector<std::pair<std::string, std::string>> file{
        {"broker.id", "1"}, {"password.encoder.secret", std::move(secret)}};
    if (!old.empty()) file.emplace_back("password.encoder.old.secret", std::move(old));
    return load(file);
  };
  auto base = with_secret("s1");
  dynamic_broker_config config(base);
  auto stored = config.to_stored(1, {}, {{"ssl.key.password", "hunter2"}, {"num.io.threads", "4"}});
  ASSERT_TRUE(std::holds_alternative<cluster::config_map>(stored));
  auto& map = std::get<cluster::config_map>(stored);
  EXPECT_EQ(map.at("num.io.threads"), "4");  // not a password: as given
  const std::string encoded = map.at("ssl.key.password");
  EXPECT_EQ(encoded.find("hunter2"), std::string::npos);
  EXPECT_NE(encoded.find("encryptedPassword:"), std::string::npos);
  // A stored value that is kept is not encoded again.
  auto again =
      config.to_stored(1, {{"ssl.key.password", encoded}}, {{"ssl.key.password", encoded}});
  EXPECT_EQ(std::get<cluster::config_map>(again).at("ssl.key.password"), encoded);
  EXPECT_EQ(std::get<std::string>(config.to_stored(std::nullopt, {}, {{"ssl.key.password", "x"}})),
            "Password config can be defined only at broker level");
  auto no_secret = load({{"broker.id", "1"}});
  EXPECT_EQ(std::get<std::string>(
                dynamic_broker_config(no_secret).to_stored(1, {}, {{"ssl.key.password", "x"}})),
            "Password encoder secret not configured");

  // Read back decoded; a value that does not decode is refused by check and skipped by refresh.
  ASSERT_TRUE(store_->set_broker_configs(1, {{"ssl.key.password", encoded}}).ok());
  EXPECT_TRUE(config.refresh(*store_));
  EXPECT_EQ(config.current()->find("ssl.key.password")->dynamic_broker_text, "hunter2");
  auto other = with_secret("s2");
  dynamic_broker_config other_config(other);
  EXPECT_EQ(other_config.check(1, {{"ssl.key.password", encoded}}, *store_),
            "Dynamic password configs could not be decoded with password.encoder.secret: "
            "ssl.key.password");
  EXPECT_FALSE(other_config.refresh(*store_));

  // Rotating the secret: the old one decodes, and start-up writes the value back re-encoded.
  auto rotated = with_secret("s2", "s1");
  dynamic_broker_config rotated_config(rotated);
  rotated_config.reencode_passwords(*store_);
  const std::string rewritten = store_->broker_configs(1).at("ssl.key.password");
  EXPECT_NE(rewritten, encoded);
  EXPECT_TRUE(other_config.refresh(*store_));  // the new secret alone now reads it
  EXPECT_EQ(other_config.current()->find("ssl.key.password")->dynamic_broker_text, "hunter2");
}

TEST(dynamic_configs, a_password_encoder_that_cannot_work_stops_start_up_naming_the_key) {
  std::vector<property> f{{"password.encoder.secret", "s", 1},
                          {"password.encoder.cipher.algorithm", "DES/ECB/NoPadding", 2}};
  auto c = load_config(f, {}, test_hostname);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.message().find("password.encoder.cipher.algorithm"), std::string::npos)
      << c.message();
}

}  // namespace
}  // namespace sluice::server
