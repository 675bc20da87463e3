#include "server/log_defaults.h"

namespace sluice::server {

storage::log_config log_defaults(const broker_config& c) {
  storage::log_config l;
  l.segment_bytes = c.log_segment_bytes;
  l.segment_ms = c.log_roll_ms;
  l.segment_index_bytes = c.log_index_size_max_bytes;
  l.index_interval_bytes = c.log_index_interval_bytes;
  l.max_message_bytes = c.message_max_bytes;
  l.message_timestamp_type = c.log_message_timestamp_type == "LogAppendTime"
                                 ? protocol::timestamp_type::log_append_time
                                 : protocol::timestamp_type::create_time;
  l.retention_ms = c.log_retention_ms;
  l.retention_bytes = c.log_retention_bytes;
  l.cleanup_delete = false;
  l.cleanup_compact = false;
  for (const auto& p : c.log_cleanup_policy) {
    if (p == "delete") l.cleanup_delete = true;
    if (p == "compact") l.cleanup_compact = true;
  }
  l.delete_retention_ms = c.log_cleaner_delete_retention_ms;
  l.min_cleanable_dirty_ratio = c.log_cleaner_min_cleanable_ratio;
  l.min_compaction_lag_ms = c.log_cleaner_min_compaction_lag_ms;
  l.flush_messages = c.log_flush_interval_messages;
  l.flush_ms = c.log_flush_interval_ms;
  return l;
}

storage::result<storage::log_config> topic_log_config(const storage::log_config& defaults,
                                                      const cluster::config_map& overrides) {
  return storage::log_config::from_properties(overrides, defaults);
}

}  // namespace sluice::server
