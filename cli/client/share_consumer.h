// share_consumer: a KIP-932 share-group member over the raw protocol, for
// kafka-console-share-consumer (librdkafka knows no share groups). It joins with
// ShareGroupHeartbeat at the group's coordinator (heartbeating at the interval it is told),
// learns its assignment by topic id, and reads with ShareFetch from each assigned partition's
// leader in one share session per leader. Each record a poll hands out is acknowledged with the
// next fetch (accept, release or reject, as the tool asks); offsets of an acquired range that
// hold no record (control batches, compacted away) are acknowledged as gaps, as Kafka's consumer
// does. close() acknowledges what is left, closes the sessions (epoch -1) and leaves the group.
//
// One tool run, one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/client/broker_pool.h"
#include "cli/record_format.h"
#include "protocol/wire.h"

namespace sluice::cli {

class share_consumer {
 public:
  share_consumer(broker_pool& pool, std::string group, std::string topic);

  // Joins (first call) or heartbeats when due, then fetches once from every leader of an
  // assigned partition, waiting up to `max_wait_ms` for records. `ack` (1 accept, 2 release,
  // 3 reject) is how the records returned now will be acknowledged with the next fetch.
  result<std::vector<console_record>> poll(int32_t max_wait_ms, int8_t ack, deadline d);
  // Acknowledges what is pending, closes the share sessions and leaves the group.
  void close(deadline d);

 private:
  struct partition_ack {
    int64_t first = 0, last = 0;
    int8_t type = 1;
  };
  struct session {
    int32_t epoch = 0;  // the next ShareFetch's ShareSessionEpoch
    std::map<std::pair<protocol::uuid, int32_t>, std::vector<partition_ack>> pending;
  };
  static void add_ack(std::vector<partition_ack>& acks, int64_t first, int64_t last, int8_t type);
  result<void> heartbeat(deadline d);
  result<void> refresh_leaders(deadline d);

  broker_pool& pool_;
  std::string group_, topic_, member_id_;
  int32_t member_epoch_ = 0;
  int32_t coordinator_ = -1;
  int64_t next_heartbeat_ms_ = 0;
  int32_t heartbeat_interval_ms_ = 5000;
  protocol::uuid topic_id_;
  std::vector<int32_t> assigned_;         // partitions of topic_ this member holds
  std::map<int32_t, int32_t> leader_of_;  // partition -> broker
  std::map<int32_t, session> sessions_;   // by leader
};

}  // namespace sluice::cli
