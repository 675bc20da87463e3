// KIP-848 consumer groups for the group tools: ConsumerGroupDescribe at the group's coordinator,
// and the group types ListGroups v5 reports (librdkafka 2.0.2 knows neither).
// librdkafka 2.0.2 describes groups only with DescribeGroups, which a consumer group answers with
// GROUP_ID_NOT_FOUND ("not a classic group"), as Kafka 4 does; the tools then ask again here, as
// Kafka's Admin client does.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "cli/admin.h"
#include "cli/client.h"

namespace sluice::cli {

// The group as ConsumerGroupDescribe reports it (state, assignor, members and their assigned
// partitions by topic name); nullopt when the broker says it is no consumer group either.
result<std::optional<group_description>> describe_consumer_group(kafka_client& c,
                                                                 const std::string& group,
                                                                 deadline d);

// Every group's type ("classic", "consumer") as each broker's ListGroups (v5+) reports it, by
// group id. Brokers too old to report types contribute nothing.
result<std::map<std::string, std::string>> list_group_types(kafka_client& c, deadline d);

}  // namespace sluice::cli
