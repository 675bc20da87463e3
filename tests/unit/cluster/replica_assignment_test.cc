#include "cluster/replica_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sluice::cluster {
namespace {

std::vector<assignable_broker> brokers_without_racks(std::vector<int32_t> ids) {
  std::vector<assignable_broker> brokers;
  for (int32_t id : ids) brokers.push_back({id, std::nullopt});
  return brokers;
}

assignment_request fixed(int32_t partitions, int16_t rf, int32_t start, int32_t shift,
                         int32_t first_partition = 0) {
  assignment_request r;
  r.partitions = partitions;
  r.replication_factor = rf;
  r.start_index = start;
  r.start_partition_shift = shift;
  r.first_partition = first_partition;
  return r;
}

using assignment = std::vector<std::vector<int32_t>>;

TEST(replica_assignment, rack_unaware_round_robin_with_shift_after_each_wrap) {
  auto got = assign_replicas(brokers_without_racks({0, 1, 2, 3, 4}), fixed(10, 3, 0, 0));
  ASSERT_TRUE(got.ok()) << got.message();
  const assignment expected = {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
                               {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2}};
  EXPECT_EQ(*got, expected);
}

TEST(replica_assignment, broker_order_does_not_matter_ids_are_sorted) {
  auto a = assign_replicas(brokers_without_racks({3, 1, 2}), fixed(6, 2, 1, 1));
  auto b = assign_replicas(brokers_without_racks({1, 2, 3}), fixed(6, 2, 1, 1));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  // start 1 -> first leader is broker 2; shift 1 -> follower offset 1 + (1 % 2) = 2.
  EXPECT_EQ((*a)[0], (std::vector<int32_t>{2, 1}));
}

TEST(replica_assignment, new_partitions_continue_where_the_topic_left_off) {
  auto whole = assign_replicas(brokers_without_racks({1, 2, 3}), fixed(7, 3, 2, 1));
  auto tail = assign_replicas(brokers_without_racks({1, 2, 3}), fixed(3, 3, 2, 1, 4));
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 3u);
  // The tail starts at partition 4 but with its own shift, which after a wrap advanced once in
  // the whole-topic run; only the leaders are guaranteed to continue the round robin.
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ((*tail)[i][0], (*whole)[4 + i][0]);
}

TEST(replica_assignment, single_broker) {
  auto got = assign_replicas(brokers_without_racks({7}), fixed(3, 1, -1, -1));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, (assignment{{7}, {7}, {7}}));
}

TEST(replica_assignment, replication_factor_above_broker_count_is_rejected) {
  auto got = assign_replicas(brokers_without_racks({1}), fixed(1, 3, -1, -1));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.code(), errc::invalid_replication_factor);
  EXPECT_EQ(got.message(), "Replication factor: 3 larger than available brokers: 1.");

  auto none = assign_replicas({}, fixed(1, 1, -1, -1));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.message(), "Replication factor: 1 larger than available brokers: 0.");
}

TEST(replica_assignment, non_positive_counts_are_rejected) {
  auto zero_partitions = assign_replicas(brokers_without_racks({1}), fixed(0, 1, -1, -1));
  ASSERT_FALSE(zero_partitions.ok());
  EXPECT_EQ(zero_partitions.code(), errc::invalid_partitions);
  auto zero_rf = assign_replicas(brokers_without_racks({1}), fixed(1, 0, -1, -1));
  ASSERT_FALSE(zero_rf.ok());
  EXPECT_EQ(zero_rf.code(), errc::invalid_replication_factor);
}

