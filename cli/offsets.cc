// Watermark and time-based offset look-ups over librdkafka.
#include "cli/offsets.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::cli {

result<watermarks> query_watermarks(kafka_client& c, const std::string& topic, int32_t partition,
                                    deadline d) {
  watermarks w;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      c.get(), topic.c_str(), partition, &w.low, &w.high, std::max(1, d.remaining_ms()));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return w;
  c.poll();
  if (auto why = c.unreachable_reason()) return fail(errc::unreachable, *why);
  errc code = err == RD_KAFKA_RESP_ERR__TIMED_OUT              ? errc::timed_out
              : err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ? errc::not_found
                                                               : errc::broker;
  return fail(code, fmt::format("Could not get the offsets of {}-{}: {}", topic, partition,
                                kafka_error_message(err, "")));
}

result<std::vector<partition_offset>> offsets_for_time(
    kafka_client& c, const std::vector<std::pair<std::string, int32_t>>& partitions,
    int64_t timestamp_ms, deadline d) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& [topic, partition] : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = timestamp_ms;
  }
  rd_kafka_resp_err_t err =
      rd_kafka_offsets_for_times(c.get(), list.get(), std::max(1, d.remaining_ms()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    c.poll();
    if (auto why = c.unreachable_reason()) return fail(errc::unreachable, *why);
    return fail(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timed_out : errc::broker,
                fmt::format("Looking up offsets by time failed: {}", kafka_error_message(err, "")));
  }
  std::vector<partition_offset> out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    partition_offset po;
    po.topic = p.topic;
    po.partition = p.partition;
    po.offset = p.offset;
    po.error = p.err;
    out.push_back(std::move(po));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sluice::cli
