// The fixed 61-byte header of a v2 record batch (magic 2), read, written and patched in place.
//
// Storage and the produce path treat batches as opaque bytes; this is the only view they need:
// lengths, offsets, timestamps, the CRC check, and patching fields in place (base offset and
// partition leader epoch lie outside the CRC; max timestamp and attributes need a new CRC).
// Parsing and validating records lives in record_batch.h. Owned by the record-batch code of the
// protocol module. Plain functions over caller-owned bytes: thread-safe as long as no two threads
// patch the same buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/compression.h"
#include "protocol/errc.h"

namespace sluice::protocol {

enum class timestamp_type : int8_t { create_time = 0, log_append_time = 1 };

struct batch_header {
  static constexpr size_t size = 61;
  static constexpr size_t log_overhead = 12;  // baseOffset + batchLength
  // Byte offsets of the fields within a batch.
  static constexpr size_t base_offset_at = 0;
  static constexpr size_t batch_length_at = 8;
  static constexpr size_t leader_epoch_at = 12;
  static constexpr size_t magic_at = 16;
  static constexpr size_t crc_at = 17;
  static constexpr size_t attributes_at = 21;  // the CRC covers [attributes_at, end)
  static constexpr size_t last_offset_delta_at = 23;
  static constexpr size_t base_timestamp_at = 27;
  static constexpr size_t max_timestamp_at = 35;
  static constexpr size_t producer_id_at = 43;
  static constexpr size_t producer_epoch_at = 51;
  static constexpr size_t base_sequence_at = 53;
  static constexpr size_t records_count_at = 57;

  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = 2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  // Bytes of the whole batch, header included.
  int64_t total_size() const { return static_cast<int64_t>(batch_length) + log_overhead; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  compression_type compression() const { return static_cast<compression_type>(attributes & 0x7); }
  timestamp_type ts_type() const {
    return (attributes & 0x8) ? timestamp_type::log_append_time : timestamp_type::create_time;
  }
  bool is_transactional() const { return (attributes & 0x10) != 0; }
  bool is_control() const { return (attributes & 0x20) != 0; }
  bool has_delete_horizon() const { return (attributes & 0x40) != 0; }

  // Reads the header fields from the first 61 bytes. Fails with `truncated` when shorter; checks
  // nothing else (see validate_batch_framing).
  static result<batch_header> parse(std::span<const uint8_t> data);

  // Writes every field, `crc` as it is, into the first 61 bytes of `out` (which must hold them).
  void encode(std::span<uint8_t> out) const;
};

// The size of the batch starting at `data` (batchLength + 12), from its first 12 bytes; it does not
// require the rest to be present, so it splits a records blob into batches and spots a partial
// batch at the end of a fetch. Fails with `truncated` (fewer than 12 bytes) or `corrupt`
// (batchLength smaller than the rest of the header).
result<size_t> batch_frame_size(std::span<const uint8_t> data);

// Checks that `batch` (exactly one batch) is framed sanely: magic 2, batch_length matches the span,
// records_count >= 0, last_offset_delta >= 0 and records_count <= last_offset_delta + 1 (offset
// deltas are distinct; compaction may leave gaps, so equality is not required). Does not check the
// CRC. record_batch.h has the full validation with finer-grained errors.
result<batch_header> validate_batch_framing(std::span<const uint8_t> batch);

// CRC-32C over [attributes_at, end) compared with the stored crc.
bool batch_crc_valid(std::span<const uint8_t> batch);
// CRC-32C over [attributes_at, end) of a batch of at least 61 bytes (what the crc field should be).
uint32_t compute_batch_crc(std::span<const uint8_t> batch);
// Recomputes the CRC and stores it (after writing fields the CRC covers).
void update_batch_crc(std::span<uint8_t> batch);

// In-place patches of fields outside the CRC.
void set_base_offset(std::span<uint8_t> batch, int64_t base_offset);
void set_partition_leader_epoch(std::span<uint8_t> batch, int32_t epoch);
// Sets the LogAppendTime attribute and max timestamp, then recomputes the CRC.
void set_log_append_time(std::span<uint8_t> batch, int64_t timestamp_ms);
// Sets maxTimestamp (e.g. to the value computed from the records), then recomputes the CRC.
void set_max_timestamp(std::span<uint8_t> batch, int64_t timestamp_ms);

}  // namespace sluice::protocol
