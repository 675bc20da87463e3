// Which __consumer_offsets partition a group lives on, computed exactly as Kafka does so that a
// group keeps its partition when the topic is shared with (or migrated from) Kafka brokers:
// abs(String.hashCode(group_id)) % offsets.topic.num.partitions, where hashCode is Java's over the
// UTF-16 code units of the id, and abs maps INT_MIN to 0 (Kafka's Utils.abs).
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice::coordinator {

// Java's String.hashCode() of the string whose UTF-8 encoding is `utf8`. Bytes that are not valid
// UTF-8 count as U+FFFD, one per malformed byte sequence, as Java's decoder replaces them.
int32_t java_string_hash(std::string_view utf8);

// The partition of __consumer_offsets that holds `group_id`; `partitions` must be positive.
int32_t partition_for(std::string_view group_id, int32_t partitions);

}  // namespace sluice::coordinator
