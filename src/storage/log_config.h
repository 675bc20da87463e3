// Per-partition log settings, named after Kafka's topic configs and with Kafka's defaults.
//
// A plain value type. The broker builds one from its log.* defaults plus the topic's overrides
// (set(), from_properties()) and hands it to log_manager::create_partition or
// partition_log::set_config; a new config applies to a live partition from its next append,
// roll, retention or cleaning pass. Fields are the topic config names with '.' turned into '_'.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/batch_header.h"
#include "storage/errc.h"

namespace sluice::storage {

struct log_config {
  static constexpr int64_t unlimited = std::numeric_limits<int64_t>::max();

  int32_t segment_bytes = 1 << 30;              // segment.bytes
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;  // segment.ms
  int64_t segment_jitter_ms = 0;                // segment.jitter.ms
  int32_t segment_index_bytes =
      10 * 1024 * 1024;                 // segment.index.bytes (bounds entries per segment)
  int32_t index_interval_bytes = 4096;  // index.interval.bytes
  int32_t max_message_bytes = 1048588;  // max.message.bytes
  protocol::timestamp_type message_timestamp_type =  // message.timestamp.type
      protocol::timestamp_type::create_time;
  int64_t message_timestamp_difference_max_ms = unlimited;  // ...difference.max.ms (deprecated)
  int64_t message_timestamp_before_max_ms = unlimited;      // ...before.max.ms
  int64_t message_timestamp_after_max_ms = unlimited;       // ...after.max.ms
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;            // retention.ms (-1: keep forever)
  int64_t retention_bytes = -1;                             // retention.bytes (-1: no size limit)
  bool cleanup_delete = true;                               // cleanup.policy contains "delete"
  bool cleanup_compact = false;                             // cleanup.policy contains "compact"
  int64_t delete_retention_ms = 24LL * 3600 * 1000;         // delete.retention.ms
  double min_cleanable_dirty_ratio = 0.5;                   // min.cleanable.dirty.ratio
  int64_t min_compaction_lag_ms = 0;                        // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = unlimited;                // max.compaction.lag.ms
  int64_t flush_messages = unlimited;                       // flush.messages
  int64_t flush_ms = unlimited;                             // flush.ms
  int64_t file_delete_delay_ms = 60000;                     // file.delete.delay.ms
  bool preallocate = false;                                 // preallocate

  // Sets the field named by its Kafka config name ("segment.bytes") from its text form, checking
  // the value the way Kafka does. errc::invalid_config names the key and why; an unknown key is
  // errc::not_found so callers can pass non-log topic configs through.
  result<void> set(std::string_view name, std::string_view value);
  // `defaults` overlaid with every log key of `properties` (other keys are ignored).
  static result<log_config> from_properties(const std::map<std::string, std::string>& properties,
                                            const log_config& defaults);
  static result<log_config> from_properties(const std::map<std::string, std::string>& properties);
  // The value of one key in Kafka's text form (for DescribeConfigs).
  std::string get(std::string_view name) const;
  // Every key this struct knows, in Kafka's spelling.
  static const std::vector<std::string_view>& names();

  // The effective timestamp bounds: before/after, each capped by the deprecated difference.
  int64_t timestamp_before_max_ms() const;
  int64_t timestamp_after_max_ms() const;
  // segment.index.bytes as a number of offset index entries.
  int64_t max_index_entries() const;
};

}  // namespace sluice::storage
