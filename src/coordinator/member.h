// member: one member of a classic group — who it is, what it supports, what it was assigned, and
// the JoinGroup/SyncGroup it may have parked with the coordinator. Owned by its group; reached
// only through coordinator_core, so single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "coordinator/completion.h"
#include "coordinator/timer_queue.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/sync_group.h"
#include "protocol/wire.h"

namespace sluice::coordinator {

// The protocol type of Kafka's consumers (their JoinGroup's ProtocolType).
inline constexpr std::string_view consumer_protocol_type = "consumer";

// One entry of JoinGroup's protocol list: a protocol name (an assignor, for consumers) and the
// member's metadata for it (its subscription).
struct member_protocol {
  std::string name;
  protocol::bytes metadata;
  friend bool operator==(const member_protocol&, const member_protocol&) = default;
};

// A JoinGroup that waits for the rebalance to complete. `request_seq` tells one parked request
// from a later one of the same member.
struct parked_join {
  int16_t version = 0;
  uint64_t request_seq = 0;
  completion<protocol::join_group_response> done;
};

// A SyncGroup that waits for the leader's assignment (and for it to be written).
struct parked_sync {
  int16_t version = 0;
  completion<protocol::sync_group_response> done;
};

struct member {
  std::string id;
  std::optional<std::string> instance_id;  // group.instance.id: a static member
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<member_protocol> protocols;  // in the member's order of preference
  protocol::bytes assignment;              // from the leader's SyncGroup

  std::optional<parked_join> awaiting_join;
  std::optional<parked_sync> awaiting_sync;
  // Joined in the current rebalance and has not seen a generation yet: it cannot heartbeat, so
  // its session timer is the (longer) new-member join timeout, and waiting does not excuse it.
  bool is_new = false;
  timer_id session_timer = no_timer;

  bool is_static() const { return instance_id.has_value(); }

  // The member's metadata for `protocol`, or nullptr if it does not support it.
  const protocol::bytes* metadata_for(std::string_view protocol) const {
    for (const auto& p : protocols)
      if (p.name == protocol) return &p.metadata;
    return nullptr;
  }

  // Same protocols with the same metadata in the same order (a rejoin that changes nothing).
  bool matches(const std::vector<member_protocol>& other) const { return protocols == other; }

  // The member's most preferred protocol among `candidates`.
  const std::string* vote(const std::unordered_set<std::string>& candidates) const {
    for (const auto& p : protocols)
      if (candidates.contains(p.name)) return &p.name;
    return nullptr;
  }
};

}  // namespace sluice::coordinator
