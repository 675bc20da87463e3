// FindCoordinator answers from the partition -> leader mapping.
#include "coordinator/find_coordinator.h"

#include <gtest/gtest.h>

#include "coordinator/partitioner.h"
#include "protocol/error_code.h"

namespace sluice::coordinator {
namespace {

using protocol::error_code;

int16_t ec(error_code e) {
  return static_cast<int16_t>(e);
}

internal_topic_view offsets_on_three_brokers() {
  internal_topic_view v;
  v.exists = true;
  v.partitions = 50;
  v.leader = [](int32_t partition) -> std::optional<coordinator_endpoint> {
    if (partition == 22) return std::nullopt;  // no live leader
    int32_t node = partition % 3;
    return coordinator_endpoint{node, "broker" + std::to_string(node), 9092 + node};
  };
  return v;
}

TEST(find_coordinator, v0_to_v3_answer_one_key) {
  protocol::find_coordinator_request r;
  r.key = "my-group";  // partition 12 of 50
  auto a = find_coordinator(r, 0, offsets_on_three_brokers(), {});
  EXPECT_EQ(a.response.error_code, 0);
  EXPECT_EQ(a.response.node_id, 0);
  EXPECT_EQ(a.response.host, "broker0");
  EXPECT_EQ(a.response.port, 9092);
  EXPECT_FALSE(a.offsets_topic_missing);
  r.key = "hello";  // partition 22: no leader
  auto none = find_coordinator(r, 2, offsets_on_three_brokers(), {});
  EXPECT_EQ(none.response.error_code, ec(error_code::coordinator_not_available));
  EXPECT_EQ(none.response.node_id, -1);
  EXPECT_EQ(none.response.port, -1);
  EXPECT_EQ(none.response.error_message, "The coordinator is not available.");
}

TEST(find_coordinator, a_missing_topic_is_reported_for_creation) {
  protocol::find_coordinator_request r;
  r.key = "g";
  auto a = find_coordinator(r, 1, internal_topic_view{}, {});
  EXPECT_EQ(a.response.error_code, ec(error_code::coordinator_not_available));
  EXPECT_TRUE(a.offsets_topic_missing);
  r.key_type = key_type_transaction;
  auto t = find_coordinator(r, 1, offsets_on_three_brokers(), internal_topic_view{});
  EXPECT_EQ(t.response.error_code, ec(error_code::coordinator_not_available));
  EXPECT_TRUE(t.transaction_topic_missing);
  EXPECT_FALSE(t.offsets_topic_missing);
  r.key_type = 2;  // share groups are not served
  EXPECT_EQ(find_coordinator(r, 3, offsets_on_three_brokers(), {}).response.error_code,
            ec(error_code::invalid_request));
}

TEST(find_coordinator, v4_batches_keys) {
  protocol::find_coordinator_request r;
  r.coordinator_keys = {"my-group", "hello", "a"};
  auto a = find_coordinator(r, 4, offsets_on_three_brokers(), {});
  ASSERT_EQ(a.response.coordinators.size(), 3u);
  EXPECT_EQ(a.response.coordinators[0].key, "my-group");
  EXPECT_EQ(a.response.coordinators[0].error_code, 0);
  EXPECT_EQ(a.response.coordinators[0].node_id, 0);
  EXPECT_EQ(a.response.coordinators[1].error_code, ec(error_code::coordinator_not_available));
  EXPECT_EQ(a.response.coordinators[2].node_id, partition_for("a", 50) % 3);
  r.key_type = 2;
  auto share = find_coordinator(r, 6, offsets_on_three_brokers(), {});
  EXPECT_EQ(share.response.coordinators[0].error_code, ec(error_code::invalid_request));
}

}  // namespace
}  // namespace sluice::coordinator
