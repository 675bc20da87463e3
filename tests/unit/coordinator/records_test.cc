// The __consumer_offsets record formats (byte for byte against hand-built examples) and the
// group-to-partition mapping.
#include <gtest/gtest.h>

#include "coordinator/log_records.h"
#include "coordinator/partitioner.h"
#include "protocol/generated/offset_commit_key.h"
#include "protocol/generated/offset_commit_value.h"

namespace sluice::coordinator {
namespace {

using bytes = protocol::bytes;

TEST(records, offset_commit_key_and_value_bytes) {
  committed_offset c;
  c.offset = 42;
  c.leader_epoch = 5;
  c.metadata = "m";
  c.commit_timestamp = 1000;
  auto r = offset_commit_record("g", topic_partition{"t", 3}, c, 77);
  // OffsetCommitKey v1: version, group, topic, partition.
  EXPECT_EQ(r.key, (bytes{0x00, 0x01, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x03}));
  // OffsetCommitValue v3: version, offset, leader epoch, metadata, commit timestamp.
  EXPECT_EQ(*r.value, (bytes{0x00, 0x03,                                      //
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  //
                             0x00, 0x00, 0x00, 0x05,                          //
                             0x00, 0x01, 'm',                                 //
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8}));
  EXPECT_EQ(r.timestamp_ms, 77);

  // The generated structs read the same bytes back.
  protocol::reader kr(protocol::bytes_view(r.key).subspan(2));
  protocol::offset_commit_key key;
  ASSERT_TRUE(key.decode(kr, 1).ok());
  EXPECT_EQ(key.group, "g");
  EXPECT_EQ(key.topic, "t");
  EXPECT_EQ(key.partition, 3);

  auto decoded = decode_record(r.key, protocol::bytes_view(*r.value));
  ASSERT_TRUE(decoded.ok());
  const auto& entry = std::get<offset_commit_entry>(*decoded);
  EXPECT_EQ(entry.group, "g");
  EXPECT_EQ(entry.tp, (topic_partition{"t", 3}));
  EXPECT_EQ(*entry.value, c);
}

TEST(records, an_expire_timestamp_is_written_as_value_v1) {
  committed_offset c;
  c.offset = 1;
  c.commit_timestamp = 10;
  c.expire_timestamp = 20;
  auto r = offset_commit_record("g", topic_partition{"t", 0}, c, 0);
  EXPECT_EQ(*r.value, (bytes{0x00, 0x01,                     //
                             0,    0,    0, 0, 0, 0, 0, 1,   //
                             0x00, 0x00,                     // metadata ""
                             0,    0,    0, 0, 0, 0, 0, 10,  //
                             0,    0,    0, 0, 0, 0, 0, 20}));
  auto decoded = decode_record(r.key, protocol::bytes_view(*r.value));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*std::get<offset_commit_entry>(*decoded).value, c);
}

TEST(records, older_value_versions_decode) {
  bytes key{0x00, 0x00, 0x00, 0x01, 'g', 0x00, 0x01, 't', 0x00, 0x00, 0x00, 0x00};  // key v0
  bytes v0{0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 9, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 5};
  auto decoded = decode_record(key, protocol::bytes_view(v0));
  ASSERT_TRUE(decoded.ok());
  const auto& c = *std::get<offset_commit_entry>(*decoded).value;
  EXPECT_EQ(c.offset, 9);
  EXPECT_EQ(c.commit_timestamp, 5);
  EXPECT_EQ(c.leader_epoch, std::nullopt);
  EXPECT_EQ(c.expire_timestamp, std::nullopt);
}

TEST(records, tombstones_have_no_value) {
  auto t = offset_commit_tombstone("g", topic_partition{"t", 1}, 0);
  EXPECT_FALSE(t.value.has_value());
  auto decoded = decode_record(t.key, std::nullopt);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(std::get<offset_commit_entry>(*decoded).value.has_value());
  auto gt = group_metadata_tombstone("g", 0);
  EXPECT_EQ(gt.key, (bytes{0x00, 0x02, 0x00, 0x01, 'g'}));
  auto gd = decode_record(gt.key, std::nullopt);
  ASSERT_TRUE(gd.ok());
  EXPECT_EQ(std::get<group_metadata_entry>(*gd).group, "g");
}

TEST(records, group_metadata_value_bytes) {
  protocol::group_metadata_value v;
  v.protocol_type = "consumer";
  v.generation = 1;
  v.protocol_ = "range";
  v.leader = "m1";
  v.current_state_timestamp = 7;
  auto& m = v.members.emplace_back();
  m.member_id = "m1";
  m.client_id = "c";
  m.client_host = "/h";
  m.rebalance_timeout = 300;
  m.session_timeout = 100;
  m.subscription = {1};
  m.assignment = {2};
  auto r = group_metadata_record("g", v, 0);
  EXPECT_EQ(r.key, (bytes{0x00, 0x02, 0x00, 0x01, 'g'}));
  bytes expected{0x00, 0x03,                                             // version 3
                 0x00, 0x08, 'c',  'o',  'n',  's', 'u', 'm', 'e', 'r',  // protocolType
                 0x00, 0x00, 0x00, 0x01,                                 // generation
                 0x00, 0x05, 'r',  'a',  'n',  'g', 'e',                 // protocol
                 0x00, 0x02, 'm',  '1',                                  // leader
                 0,    0,    0,    0,    0,    0,   0,   7,              // currentStateTimestamp
                 0x00, 0x00, 0x00, 0x01,                                 // one member
                 0x00, 0x02, 'm',  '1',                                  // memberId
                 0xFF, 0xFF,                                             // groupInstanceId null
                 0x00, 0x01, 'c',                                        // clientId
                 0x00, 0x02, '/',  'h',                                  // clientHost
                 0x00, 0x00, 0x01, 0x2C,                                 // rebalanceTimeout
                 0x00, 0x00, 0x00, 0x64,                                 // sessionTimeout
                 0x00, 0x00, 0x00, 0x01, 0x01,                           // subscription
                 0x00, 0x00, 0x00, 0x01, 0x02};                          // assignment
  EXPECT_EQ(*r.value, expected);
  auto decoded = decode_record(r.key, protocol::bytes_view(*r.value));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*std::get<group_metadata_entry>(*decoded).value, v);
}

