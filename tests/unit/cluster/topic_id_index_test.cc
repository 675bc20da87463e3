// topic_id_index: lookups by id stay right while the topic map changes under it (topics created,
// deleted, recreated with a new id under the same name) without the map's writers telling it.
#include "cluster/topic_id_index.h"

#include <gtest/gtest.h>

namespace sluice::cluster {
namespace {

protocol::uuid id(uint8_t n) {
  protocol::uuid u;
  u.value[0] = n;
  return u;
}

void add(std::map<std::string, topic_metadata>& topics, const std::string& name, uint8_t n) {
  topic_metadata t;
  t.name = name;
  t.id = id(n);
  topics[name] = t;
}

TEST(topic_id_index, finds_topics_as_the_map_changes) {
  std::map<std::string, topic_metadata> topics;
  topic_id_index index;
  add(topics, "a", 1);
  ASSERT_NE(index.find(id(1), topics), nullptr);
  EXPECT_EQ(index.find(id(1), topics)->name, "a");
  EXPECT_EQ(index.find(id(2), topics), nullptr);
  add(topics, "b", 2);  // created after the index was built
  ASSERT_NE(index.find(id(2), topics), nullptr);
  EXPECT_EQ(index.find(id(2), topics)->name, "b");
  topics.erase("a");  // deleted: its id no longer finds anything
  EXPECT_EQ(index.find(id(1), topics), nullptr);
  add(topics, "b", 3);  // recreated under the same name with a new id
  EXPECT_EQ(index.find(id(2), topics), nullptr);
  ASSERT_NE(index.find(id(3), topics), nullptr);
  EXPECT_EQ(index.find(id(3), topics)->name, "b");
  EXPECT_EQ(index.find(protocol::uuid{}, topics), nullptr);  // the zero id names no topic
}

}  // namespace
}  // namespace sluice::cluster
