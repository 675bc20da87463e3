#include "cluster/zk_layout.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sluice::cluster::zk_layout {
namespace {

using json = nlohmann::json;

TEST(zk_layout, paths) {
  EXPECT_EQ(broker_path(3), "/brokers/ids/3");
  EXPECT_EQ(topic_path("orders"), "/brokers/topics/orders");
  EXPECT_EQ(partitions_path("orders"), "/brokers/topics/orders/partitions");
  EXPECT_EQ(partition_path("orders", 2), "/brokers/topics/orders/partitions/2");
  EXPECT_EQ(partition_state_path("orders", 2), "/brokers/topics/orders/partitions/2/state");
  EXPECT_EQ(topic_config_path("orders"), "/config/topics/orders");
  EXPECT_EQ(delete_topic_path("orders"), "/admin/delete_topics/orders");
  EXPECT_EQ(delegation_token_path("tok"), "/delegation_token/tokens/tok");
  auto paths = persistent_paths();
  for (const char* p :
       {"/consumers", "/brokers/ids", "/brokers/topics", "/brokers/seqid", "/config/changes",
        "/admin/delete_topics", "/isr_change_notification", "/latest_producer_id_block",
        "/log_dir_event_notification", "/config/topics", "/config/clients", "/config/users",
        "/config/brokers", "/config/ips", "/delegation_token/tokens",
        "/delegation_token/token_changes"})
    EXPECT_NE(std::find(paths.begin(), paths.end(), p), paths.end()) << p;
}

TEST(zk_layout, broker_round_trip_in_kafka_format) {
  broker_info b;
  b.id = 2;
  b.endpoints = {{"INTERNAL", "SSL", "10.0.0.2", 9093}, {"PLAINTEXT", "PLAINTEXT", "h2", 9092}};
  b.rack = "r1";
  auto text = encode_broker(b, 1700000000123);
  EXPECT_EQ(text,
            R"({"features":{},"listener_security_protocol_map":{"INTERNAL":"SSL","PLAINTEXT":)"
            R"("PLAINTEXT"},"endpoints":["INTERNAL://10.0.0.2:9093","PLAINTEXT://h2:9092"],)"
            R"("jmx_port":-1,"port":9092,"host":"h2","version":5,"timestamp":"1700000000123",)"
            R"("rack":"r1"})");
  auto back = decode_broker(2, text);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->id, 2);
  ASSERT_EQ(back->endpoints.size(), 2u);
  EXPECT_EQ(back->endpoints[0].listener_name, "INTERNAL");
  EXPECT_EQ(back->endpoints[0].security_protocol, "SSL");
  EXPECT_EQ(back->endpoints[0].host, "10.0.0.2");
  EXPECT_EQ(back->endpoints[0].port, 9093);
  EXPECT_EQ(back->endpoints[1].host, "h2");
  EXPECT_EQ(back->rack, "r1");
}

TEST(zk_layout, broker_without_plaintext_or_rack_and_ipv6) {
  broker_info b;
  b.id = 1;
  b.endpoints = {{"SSL", "SSL", "::1", 9093}};
  auto doc = json::parse(encode_broker(b, 5));
  EXPECT_TRUE(doc["host"].is_null());
  EXPECT_EQ(doc["port"], -1);
  EXPECT_FALSE(doc.contains("rack"));
  EXPECT_EQ(doc["endpoints"][0], "SSL://[::1]:9093");
  auto back = decode_broker(1, doc.dump());
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->endpoints[0].host, "::1");
  EXPECT_FALSE(back->rack.has_value());
}

TEST(zk_layout, broker_written_by_kafka_and_legacy_v1) {
  auto kafka = decode_broker(
      1, R"({"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":)"
         R"(["PLAINTEXT://localhost:9092"],"jmx_port":-1,"features":{},"host":"localhost",)"
         R"("timestamp":"1700000000000","port":9092,"version":5})");
  ASSERT_TRUE(kafka.ok()) << kafka.message();
  EXPECT_EQ(kafka->endpoints[0].port, 9092);
  auto v1 = decode_broker(4, R"({"version":1,"host":"old","port":9000})");
  ASSERT_TRUE(v1.ok()) << v1.message();
  EXPECT_EQ(v1->endpoints[0].host, "old");
  EXPECT_EQ(v1->endpoints[0].security_protocol, "PLAINTEXT");
}

