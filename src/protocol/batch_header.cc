// The v2 batch header: field reads and writes at fixed offsets (see batch_header.h).
#include "protocol/batch_header.h"

#include "base/crc32c.h"
#include "protocol/wire.h"

namespace sluice::protocol {

namespace {
void put_be(std::span<uint8_t> out, size_t at, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out[at + width - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
}

constexpr int32_t kMinBatchLength =
    static_cast<int32_t>(batch_header::size - batch_header::log_overhead);
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

void batch_header::encode(std::span<uint8_t> out) const {
  put_be(out, base_offset_at, static_cast<uint64_t>(base_offset), 8);
  put_be(out, batch_length_at, static_cast<uint32_t>(batch_length), 4);
  put_be(out, leader_epoch_at, static_cast<uint32_t>(partition_leader_epoch), 4);
  out[magic_at] = static_cast<uint8_t>(magic);
  put_be(out, crc_at, crc, 4);
  put_be(out, attributes_at, static_cast<uint16_t>(attributes), 2);
  put_be(out, last_offset_delta_at, static_cast<uint32_t>(last_offset_delta), 4);
  put_be(out, base_timestamp_at, static_cast<uint64_t>(base_timestamp), 8);
  put_be(out, max_timestamp_at, static_cast<uint64_t>(max_timestamp), 8);
  put_be(out, producer_id_at, static_cast<uint64_t>(producer_id), 8);
  put_be(out, producer_epoch_at, static_cast<uint16_t>(producer_epoch), 2);
  put_be(out, base_sequence_at, static_cast<uint32_t>(base_sequence), 4);
  put_be(out, records_count_at, static_cast<uint32_t>(records_count), 4);
}

result<size_t> batch_frame_size(std::span<const uint8_t> data) {
  if (data.size() < batch_header::log_overhead) return errc::truncated;
  reader r(data.subspan(batch_header::batch_length_at, 4));
  int32_t length = r.read_int32();
  if (length < kMinBatchLength)
    return fail(errc::corrupt, "record batch length smaller than its header");
  return static_cast<size_t>(length) + batch_header::log_overhead;
}

result<batch_header> validate_batch_framing(std::span<const uint8_t> batch) {
  auto h = batch_header::parse(batch);
  if (!h) return h;
  if (h->magic != 2) return fail(errc::corrupt, "record batch magic is not 2");
  if (h->batch_length < kMinBatchLength)
    return fail(errc::corrupt, "record batch length smaller than its header");
  if (h->total_size() != static_cast<int64_t>(batch.size()))
    return fail(errc::corrupt, "record batch length does not match its frame");
  if (h->records_count < 0) return fail(errc::corrupt, "negative record count");
  if (h->last_offset_delta < 0) return fail(errc::corrupt, "negative last offset delta");
  if (static_cast<int64_t>(h->records_count) > static_cast<int64_t>(h->last_offset_delta) + 1)
    return fail(errc::corrupt, "more records than offsets the batch covers");
  return h;
}

uint32_t compute_batch_crc(std::span<const uint8_t> batch) {
  return crc32c(batch.subspan(batch_header::attributes_at));
}

bool batch_crc_valid(std::span<const uint8_t> batch) {
  auto h = batch_header::parse(batch);
  if (!h) return false;
  return compute_batch_crc(batch) == h->crc;
}

void update_batch_crc(std::span<uint8_t> batch) {
  put_be(batch, batch_header::crc_at, compute_batch_crc(batch), 4);
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
  update_batch_crc(batch);
}

void set_max_timestamp(std::span<uint8_t> batch, int64_t timestamp_ms) {
  put_be(batch, batch_header::max_timestamp_at, static_cast<uint64_t>(timestamp_ms), 8);
  update_batch_crc(batch);
}

}  // namespace sluice::protocol