TEST(records, foreign_and_malformed_records) {
  // KIP-848's partition metadata (type 4, no longer written since Kafka 4.1) is skipped.
  bytes partition_metadata_key{0x00, 0x04, 0x00, 0x01, 'g'};
  auto foreign = decode_record(partition_metadata_key, std::nullopt);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(std::get<foreign_entry>(*foreign).key_version, 4);
  // Type 3 is a consumer group's epoch record: here its tombstone.
  auto consumer = decode_record(bytes{0x00, 0x03, 0x00, 0x01, 'g'}, std::nullopt);
  ASSERT_TRUE(consumer.ok());
  EXPECT_TRUE(std::get<group_epoch_record>(std::get<consumer_record>(*consumer).body).deleted);
  EXPECT_EQ(decode_record(bytes{0x00}, std::nullopt).code(), errc::malformed_key);
  EXPECT_EQ(decode_record(bytes{0x00, 0x01, 0x00, 0x05, 'g'}, std::nullopt).code(),
            errc::malformed_key);
  bytes key = offset_commit_tombstone("g", topic_partition{"t", 0}, 0).key;
  EXPECT_EQ(decode_record(key, protocol::bytes_view(bytes{0x00, 0x03, 0x01})).code(),
            errc::malformed_value);
}

TEST(partitioner, matches_java_string_hash_code) {
  EXPECT_EQ(java_string_hash(""), 0);
  EXPECT_EQ(java_string_hash("a"), 97);
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("my-group"), -1906497762);
  EXPECT_EQ(java_string_hash("\xC3\xA9"), 233);              // é
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 1772899);  // U+1F600, a surrogate pair
  EXPECT_EQ(java_string_hash("group-\xE6\x97\xA5\xE6\x9C\xAC"), 507145205);  // group-日本
  EXPECT_EQ(java_string_hash("\xFF"), 0xFFFD);  // invalid UTF-8 reads as U+FFFD
}

TEST(partitioner, partition_like_kafka) {
  EXPECT_EQ(partition_for("my-group", 50), 12);
  EXPECT_EQ(partition_for("console-consumer-12345", 50), 6);
  EXPECT_EQ(partition_for("a", 50), 47);
  // Its hash is INT_MIN, whose absolute value Kafka takes as 0.
  EXPECT_EQ(java_string_hash("polygenelubricants"), INT32_MIN);
  EXPECT_EQ(partition_for("polygenelubricants", 50), 0);
  EXPECT_EQ(partition_for("anything", 1), 0);
}

}  // namespace
}  // namespace sluice::coordinator
