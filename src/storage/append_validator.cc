#include "storage/append_validator.h"

#include <string>

namespace sluice::storage {

using protocol::batch_header;

namespace {

result<void> check_timestamps(const batch_header& h, const log_config& config, int64_t now_ms) {
  int64_t before = config.timestamp_before_max_ms();
  int64_t after = config.timestamp_after_max_ms();
  // -1 means "no timestamp" and is never out of bounds. The base timestamp stands for the
  // earliest record (it is the first record's), the max timestamp for the latest.
  if (h.max_timestamp >= 0 && after != log_config::unlimited && h.max_timestamp > now_ms &&
      h.max_timestamp - now_ms > after)
    return fail(errc::invalid_timestamp, "timestamp " + std::to_string(h.max_timestamp) +
                                             " is more than " + std::to_string(after) +
                                             " ms ahead of the broker's time " +
                                             std::to_string(now_ms));
  int64_t earliest = h.has_delete_horizon() ? h.max_timestamp : h.base_timestamp;
  if (earliest >= 0 && before != log_config::unlimited && earliest < now_ms &&
      now_ms - earliest > before)
    return fail(errc::invalid_timestamp, "timestamp " + std::to_string(earliest) +
                                             " is more than " + std::to_string(before) +
                                             " ms behind the broker's time " +
                                             std::to_string(now_ms));
  return ok_v;
}

}  // namespace

result<std::vector<validated_batch>> validate_batches(std::span<uint8_t> batches,
                                                      const log_config& config, bool client,
                                                      int64_t now_ms, bool check_crc,
                                                      bool allow_control) {
  std::vector<validated_batch> out;
  size_t at = 0;
  while (at < batches.size()) {
    auto rest = batches.subspan(at);
    auto parsed = batch_header::parse(rest);
    if (!parsed)
      return fail(errc::corrupt_message, "truncated record batch at byte " + std::to_string(at));
    int64_t total = parsed->total_size();
    if (parsed->batch_length <
            static_cast<int32_t>(batch_header::size - batch_header::log_overhead) ||
        total > static_cast<int64_t>(rest.size()))
      return fail(errc::corrupt_message, "record batch length " +
                                             std::to_string(parsed->batch_length) +
                                             " does not fit the request");
    auto batch = rest.first(static_cast<size_t>(total));
    if (parsed->magic != 2)
      return fail(errc::corrupt_message,
                  "record batch magic " + std::to_string(parsed->magic) + ", only 2 is supported");
    if (total > config.max_message_bytes)
      return fail(errc::message_too_large, "record batch of " + std::to_string(total) +
                                               " bytes exceeds max.message.bytes " +
                                               std::to_string(config.max_message_bytes));
    batch_header h = *parsed;
    if (h.records_count < 0 || h.last_offset_delta < 0)
      return fail(errc::corrupt_message, "negative record count or last offset delta");
    if (check_crc && !protocol::batch_crc_valid(batch))
      return fail(errc::corrupt_message, "record batch CRC mismatch at byte " + std::to_string(at));
    if (!client && int64_t{h.records_count} > int64_t{h.last_offset_delta} + 1)
      return fail(errc::corrupt_message, "more records than offsets the batch covers");
    if (client) {
      if (h.records_count == 0) return fail(errc::invalid_record, "record batch has no records");
      if (int64_t{h.last_offset_delta} + 1 != h.records_count)
        return fail(errc::invalid_record, "record count " + std::to_string(h.records_count) +
                                              " does not match last offset delta " +
                                              std::to_string(h.last_offset_delta));
      if (h.is_control() && !allow_control)
        return fail(errc::invalid_record, "clients may not write control batches");
      if (config.message_timestamp_type == protocol::timestamp_type::log_append_time) {
        protocol::set_log_append_time(batch, now_ms);
        h.attributes = static_cast<int16_t>(h.attributes | 0x8);
        h.max_timestamp = now_ms;
      } else {
        auto t = check_timestamps(h, config, now_ms);
        if (!t) return std::move(t).error();
      }
    }
    out.push_back(validated_batch{at, h});
    at += static_cast<size_t>(total);
  }
  return out;
}

}  // namespace sluice::storage
