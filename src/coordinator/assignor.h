// The server-side assignors of KIP-848 consumer groups (group.consumer.assignors): `uniform`
// (Kafka's default: balanced, sticky — a member keeps what it had where balance allows) and
// `range` (per topic, consecutive partitions to members in member-id order, so co-partitioned
// topics line up). Pure functions of the members' subscriptions, their current targets and the
// subscribed topics' partition counts; the same input always gives the same assignment.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "coordinator/consumer_group.h"

namespace sluice::coordinator {

struct assignor_member {
  std::set<protocol::uuid> topics;  // subscribed topics that exist
  partition_assignment current;     // the member's previous target (for stickiness)
};

// Member id -> partitions. Every partition of a subscribed topic goes to exactly one member
// subscribed to it (none when nobody subscribes).
using group_assignment = std::map<std::string, partition_assignment>;

group_assignment assign_uniform(const std::map<std::string, assignor_member>& members,
                                const std::map<protocol::uuid, int32_t>& partition_counts);
group_assignment assign_range(const std::map<std::string, assignor_member>& members,
                              const std::map<protocol::uuid, int32_t>& partition_counts);

// The assignor called `name` ("uniform", "range"), or nullopt when there is none by that name.
std::optional<group_assignment> run_assignor(
    std::string_view name, const std::map<std::string, assignor_member>& members,
    const std::map<protocol::uuid, int32_t>& partition_counts);

inline const std::vector<std::string> known_assignors = {"uniform", "range"};

}  // namespace sluice::coordinator
