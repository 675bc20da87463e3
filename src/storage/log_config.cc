#include "storage/log_config.h"

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice::storage {

namespace {

result<int64_t> parse_long(std::string_view name, std::string_view text, int64_t min,
                           int64_t max = log_config::unlimited) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    return fail(errc::invalid_config, std::string(name) + ": not a number: " + std::string(text));
  if (v < min || v > max)
    return fail(errc::invalid_config, std::string(name) + ": " + std::string(text) +
                                          " is outside [" + std::to_string(min) + ", " +
                                          std::to_string(max) + "]");
  return v;
}

result<bool> parse_bool(std::string_view name, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return fail(errc::invalid_config, std::string(name) + ": expected true or false");
}

constexpr int64_t int32_max = std::numeric_limits<int32_t>::max();

}  // namespace

const std::vector<std::string_view>& log_config::names() {
  static const std::vector<std::string_view> all = {
      "segment.bytes",
      "segment.ms",
      "segment.jitter.ms",
      "segment.index.bytes",
      "index.interval.bytes",
      "max.message.bytes",
      "message.timestamp.type",
      "message.timestamp.difference.max.ms",
      "message.timestamp.before.max.ms",
      "message.timestamp.after.max.ms",
      "retention.ms",
      "retention.bytes",
      "cleanup.policy",
      "delete.retention.ms",
      "min.cleanable.dirty.ratio",
      "min.compaction.lag.ms",
      "max.compaction.lag.ms",
      "flush.messages",
      "flush.ms",
      "file.delete.delay.ms",
      "preallocate",
  };
  return all;
}

result<void> log_config::set(std::string_view name, std::string_view value) {
  auto set_long = [&](int64_t& field, int64_t min, int64_t max = unlimited) -> result<void> {
    auto v = parse_long(name, value, min, max);
    if (!v) return std::move(v).error();
    field = *v;
    return ok_v;
  };
  auto set_int = [&](int32_t& field, int64_t min) -> result<void> {
    auto v = parse_long(name, value, min, int32_max);
    if (!v) return std::move(v).error();
    field = static_cast<int32_t>(*v);
    return ok_v;
  };
  if (name == "segment.bytes") return set_int(segment_bytes, 14);
  if (name == "segment.ms") return set_long(segment_ms, 1);
  if (name == "segment.jitter.ms") return set_long(segment_jitter_ms, 0);
  if (name == "segment.index.bytes") return set_int(segment_index_bytes, 4);
  if (name == "index.interval.bytes") return set_int(index_interval_bytes, 0);
  if (name == "max.message.bytes") return set_int(max_message_bytes, 0);
  if (name == "message.timestamp.type") {
    if (value == "CreateTime") {
      message_timestamp_type = protocol::timestamp_type::create_time;
    } else if (value == "LogAppendTime") {
      message_timestamp_type = protocol::timestamp_type::log_append_time;
    } else {
      return fail(errc::invalid_config,
                  std::string(name) + ": expected CreateTime or LogAppendTime");
    }
    return ok_v;
  }
  if (name == "message.timestamp.difference.max.ms")
    return set_long(message_timestamp_difference_max_ms, 0);
  if (name == "message.timestamp.before.max.ms")
    return set_long(message_timestamp_before_max_ms, 0);
  if (name == "message.timestamp.after.max.ms") return set_long(message_timestamp_after_max_ms, 0);
  if (name == "retention.ms") return set_long(retention_ms, -1);
  if (name == "retention.bytes") return set_long(retention_bytes, -1);
  if (name == "cleanup.policy") {
    bool del = false;
    bool compact = false;
    std::string_view rest = value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (item == "delete") {
        del = true;
      } else if (item == "compact") {
        compact = true;
      } else {
        return fail(errc::invalid_config,
                    std::string(name) + ": unknown policy '" + std::string(item) + "'");
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!del && !compact) return fail(errc::invalid_config, std::string(name) + ": empty");
    cleanup_delete = del;
    cleanup_compact = compact;
    return ok_v;
  }
  if (name == "delete.retention.ms") return set_long(delete_retention_ms, 0);
  if (name == "min.cleanable.dirty.ratio") {
    std::string text(value);
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(v >= 0.0 && v <= 1.0))
      return fail(errc::invalid_config, std::string(name) + ": expected a number in [0, 1]");
    min_cleanable_dirty_ratio = v;
    return ok_v;
  }
  if (name == "min.compaction.lag.ms") return set_long(min_compaction_lag_ms, 0);
  if (name == "max.compaction.lag.ms") return set_long(max_compaction_lag_ms, 1);
  if (name == "flush.messages") return set_long(flush_messages, 1);
  if (name == "flush.ms") return set_long(flush_ms, 0);
  if (name == "file.delete.delay.ms") return set_long(file_delete_delay_ms, 0);
  if (name == "preallocate") {
    auto v = parse_bool(name, value);
    if (!v) return std::move(v).error();
    preallocate = *v;
    return ok_v;
  }
  return fail(errc::not_found, "not a log config: " + std::string(name));
}