TEST(zk_layout, bad_broker_json_is_an_error) {
  for (const char* text :
       {"", "{", "[]", "null", R"({"endpoints":[1]})", R"({"endpoints":["nohost"]})",
        R"({"endpoints":["PLAINTEXT://h:99999"]})", R"({"endpoints":["PLAINTEXT://h:x"]})",
        R"({"endpoints":[],"rack":5})", R"({"version":1})"}) {
    auto r = decode_broker(1, text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.code(), errc::invalid_request);
    EXPECT_NE(r.message().find("broker 1"), std::string::npos) << r.message();
  }
}

TEST(zk_layout, topic_assignment_round_trip) {
  topic_assignment a;
  a.topic_id = *protocol::uuid::from_base64("AAECAwQFBgcICQoLDA0ODw");
  a.partitions = {{0, {1, 2, 3}}, {1, {2, 3, 1}}, {10, {3, 1, 2}}};
  for (int32_t p = 2; p < 10; ++p) a.partitions[p] = {1, 2, 3};
  auto text = encode_topic_assignment(a);
  auto doc = json::parse(text);
  EXPECT_EQ(doc["version"], 3);
  EXPECT_EQ(doc["topic_id"], "AAECAwQFBgcICQoLDA0ODw");
  EXPECT_EQ(doc["partitions"]["10"], json::array({3, 1, 2}));
  EXPECT_TRUE(doc["adding_replicas"].is_object());
  EXPECT_TRUE(doc["removing_replicas"].is_object());
  EXPECT_EQ(text.substr(0, 51), R"({"version":3,"topic_id":"AAECAwQFBgcICQoLDA0ODw","p)");
  auto back = decode_topic_assignment(text);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->topic_id, a.topic_id);
  EXPECT_EQ(back->partitions, a.partitions);
}

TEST(zk_layout, topic_assignment_without_topic_id) {
  auto r = decode_topic_assignment(R"({"version":2,"partitions":{"1":[2],"0":[1]}})");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_TRUE(r->topic_id.is_zero());
  EXPECT_EQ(r->partitions.at(1), std::vector<int32_t>{2});
}

TEST(zk_layout, bad_topic_assignment_is_an_error) {
  for (const char* text :
       {"", "x", "{}", R"({"partitions":[]})", R"({"partitions":{"a":[1]}})",
        R"({"partitions":{"-1":[1]}})", R"({"partitions":{"0":[1.5]}})",
        R"({"partitions":{"0":["1"]}})", R"({"partitions":{"0":[4294967297]}})",
        R"({"partitions":{"0":[1],"2":[1]}})", R"({"partitions":{"0":[1]},"topic_id":"zz"})",
        R"({"partitions":{"0":[1]},"topic_id":7})"}) {
    auto r = decode_topic_assignment(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.code(), errc::invalid_request);
  }
}

TEST(zk_layout, partition_state_round_trip) {
  leader_and_isr s{.leader = 2, .leader_epoch = 7, .isr = {2, 3}, .controller_epoch = 4};
  auto text = encode_partition_state(s);
  EXPECT_EQ(text, R"({"controller_epoch":4,"leader":2,"version":1,"leader_epoch":7,"isr":[2,3]})");
  auto back = decode_partition_state(text);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->leader, 2);
  EXPECT_EQ(back->leader_epoch, 7);
  EXPECT_EQ(back->controller_epoch, 4);
  EXPECT_EQ(back->isr, (std::vector<int32_t>{2, 3}));
  // Kafka 3.2+ adds leader_recovery_state; extra keys are ignored.
  EXPECT_TRUE(decode_partition_state(R"({"controller_epoch":1,"leader":-1,"version":1,)"
                                     R"("leader_epoch":0,"isr":[],"leader_recovery_state":1})")
                  .ok());
  for (const char* text : {"", "{}",
                           R"({"leader":"1","leader_epoch":0,"controller_epoch":0,)"
                           R"("isr":[]})",
                           R"({"leader":1,"leader_epoch":0,"controller_epoch":0})",
                           R"({"leader":1,"leader_epoch":0,"controller_epoch":0,"isr":{}})"})
    EXPECT_FALSE(decode_partition_state(text).ok()) << text;
}

