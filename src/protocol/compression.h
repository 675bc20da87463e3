// Compression codecs of Kafka record batches: gzip, snappy, lz4 and zstd (attribute bits 0-2).
//
// Owned by the protocol module (record-batch code). Used by record_batch.* to read compressed
// batches and by record_batch_builder to write them, and by telemetry/ to read PushTelemetry's
// payloads (the same codecs); storage and handlers never call it directly.
//
// Formats accepted on decompression:
//   gzip   one or more gzip members (a zlib-wrapped stream is accepted too).
//   snappy raw snappy (librdkafka, Go clients) OR the xerial/snappy-java framing Java clients
//   write:
//          magic 0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version, int32 compatible version, then
//          blocks of {int32 big-endian length, raw snappy block}. Detected by the magic; a raw
//          snappy stream cannot start with those bytes (it would begin with a back-reference).
//   lz4    one or more LZ4 frames (lz4frame.h format).
//   zstd   one or more zstd frames, with or without a content size in the frame header.
//
// Bomb protection: decompress() takes `max_output`; it never holds more than max_output + 1 bytes
// of output and fails with codec_errc::too_large as soon as the output would exceed max_output.
// Declared sizes (snappy lengths, zstd content sizes) are checked before anything is sized from
// them. zstd keeps its default window limit (2^27): legitimate producers at high levels use windows
// up to that size; the window buffer is mapped lazily, so resident memory still follows the output.
//
// Written on compression (what every client reads): gzip member; raw snappy; one LZ4 frame with
// 64 KiB independent blocks and no content checksum or size (the most widely readable form); one
// zstd frame with its content size.
//
// Thread-safety: free functions, safe to call from any thread. Codec contexts are cached per
// thread (thread_local), so a thread never waits on another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sluice::protocol {

enum class compression_type : int8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// "none", "gzip", "snappy", "lz4", "zstd" (Kafka's names), "unknown" otherwise.
std::string_view to_string(compression_type type);

enum class codec_errc {
  unsupported,  // not one of the five codec ids
  corrupt,      // the input is not a complete, valid stream for the codec
  too_large,    // the output would exceed the caller's max_output
  failed,       // the codec library failed for another reason (out of memory)
};

std::string_view to_string(codec_errc e);

template <class T>
using codec_result = sluice::result<T, codec_errc>;

// Compresses `input` with `type` and appends the compressed bytes to `out`. `level` is passed to
// the codec when set (gzip 0-9, lz4 fast/HC levels, zstd levels); snappy has none. `none` appends
// the input unchanged.
codec_result<void> compress(compression_type type, std::span<const uint8_t> input,
                            std::vector<uint8_t>& out, std::optional<int> level = std::nullopt);

// Decompresses `input` into `buffer` and returns a view of the output, which occupies
// buffer[0, n). `buffer` is scratch space the caller keeps and reuses across calls: it only grows
// and its size may exceed n (growth is not re-zeroed on reuse). `none` returns `input` itself.
codec_result<std::span<const uint8_t>> decompress(compression_type type,
                                                  std::span<const uint8_t> input, size_t max_output,
                                                  std::vector<uint8_t>& buffer);

// Whether `input` begins with the xerial/snappy-java stream magic.
bool is_xerial_snappy(std::span<const uint8_t> input);

}  // namespace sluice::protocol
