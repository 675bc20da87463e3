// Response builders: the coordinator's outcomes shaped for the version the client spoke, so a
// handler can send what it gets as is (fields that a version lacks are left at their defaults;
// fields a version cannot carry null get Kafka's stand-ins). Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/types.h"
#include "protocol/error_code.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/sync_group.h"

namespace sluice::coordinator {

using protocol::error_code;

inline int16_t code(error_code e) {
  return static_cast<int16_t>(e);
}

// What a failed append of group metadata is reported as (to SyncGroup and JoinGroup), and of
// offsets (to OffsetCommit), as Kafka maps its log errors.
error_code store_error(append_status s);
error_code commit_error(append_status s);

// What a JoinGroup is answered with.
struct join_outcome {
  error_code error = error_code::none;
  int32_t generation = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<protocol::join_group_response::join_group_response_member> members;
};

protocol::join_group_response make_join_response(int16_t version, join_outcome o);
// A JoinGroup that failed: no generation, no protocol, no leader.
protocol::join_group_response join_error(int16_t version, std::string member_id, error_code e);

protocol::sync_group_response make_sync_response(int16_t version, error_code e,
                                                 std::optional<std::string> protocol_type = {},
                                                 std::optional<std::string> protocol_name = {},
                                                 protocol::bytes assignment = {});

// LeaveGroup: v3+ reports each member; v0-v2 carry one error, the first member error if the
// request as a whole succeeded.
protocol::leave_group_response make_leave_response(
    int16_t version, error_code top_level,
    std::vector<protocol::leave_group_response::member_response> members);

// One group's answer to OffsetFetch.
struct fetched_partition {
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  error_code error = error_code::none;
};
struct fetched_topic {
  std::string name;
  std::vector<fetched_partition> partitions;
};
struct fetched_group {
  std::string group_id;
  error_code error = error_code::none;
  std::vector<fetched_topic> topics;
};

// v0-v7: one group at the top level (v0-v1 put a group error on every requested partition,
// v2-v7 in the top-level error code); v8+: the groups array.
protocol::offset_fetch_response make_offset_fetch_response(int16_t version,
                                                           std::vector<fetched_group> groups);

}  // namespace sluice::coordinator