TEST(zk_layout, controller_round_trip) {
  auto text = encode_controller(3, 1700000000000);
  EXPECT_EQ(text, R"({"version":1,"brokerid":3,"timestamp":"1700000000000"})");
  auto back = decode_controller(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, 3);
  auto v2 =
      decode_controller(R"({"version":2,"brokerid":1,"timestamp":"1","kraftControllerEpoch":-1})");
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, 1);
  EXPECT_FALSE(decode_controller("").ok());
  EXPECT_FALSE(decode_controller(R"({"brokerid":"1"})").ok());
  EXPECT_FALSE(decode_controller("[1]").ok());
}

TEST(zk_layout, topic_config_round_trip) {
  config_map c{{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  auto text = encode_entity_config(c);
  EXPECT_EQ(text, R"({"version":1,"config":{"cleanup.policy":"compact","retention.ms":"1000"}})");
  auto back = decode_entity_config(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, c);
  auto empty = decode_entity_config(R"({"version":1,"config":{}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto numeric = decode_entity_config(R"({"version":1,"config":{"retention.ms":1000}})");
  ASSERT_TRUE(numeric.ok());
  EXPECT_EQ(numeric->at("retention.ms"), "1000");
  EXPECT_FALSE(decode_entity_config("").ok());
  EXPECT_FALSE(decode_entity_config(R"({"config":[]})").ok());
  EXPECT_FALSE(decode_entity_config(R"({"config":{"a":{}}})").ok());
}

TEST(zk_layout, config_change_and_cluster_id) {
  EXPECT_EQ(encode_config_change("topics/orders"),
            R"({"version":2,"entity_path":"topics/orders"})");
  auto text = encode_cluster_id("Xy7mWXuKQnGv3XUyPxa0NA");
  EXPECT_EQ(text, R"({"version":"1","id":"Xy7mWXuKQnGv3XUyPxa0NA"})");
  auto back = decode_cluster_id(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "Xy7mWXuKQnGv3XUyPxa0NA");
  EXPECT_FALSE(decode_cluster_id("").ok());
  EXPECT_FALSE(decode_cluster_id(R"({"version":"1"})").ok());
  EXPECT_FALSE(decode_cluster_id(R"({"version":"1","id":3})").ok());
}

TEST(zk_layout, producer_id_block_in_kafka_format) {
  // Kafka's ProducerIdBlockZNode: ids as strings, last id included.
  EXPECT_EQ(encode_producer_id_block({3, 1000, 1999}),
            R"({"version":1,"broker":3,"block_start":"1000","block_end":"1999"})");
  auto decoded =
      decode_producer_id_block(R"({"version":1,"broker":2,"block_start":"0","block_end":"999"})");
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  EXPECT_EQ(*decoded, (producer_id_block{2, 0, 999}));
  EXPECT_EQ(decoded->size(), 1000);
  EXPECT_FALSE(decode_producer_id_block(R"({"broker":2,"block_start":0,"block_end":999})").ok());
  EXPECT_FALSE(decode_producer_id_block(R"({"broker":2,"block_start":"9","block_end":"1"})").ok());
  EXPECT_FALSE(decode_producer_id_block("not json").ok());
}

TEST(zk_layout, producer_id_blocks_follow_each_other) {
  auto first = next_producer_id_block(std::nullopt, 5);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, (producer_id_block{5, 0, 999}));
  auto second = next_producer_id_block(*first, 6);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, (producer_id_block{6, 1000, 1999}));
  EXPECT_FALSE(next_producer_id_block(producer_id_block{1, 0, INT64_MAX - 10}, 1).ok());
}

}  // namespace
}  // namespace sluice::cluster::zk_layout
