// KIP-932 share groups for kafka-share-groups: the raw requests Kafka's Admin client sends for
// them (librdkafka knows none): ListGroups v5 filtered to type "share" at every broker,
// ShareGroupDescribe and DescribeShareGroupOffsets at the group's coordinator, DeleteGroups there.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "cli/client.h"
#include "cli/client/broker_pool.h"

namespace sluice::cli {

struct share_group_listing {
  std::string group_id;
  std::string state;  // "Empty", "Stable"
};
// Every share group of the cluster (in `states` only, unless empty), by group id.
result<std::vector<share_group_listing>> list_share_groups(broker_pool& pool,
                                                           const std::vector<std::string>& states,
                                                           deadline d);

struct share_member_description {
  std::string member_id, host, client_id;
  int32_t member_epoch = 0;
  std::vector<std::pair<std::string, int32_t>> assignment;  // sorted
};
struct share_group_description {
  std::string group_id;
  int16_t error = 0;  // GROUP_ID_NOT_FOUND: no such share group
  std::string error_message;
  std::string state;
  int32_t group_epoch = 0, assignment_epoch = 0;
  broker_info coordinator;
  std::vector<share_member_description> members;  // by member id
};
result<share_group_description> describe_share_group(broker_pool& pool, const std::string& group,
                                                     deadline d);

struct share_partition_offsets {
  std::string topic;
  int32_t partition = 0;
  std::optional<int64_t> start_offset, lag;
  std::optional<int32_t> leader_epoch;
};
// The share partitions of `group` that have a kept state, by topic and partition.
result<std::vector<share_partition_offsets>> describe_share_group_offsets(broker_pool& pool,
                                                                          const std::string& group,
                                                                          deadline d);

// The answer to AlterShareGroupOffsets or DeleteShareGroupOffsets: the request's error, and
// each topic's (delete) or partition's (alter; partition -1 for none) error.
struct share_offsets_change {
  int16_t error = 0;
  std::string error_message;
  struct item {
    std::string topic;
    int32_t partition = -1;
    int16_t error = 0;
    std::string error_message;
  };
  std::vector<item> items;
};
// AlterShareGroupOffsets at the group's coordinator: start each share partition at its offset.
result<share_offsets_change> alter_share_group_offsets(
    broker_pool& pool, const std::string& group,
    const std::vector<std::tuple<std::string, int32_t, int64_t>>& offsets, deadline d);
// DeleteShareGroupOffsets at the group's coordinator: forget the share state of `topics`.
result<share_offsets_change> delete_share_group_offsets(broker_pool& pool, const std::string& group,
                                                        const std::vector<std::string>& topics,
                                                        deadline d);

// DeleteGroups for one group at its coordinator: its error code (0: deleted).
result<int16_t> delete_share_group(broker_pool& pool, const std::string& group, deadline d);

}  // namespace sluice::cli