result<log_config> log_config::from_properties(const std::map<std::string, std::string>& properties,
                                               const log_config& defaults) {
  log_config out = defaults;
  for (const auto& [key, value] : properties) {
    auto r = out.set(key, value);
    if (!r && r.code() != errc::not_found) return std::move(r).error();
  }
  return out;
}

result<log_config> log_config::from_properties(
    const std::map<std::string, std::string>& properties) {
  return from_properties(properties, log_config{});
}

std::string log_config::get(std::string_view name) const {
  auto num = [](int64_t v) { return std::to_string(v); };
  if (name == "segment.bytes") return num(segment_bytes);
  if (name == "segment.ms") return num(segment_ms);
  if (name == "segment.jitter.ms") return num(segment_jitter_ms);
  if (name == "segment.index.bytes") return num(segment_index_bytes);
  if (name == "index.interval.bytes") return num(index_interval_bytes);
  if (name == "max.message.bytes") return num(max_message_bytes);
  if (name == "message.timestamp.type")
    return message_timestamp_type == protocol::timestamp_type::create_time ? "CreateTime"
                                                                           : "LogAppendTime";
  if (name == "message.timestamp.difference.max.ms")
    return num(message_timestamp_difference_max_ms);
  if (name == "message.timestamp.before.max.ms") return num(message_timestamp_before_max_ms);
  if (name == "message.timestamp.after.max.ms") return num(message_timestamp_after_max_ms);
  if (name == "retention.ms") return num(retention_ms);
  if (name == "retention.bytes") return num(retention_bytes);
  if (name == "cleanup.policy") {
    if (cleanup_compact && cleanup_delete) return "compact,delete";
    return cleanup_compact ? "compact" : "delete";
  }
  if (name == "delete.retention.ms") return num(delete_retention_ms);
  if (name == "min.cleanable.dirty.ratio") {
    std::string s = std::to_string(min_cleanable_dirty_ratio);
    while (s.size() > 3 && s.back() == '0') s.pop_back();
    return s;
  }
  if (name == "min.compaction.lag.ms") return num(min_compaction_lag_ms);
  if (name == "max.compaction.lag.ms") return num(max_compaction_lag_ms);
  if (name == "flush.messages") return num(flush_messages);
  if (name == "flush.ms") return num(flush_ms);
  if (name == "file.delete.delay.ms") return num(file_delete_delay_ms);
  if (name == "preallocate") return preallocate ? "true" : "false";
  return {};
}

int64_t log_config::timestamp_before_max_ms() const {
  return std::min(message_timestamp_before_max_ms, message_timestamp_difference_max_ms);
}

int64_t log_config::timestamp_after_max_ms() const {
  return std::min(message_timestamp_after_max_ms, message_timestamp_difference_max_ms);
}

int64_t log_config::max_index_entries() const {
  return std::max<int64_t>(1, segment_index_bytes / 8);
}

}  // namespace sluice::storage