// For every broker count, RF, start and shift: replicas distinct and leaders spread evenly.
TEST(replica_assignment, replicas_distinct_and_leaders_even_for_every_start) {
  for (int32_t n = 1; n <= 7; ++n) {
    std::vector<int32_t> ids;
    for (int32_t i = 0; i < n; ++i) ids.push_back(100 + i * 3);
    for (int16_t rf = 1; rf <= n; ++rf) {
      for (int32_t start = 0; start < n; ++start) {
        for (int32_t shift = 0; shift < n; ++shift) {
          const int32_t partitions = 4 * n;
          auto got =
              assign_replicas(brokers_without_racks(ids), fixed(partitions, rf, start, shift));
          ASSERT_TRUE(got.ok());
          ASSERT_EQ(got->size(), static_cast<size_t>(partitions));
          std::map<int32_t, int> leaders;
          std::map<int32_t, int> replicas_per_broker;
          for (const auto& replicas : *got) {
            ASSERT_EQ(replicas.size(), static_cast<size_t>(rf));
            EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), replicas.size());
            ++leaders[replicas[0]];
            for (int32_t r : replicas) ++replicas_per_broker[r];
          }
          for (int32_t id : ids) {
            EXPECT_EQ(leaders[id], 4) << "n=" << n << " rf=" << rf << " broker " << id;
            EXPECT_EQ(replicas_per_broker[id], 4 * rf);
          }
        }
      }
    }
  }
}

TEST(replica_assignment, random_start_still_valid) {
  for (int i = 0; i < 50; ++i) {
    auto got = assign_replicas(brokers_without_racks({1, 2, 3}), fixed(5, 3, -1, -1));
    ASSERT_TRUE(got.ok());
    for (const auto& replicas : *got) {
      EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()), (std::set<int32_t>{1, 2, 3}));
    }
  }
}

std::vector<assignable_broker> racked(const std::map<int32_t, std::string>& rack_of) {
  std::vector<assignable_broker> brokers;
  for (const auto& [id, rack] : rack_of) brokers.push_back({id, rack});
  return brokers;
}

TEST(replica_assignment, rack_aware_alternates_racks) {
  const std::map<int32_t, std::string> rack_of = {{0, "rack1"}, {1, "rack3"}, {2, "rack3"},
                                                  {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
  auto got = assign_replicas(racked(rack_of), fixed(7, 3, 0, 0));
  ASSERT_TRUE(got.ok());
  // Rack-alternated order is 0,3,1,5,4,2 (rack1, rack2, rack3, rack1, ...).
  const assignment expected = {{0, 3, 1}, {3, 1, 5}, {1, 5, 4}, {5, 4, 2},
                               {4, 2, 0}, {2, 0, 3}, {0, 4, 2}};
  EXPECT_EQ(*got, expected);
}

TEST(replica_assignment, rack_aware_puts_one_replica_per_rack_first) {
  const std::map<int32_t, std::string> rack_of = {{1, "a"}, {2, "a"}, {3, "b"},
                                                  {4, "b"}, {5, "c"}, {6, "c"}};
  for (int32_t start = 0; start < 6; ++start) {
    for (int32_t shift = 0; shift < 6; ++shift) {
      auto got = assign_replicas(racked(rack_of), fixed(12, 3, start, shift));
      ASSERT_TRUE(got.ok());
      std::map<int32_t, int> leaders;
      for (const auto& replicas : *got) {
        std::set<std::string> racks;
        for (int32_t r : replicas) racks.insert(rack_of.at(r));
        EXPECT_EQ(racks.size(), 3u);
        ++leaders[replicas[0]];
      }
      for (const auto& [id, rack] : rack_of) EXPECT_EQ(leaders[id], 2);
    }
  }
  // RF above the rack count: every rack first, then distinct brokers.
  auto got = assign_replicas(racked(rack_of), fixed(6, 5, 0, 0));
  ASSERT_TRUE(got.ok());
  for (const auto& replicas : *got) {
    EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 5u);
    std::set<std::string> first_three;
    for (size_t i = 0; i < 3; ++i) first_three.insert(rack_of.at(replicas[i]));
    EXPECT_EQ(first_three.size(), 3u);
  }
}

TEST(replica_assignment, mixed_rack_information_falls_back_to_rack_unaware) {
  std::vector<assignable_broker> brokers = {{1, "a"}, {2, std::nullopt}, {3, "b"}};
  auto got = assign_replicas(brokers, fixed(3, 2, 0, 0));
  auto plain = assign_replicas(brokers_without_racks({1, 2, 3}), fixed(3, 2, 0, 0));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*got, *plain);
}

}  // namespace
}  // namespace sluice::cluster
