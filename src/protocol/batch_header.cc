#include "protocol/batch_header.h"

#include "base/crc32c.h"
#include "protocol/wire.h"

namespace sluice::protocol {

namespace {
void put_be(std::span<uint8_t> out, size_t at, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out[at + width - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
}
}  // namespace

result<batch_header> batch_header::parse(std::span<const uint8_t> data) {
  if (data.size() < size) return errc::truncated;
  reader r(data.first(size));
  batch_header h;
  h.base_offset = r.read_int64();
  h.batch_length = r.read_int32();
  h.partition_leader_epoch = r.read_int32();
  h.magic = r.read_int8();
  h.crc = r.read_uint32();
  h.attributes = r.read_int16();
  h.last_offset_delta = r.read_int32();
  h.base_timestamp = r.read_int64();
  h.max_timestamp = r.read_int64();
  h.producer_id = r.read_int64();
  h.producer_epoch = r.read_int16();
  h.base_sequence = r.read_int32();
  h.records_count = r.read_int32();
  return h;
}

result<batch_header> validate_batch_framing(std::span<const uint8_t> batch) {
  auto h = batch_header::parse(batch);
  if (!h) return h;
  if (h->magic != 2) return fail(errc::corrupt, "record batch magic is not 2");
  if (h->batch_length < static_cast<int32_t>(batch_header::size - batch_header::log_overhead))
    return fail(errc::corrupt, "record batch length smaller than its header");
  if (h->total_size() != static_cast<int64_t>(batch.size()))
    return fail(errc::corrupt, "record batch length does not match its frame");
  if (h->records_count < 0) return fail(errc::corrupt, "negative record count");
  if (h->last_offset_delta < 0) return fail(errc::corrupt, "negative last offset delta");
  return h;
}

bool batch_crc_valid(std::span<const uint8_t> batch) {
  if (batch.size() < batch_header::size) return false;
  auto h = batch_header::parse(batch);
  if (!h) return false;
  auto covered = batch.subspan(batch_header::attributes_at);
  return crc32c(covered) == h->crc;
}

void set_base_offset(std::span<uint8_t> batch, int64_t base_offset) {
  put_be(batch, batch_header::base_offset_at, static_cast<uint64_t>(base_offset), 8);
}

void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch) {
  put_be(batch, batch_header::leader_epoch_at, static_cast<uint32_t>(epoch), 4);
}

void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms) {
  uint16_t attrs = static_cast<uint16_t>((batch[batch_header::attributes_at] << 8) |
                                         batch[batch_header::attributes_at + 1]);
  attrs |= 0x8;
  put_be(batch, batch_header::attributes_at, attrs, 2);
  put_be(batch, batch_header::max_timestamp_at, static_cast<uint64_t>(timestamp_ms), 8);
  uint32_t crc = crc32c(std::span<const uint8_t>(batch).subspan(batch_header::attributes_at));
  put_be(batch, batch_header::crc_at, crc, 4);
}

}  // namespace sluice::protocol
