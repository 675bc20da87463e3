// coordinator_config: the broker settings the group coordinator obeys, with Kafka's defaults.
// A plain value, copied into the coordinator at construction.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::coordinator {

struct coordinator_config {
  // offsets.topic.num.partitions: a group lives on partition partition_for(group, this).
  int32_t offsets_topic_partitions = 50;
  // group.min.session.timeout.ms / group.max.session.timeout.ms: JoinGroup outside the range
  // gets INVALID_SESSION_TIMEOUT.
  int32_t min_session_timeout_ms = 6'000;
  int32_t max_session_timeout_ms = 1'800'000;
  // group.initial.rebalance.delay.ms: how long an empty group waits for more members before its
  // first rebalance completes (extended while new members keep arriving, up to the rebalance
  // timeout).
  int32_t initial_rebalance_delay_ms = 3'000;
  // group.max.size: more members get GROUP_MAX_SIZE_REACHED.
  int32_t max_group_size = std::numeric_limits<int32_t>::max();
  // offsets.retention.minutes (in ms): committed offsets of an empty group (or of topics the group
  // no longer subscribes to) are removed this long after the group emptied / the last commit.
  int64_t offsets_retention_ms = int64_t{7} * 24 * 60 * 60 * 1000;
  // offsets.retention.check.interval.ms: how often expired offsets are looked for.
  int64_t offsets_retention_check_interval_ms = 600'000;
  // offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE.
  int32_t offset_metadata_max_bytes = 4096;
  // How long a new member's first JoinGroup may wait in a rebalance before it is dropped (it
  // cannot heartbeat yet, so its session timeout does not apply). Kafka fixes this at 5 minutes.
  int32_t new_member_join_timeout_ms = 300'000;

  // ---- KIP-848 consumer groups ----
  // group.coordinator.rebalance.protocols contains "consumer" (Kafka 4.x's default).
  bool consumer_protocol_enabled = true;
  // group.consumer.session.timeout.ms / group.consumer.heartbeat.interval.ms.
  int32_t consumer_session_timeout_ms = 45'000;
  int32_t consumer_heartbeat_interval_ms = 5'000;
  // group.consumer.max.size.
  int32_t consumer_max_size = std::numeric_limits<int32_t>::max();
  // group.consumer.assignors: the server-side assignors by name; the first is the default.
  std::vector<std::string> consumer_assignors = {"uniform", "range"};
  // How often regular-expression subscriptions are matched against the topics again, so a topic
  // created later joins the subscription (Kafka's coordinator refreshes every 10 seconds too).
  int64_t regex_refresh_ms = 10'000;
  // group.consumer.migration.policy: a non-empty classic group becomes a consumer group when a
  // consumer-protocol member joins it (upgrade), and a consumer group whose last
  // consumer-protocol member leaves becomes a classic group again (downgrade).
  bool migration_upgrade = true;
  bool migration_downgrade = true;

  // ---- KIP-932 share groups ----
  // group.coordinator.rebalance.protocols contains "share" (or share.version=1 is finalized).
  bool share_protocol_enabled = true;
  // group.share.session.timeout.ms / group.share.heartbeat.interval.ms / group.share.max.size.
  int32_t share_session_timeout_ms = 45'000;
  int32_t share_heartbeat_interval_ms = 5'000;
  int32_t share_max_size = 200;

  // A group's own value of an integer group config (consumer.session.timeout.ms,
  // consumer.heartbeat.interval.ms, share.session.timeout.ms, share.heartbeat.interval.ms),
  // which wins over the broker's group.* setting above (ConfigResource GROUP); none when unset.
  std::function<std::optional<int32_t>(const std::string& group, std::string_view key)>
      group_override;

  // The group's value of `key`, else `broker_default`.
  int32_t for_group(const std::string& group, std::string_view key, int32_t broker_default) const {
    if (group_override)
      if (auto v = group_override(group, key)) return *v;
    return broker_default;
  }
};

}  // namespace sluice::coordinator
