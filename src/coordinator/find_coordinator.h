// FindCoordinator (v0-v6): which broker coordinates a group (or, later, a transactional id). The
// answer is the leader of the key's partition of the internal topic, computed as Kafka does; the
// handler supplies what the cluster metadata says about that topic. A pure function; any thread.
//
// v0-v3 ask for one key and get the top-level fields; v4+ send a batch (coordinator_keys) and get
// one entry per key. When the topic does not exist yet the answer is COORDINATOR_NOT_AVAILABLE and
// `missing_topics` tells the caller to create it (Kafka creates __consumer_offsets on first use;
// with fewer live brokers than offsets.topic.replication.factor the creation fails and clients
// keep retrying until enough brokers are up).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "protocol/generated/find_coordinator.h"

namespace sluice::coordinator {

struct coordinator_endpoint {
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
};

// What the metadata says about one internal topic (__consumer_offsets, __transaction_state).
struct internal_topic_view {
  bool exists = false;
  int32_t partitions = 0;
  // The endpoint of the partition's leader on the request's listener, or nullopt when it has no
  // live leader.
  std::function<std::optional<coordinator_endpoint>(int32_t partition)> leader;
};

inline constexpr int8_t key_type_group = 0;
inline constexpr int8_t key_type_transaction = 1;

struct find_coordinator_answer {
  protocol::find_coordinator_response response;
  bool offsets_topic_missing = false;      // create __consumer_offsets
  bool transaction_topic_missing = false;  // create __transaction_state
};

find_coordinator_answer find_coordinator(const protocol::find_coordinator_request& request,
                                         int16_t version, const internal_topic_view& offsets,
                                         const internal_topic_view& transactions);

}  // namespace sluice::coordinator
