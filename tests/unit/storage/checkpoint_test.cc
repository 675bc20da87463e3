#include <gtest/gtest.h>

#include <fstream>

#include "storage/checkpoint_file.h"
#include "storage/leader_epoch_cache.h"
#include "storage/log_config.h"
#include "storage/log_dir.h"
#include "test_util.h"

namespace sluice::storage {
namespace {

using test::temp_dir;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
  auto r = read_file(posix_file_io(), path);
  return r ? *r : "<missing>";
}

TEST(checkpoint_file, offset_checkpoint_round_trip_and_format) {
  temp_dir dir;
  offset_map m;
  m[topic_partition{"orders", 0}] = 42;
  m[topic_partition{"my-topic.v2", 11}] = 7;
  auto path = dir / "recovery-point-offset-checkpoint";
  ASSERT_TRUE(write_offset_checkpoint(posix_file_io(), path, m).ok());
  EXPECT_EQ(read_text(path), "0\n2\nmy-topic.v2 11 7\norders 0 42\n");
  auto back = read_offset_checkpoint(posix_file_io(), path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(checkpoint_file, malformed_files_are_refused) {
  temp_dir dir;
  auto path = dir / "cp";
  EXPECT_EQ(read_offset_checkpoint(posix_file_io(), path).code(), errc::not_found);
  for (const char* text : {"", "0\n", "1\n0\n", "0\n2\nt 0 1\n", "0\n1\nt 0\n", "0\n1\nt x 1\n",
                           "0\n1\nt 0 1", "0\n1\nt -1 1\n"}) {
    write_text(path, text);
    EXPECT_EQ(read_offset_checkpoint(posix_file_io(), path).code(), errc::corrupt_file) << text;
  }
}

TEST(leader_epoch_cache, assign_and_end_offsets) {
  leader_epoch_cache c;
  EXPECT_EQ(c.end_offset_for(0, 100), (leader_epoch_cache::epoch_end{-1, -1}));
  EXPECT_TRUE(c.assign(1, 0));
  EXPECT_FALSE(c.assign(1, 5));  // already known to start earlier
  EXPECT_TRUE(c.assign(3, 10));
  EXPECT_TRUE(c.assign(5, 20));
  EXPECT_EQ(c.end_offset_for(5, 30), (leader_epoch_cache::epoch_end{5, 30}));
  EXPECT_EQ(c.end_offset_for(3, 30), (leader_epoch_cache::epoch_end{3, 20}));
  EXPECT_EQ(c.end_offset_for(4, 30), (leader_epoch_cache::epoch_end{3, 20}));
  EXPECT_EQ(c.end_offset_for(2, 30), (leader_epoch_cache::epoch_end{1, 10}));
  EXPECT_EQ(c.end_offset_for(0, 30), (leader_epoch_cache::epoch_end{0, 0}));
  EXPECT_EQ(c.end_offset_for(6, 30), (leader_epoch_cache::epoch_end{-1, -1}));
  EXPECT_EQ(c.epoch_for_offset(15), 3);
  // A new epoch at a lower offset drops the entries it contradicts.
  EXPECT_TRUE(c.assign(6, 12));
  EXPECT_EQ(c.entries().size(), 3u);
  EXPECT_EQ(c.latest()->epoch, 6);
  EXPECT_TRUE(c.truncate_from_end(12));
  EXPECT_EQ(c.latest()->epoch, 3);
  EXPECT_TRUE(c.truncate_from_start(11));
  ASSERT_EQ(c.entries().size(), 1u);
  EXPECT_EQ(c.entries()[0], (leader_epoch_cache::entry{3, 11}));
}

TEST(leader_epoch_cache, file_round_trip_and_corruption) {
  temp_dir dir;
  auto path = dir / "leader-epoch-checkpoint";
  leader_epoch_cache c;
  c.assign(0, 0);
  c.assign(2, 100);
  ASSERT_TRUE(c.write(posix_file_io(), path, true).ok());
  EXPECT_EQ(read_text(path), "0\n2\n0 0\n2 100\n");
  auto back = leader_epoch_cache::read(posix_file_io(), path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->entries(), c.entries());
  write_text(path, "0\n2\n2 100\n1 200\n");
  EXPECT_EQ(leader_epoch_cache::read(posix_file_io(), path).code(), errc::corrupt_file);
  write_text(path, "0\n2\n2 100\n");
  EXPECT_EQ(leader_epoch_cache::read(posix_file_io(), path).code(), errc::corrupt_file);
}

TEST(log_dir, meta_properties_round_trip) {
  temp_dir dir;
  meta_properties m;
  m.broker_id = 3;
  m.cluster_id = "abc";
  m.other["foo"] = "bar";
  ASSERT_TRUE(write_meta_properties(posix_file_io(), dir.path, m).ok());
  auto back = read_meta_properties(posix_file_io(), dir.path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->broker_id, 3);
  EXPECT_EQ(back->cluster_id, "abc");
  EXPECT_EQ(back->other.at("foo"), "bar");
  write_text(dir / "meta.properties", "version=0\nbroker.id=x\n");
  EXPECT_EQ(read_meta_properties(posix_file_io(), dir.path).code(), errc::corrupt_file);
}

TEST(log_dir, lock_is_exclusive) {
  temp_dir dir;
  auto a = dir_lock::acquire(posix_file_io(), dir.path);
  ASSERT_TRUE(a.ok());
  auto b = dir_lock::acquire(posix_file_io(), dir.path);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.code(), errc::log_dir_locked);
  EXPECT_NE(b.message().find(dir.path), std::string::npos);
  EXPECT_NE(b.message().find("another broker"), std::string::npos);
  *a = dir_lock{};
  EXPECT_TRUE(dir_lock::acquire(posix_file_io(), dir.path).ok());
}

TEST(log_config, defaults_match_kafka) {
  log_config c;
  EXPECT_EQ(c.get("segment.bytes"), "1073741824");
  EXPECT_EQ(c.get("segment.ms"), "604800000");
  EXPECT_EQ(c.get("segment.index.bytes"), "10485760");
  EXPECT_EQ(c.get("index.interval.bytes"), "4096");
  EXPECT_EQ(c.get("max.message.bytes"), "1048588");
  EXPECT_EQ(c.get("message.timestamp.type"), "CreateTime");
  EXPECT_EQ(c.get("retention.ms"), "604800000");
  EXPECT_EQ(c.get("retention.bytes"), "-1");
  EXPECT_EQ(c.get("cleanup.policy"), "delete");
  EXPECT_EQ(c.get("delete.retention.ms"), "86400000");
  EXPECT_EQ(c.get("min.cleanable.dirty.ratio"), "0.5");
  EXPECT_EQ(c.get("file.delete.delay.ms"), "60000");
  EXPECT_EQ(c.get("preallocate"), "false");
  for (auto name : log_config::names()) EXPECT_FALSE(c.get(name).empty()) << name;
}

TEST(log_config, set_parses_and_validates) {
  log_config c;
  EXPECT_TRUE(c.set("cleanup.policy", "compact,delete").ok());
  EXPECT_TRUE(c.cleanup_compact && c.cleanup_delete);
  EXPECT_EQ(c.get("cleanup.policy"), "compact,delete");
  EXPECT_TRUE(c.set("message.timestamp.type", "LogAppendTime").ok());
  EXPECT_EQ(c.message_timestamp_type, protocol::timestamp_type::log_append_time);
  EXPECT_TRUE(c.set("min.cleanable.dirty.ratio", "0.25").ok());
  EXPECT_DOUBLE_EQ(c.min_cleanable_dirty_ratio, 0.25);
  EXPECT_EQ(c.set("segment.bytes", "10").code(), errc::invalid_config);
  EXPECT_EQ(c.set("segment.bytes", "3000000000").code(), errc::invalid_config);
  EXPECT_EQ(c.set("retention.ms", "soon").code(), errc::invalid_config);
  EXPECT_EQ(c.set("cleanup.policy", "archive").code(), errc::invalid_config);
  EXPECT_EQ(c.set("min.cleanable.dirty.ratio", "1.5").code(), errc::invalid_config);
  EXPECT_EQ(c.set("preallocate", "yes").code(), errc::invalid_config);
  EXPECT_EQ(c.set("unclean.leader.election.enable", "true").code(), errc::not_found);
  c.message_timestamp_difference_max_ms = 100;
  EXPECT_EQ(c.timestamp_before_max_ms(), 100);
  EXPECT_EQ(c.timestamp_after_max_ms(), 100);
  auto parsed = log_config::from_properties(
      {{"retention.bytes", "1000"}, {"compression.type", "zstd"}, {"segment.ms", "100"}});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->retention_bytes, 1000);
  EXPECT_EQ(parsed->segment_ms, 100);
  EXPECT_EQ(log_config::from_properties({{"retention.bytes", "-5"}}).code(), errc::invalid_config);
}

TEST(topic_partition, dir_names) {
  EXPECT_EQ((topic_partition{"a-b", 3}).dir_name(), "a-b-3");
  auto tp = topic_partition::from_dir_name("my-topic-12");
  ASSERT_TRUE(tp.has_value());
  EXPECT_EQ(tp->topic, "my-topic");
  EXPECT_EQ(tp->partition, 12);
  EXPECT_FALSE(topic_partition::from_dir_name("noparts").has_value());
  EXPECT_FALSE(topic_partition::from_dir_name("t-").has_value());
  EXPECT_FALSE(topic_partition::from_dir_name("-1").has_value());
  EXPECT_FALSE(topic_partition::from_dir_name("t-x").has_value());
}

}  // namespace
}  // namespace sluice::storage
