// Offset look-ups the tools share: a partition's log start and end (watermarks) and the first
// offset at or after a time, over librdkafka (query_watermark_offsets, offsets_for_times).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cli/admin.h"
#include "cli/client.h"

namespace sluice::cli {

struct watermarks {
  int64_t low = -1;   // log start offset
  int64_t high = -1;  // log end offset (high watermark)
};

result<watermarks> query_watermarks(kafka_client& c, const std::string& topic, int32_t partition,
                                    deadline d);

// For each partition, the earliest offset whose timestamp is >= `timestamp_ms` (-1 when none).
// Kafka's special times work too: -1 latest, -2 earliest.
result<std::vector<partition_offset>> offsets_for_time(
    kafka_client& c, const std::vector<std::pair<std::string, int32_t>>& partitions,
    int64_t timestamp_ms, deadline d);

}  // namespace sluice::cli
