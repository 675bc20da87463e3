// The KIP-848 fixture the consumer-group tests share: one topic "t" (id T1, 4 partitions) and a
// harness that sends ConsumerGroupHeartbeats for group "g".
#pragma once

#include "coordinator/consumer_group.h"
#include "harness.h"

namespace sluice::coordinator::testing {

inline protocol::uuid topic_id(uint8_t n) {
  protocol::uuid u;
  u.value[15] = n;
  return u;
}
inline const protocol::uuid T1 = topic_id(1);
inline const protocol::uuid T2 = topic_id(2);

inline size_t count(const partition_assignment& a) {
  size_t n = 0;
  for (const auto& [t, ps] : a) n += ps.size();
  return n;
}

inline coordinator_hooks topics_hooks() {
  coordinator_hooks hooks;
  hooks.topic_lookup = [](const std::string& name) -> std::optional<topic_info> {
    if (name == "t") return topic_info{T1, 4};
    return std::nullopt;
  };
  hooks.topic_name = [](const protocol::uuid& id) -> std::optional<std::string> {
    if (id == T1) return "t";
    return std::nullopt;
  };
  return hooks;
}

struct kip848 : harness {
  explicit kip848(coordinator_config config = test_config())
      : harness(std::move(config), topics_hooks()) {}

  protocol::consumer_group_heartbeat_response beat(
      const std::string& member, int32_t epoch,
      std::optional<partition_assignment> owned = std::nullopt, bool join = false) {
    protocol::consumer_group_heartbeat_request r;
    r.group_id = "g";
    r.member_id = member;
    r.member_epoch = epoch;
    if (join) {
      r.rebalance_timeout_ms = 30'000;
      r.subscribed_topic_names = std::vector<std::string>{"t"};
      owned = partition_assignment{};
    }
    if (owned) {
      r.topic_partitions.emplace();
      for (const auto& [t, ps] : *owned) {
        auto& tp = r.topic_partitions->emplace_back();
        tp.topic_id = t;
        tp.partitions.assign(ps.begin(), ps.end());
      }
    }
    reply<protocol::consumer_group_heartbeat_response> out;
    core.consumer_group_heartbeat(std::move(r), 1, client_info{"c", "/127.0.0.1"}, now, out.sink());
    drain();
    return *out;
  }

  static partition_assignment assigned(const protocol::consumer_group_heartbeat_response& r) {
    partition_assignment out;
    if (r.assignment)
      for (const auto& t : r.assignment->topic_partitions)
        out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
    return out;
  }
};

}  // namespace sluice::coordinator::testing
