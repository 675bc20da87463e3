// Legacy message sets (magic 0 and 1, FACTS.md §2.4): parsing what Produce v0-2 carries,
// up-converting it to one v2 record batch (what Kafka 3.x does on append), and down-converting v2
// batches to magic 0 or 1 for Fetch v0-3.
//
// Owned by the protocol module. Pure functions over byte spans: every length is checked against
// the bytes left before it is used, errors are values (legacy_errc), nothing throws. Only the
// legacy Produce and Fetch paths call this; the v2 hot path never does.
//
// Entry layout: offset int64, size int32, then the message: crc uint32 (CRC-32 IEEE over magic ..
// end), magic int8, attributes int8 (bits 0-2 codec, bit 3 LogAppendTime in magic 1),
// [timestamp int64, magic 1 only], key bytes (int32 length, -1 null), value bytes (same).
// A compressed message is a wrapper whose value is a compressed message set of the same magic,
// one level deep (Kafka refuses an inner message with a codec). In magic 1 inner offsets are
// relative and the wrapper carries the absolute offset of the last inner message (KIP-31):
// absolute = wrapper offset - last relative + relative. In magic 0 inner offsets are absolute.
// Codecs: gzip, snappy (raw, or xerial framing as Java clients write it) and lz4. Magic 0 lz4 is
// Kafka's old framing whose header checksum covered the frame magic too; it is read ignoring that
// checksum (as Kafka does) and written with it (as Kafka's magic 0 writer does). zstd exists only
// in magic 2: a legacy zstd wrapper is refused, and down-converting a zstd batch fails with
// unsupported_compression (UNSUPPORTED_COMPRESSION_TYPE, as Kafka answers old fetches).
//
// Thread-safety: free functions and plain values; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/batch_header.h"
#include "protocol/compression.h"
#include "protocol/wire.h"

namespace sluice::protocol::legacy {

enum class legacy_errc {
  truncated,                // an entry or a length points past the end of the bytes given
  bad_size,                 // a message size below the smallest message, or bytes left over
  bad_magic,                // magic is not 0 or 1
  crc_mismatch,             // CRC-32 over magic..end differs from the crc field
  bad_record,               // a negative length other than -1, a wrapper without a value
  unknown_compression,      // codec 5-7, or zstd in a legacy message
  decompression_failed,     // the wrapper's value is not a valid stream for its codec
  decompressed_too_large,   // the inner messages exceed max_decompressed_bytes
  nested_compression,       // an inner message with a codec (wrappers nest one level only)
  inner_magic_mismatch,     // an inner message whose magic differs from its wrapper's
  bad_inner_offsets,        // magic 1 relative offsets that do not increase or go below 0
  empty_wrapper,            // a compressed wrapper with no inner message
  unsupported_compression,  // down-conversion of a zstd batch to magic 0 or 1
  corrupt_batch,            // down-conversion: a v2 batch that cannot be read
  internal_error,           // a codec failed for a reason that is not the input's
};

std::string_view to_string(legacy_errc e);

template <class T>
using legacy_result = sluice::result<T, legacy_errc>;

inline constexpr size_t log_overhead = 12;             // offset + size
inline constexpr size_t message_overhead_v0 = 14;      // crc, magic, attributes, two lengths
inline constexpr size_t message_overhead_v1 = 22;      // + timestamp
inline constexpr size_t max_xerial_block = 32 * 1024;  // snappy-java's default block size

// One message after the wrapper (if any) is opened: views into the input or the set's buffers.
struct legacy_message {
  int64_t offset = 0;  // absolute (magic 1 inner offsets resolved), as the producer sent it
  int8_t magic = 0;
  timestamp_type ts_type = timestamp_type::create_time;
  int64_t timestamp = -1;  // -1 (NO_TIMESTAMP) in magic 0; the wrapper's under LogAppendTime
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
};

// A parsed message set. Move-only: messages may point into `buffers` (decompressed wrappers).
struct message_set {
  message_set() = default;
  message_set(message_set&&) = default;
  message_set& operator=(message_set&&) = default;
  message_set(const message_set&) = delete;
  message_set& operator=(const message_set&) = delete;

  int8_t magic = 0;                                       // of the first entry
  compression_type compression = compression_type::none;  // of the first compressed wrapper
  std::vector<legacy_message> messages;
  std::vector<std::vector<uint8_t>> buffers;
};

struct parse_options {
  bool verify_crc = true;
  // Total cap on decompressed inner messages over the whole set (bomb protection).
  size_t max_decompressed_bytes = size_t{64} << 20;
};

// Whether `data` looks like a legacy message set: its first entry's magic byte is 0 or 1.
bool is_legacy(bytes_view data);

// Parses a whole message set (Produce v0-2 records). A partial entry at the end is an error.
legacy_result<message_set> parse_message_set(bytes_view data, const parse_options& options = {});

// Up-conversion: one v2 batch holding the set's messages in order, offset deltas 0..n-1 (the
// broker assigns offsets on append), compressed with `compression` (Kafka: the topic's
// compression.type, the producer's codec when it is "producer"). Magic 0 messages get timestamp
// -1; magic 1 keep theirs. Headers: none. Fails on an empty set (bad_record).
legacy_result<std::vector<uint8_t>> to_record_batch(const message_set& set,
                                                    compression_type compression);

struct down_convert_options {
  int8_t magic = 1;          // 0 for Fetch v0-1, 1 for Fetch v2-3
  int64_t fetch_offset = 0;  // uncompressed records below it are dropped (old clients expect so)
  // Output bound: conversion stops before the converted entry that would pass it, but the first
  // entry is always produced so a consumer can make progress.
  size_t max_bytes = size_t{1} << 20;
  size_t max_decompressed_bytes = size_t{64} << 20;
};

// Down-conversion of whole v2 batches (a trailing partial batch is ignored) to a magic 0/1
// message set, as Kafka's RecordsUtil.downConvert: control batches are skipped, headers dropped,
// offsets and timestamps kept (magic 0 has none); an uncompressed batch becomes one message per
// record, a compressed one a wrapper of the same codec.
legacy_result<std::vector<uint8_t>> down_convert(bytes_view batches,
                                                 const down_convert_options& options);

// Writes one message entry (tests and down-conversion). `attributes` as on the wire; `timestamp`
// is written only for magic 1.
void write_message(std::vector<uint8_t>& out, int64_t offset, int8_t magic, int8_t attributes,
                   int64_t timestamp, std::optional<bytes_view> key,
                   std::optional<bytes_view> value);

// Compresses an inner message set the way Kafka's legacy writer does: gzip, xerial-framed snappy,
// lz4 (magic 0: with the old header checksum). zstd and none are refused.
legacy_result<std::vector<uint8_t>> compress_inner(compression_type codec, int8_t magic,
                                                   bytes_view inner);

// XXH32 (the LZ4 frame header checksum's hash), exposed for tests.
uint32_t xxh32(bytes_view data, uint32_t seed);

}  // namespace sluice::protocol::legacy
