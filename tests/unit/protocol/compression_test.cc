// Codec round trips, the xerial snappy framing, corrupt inputs and the decompression limit.
#include "protocol/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <random>
#include <string>
#include <vector>

namespace sluice::protocol {
namespace {

using bytes = std::vector<uint8_t>;

constexpr compression_type kCodecs[] = {compression_type::gzip, compression_type::snappy,
                                        compression_type::lz4, compression_type::zstd};

bytes random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Text-like data: compresses, but not trivially.
bytes texty_bytes(size_t n, uint32_t seed) {
  static const std::string words[] = {"offset ", "batch ", "record ", "kafka ", "sluice ", "\n"};
  std::mt19937 rng(seed);
  bytes out;
  while (out.size() < n) {
    const std::string& w = words[rng() % 6];
    out.insert(out.end(), w.begin(), w.end());
  }
  out.resize(n);
  return out;
}

bytes compressed(compression_type type, const bytes& input) {
  bytes out;
  auto r = compress(type, input, out);
  EXPECT_TRUE(r.ok()) << to_string(type);
  return out;
}

bytes decompressed(compression_type type, const bytes& input, size_t limit = 1 << 26) {
  bytes buffer;
  auto r = decompress(type, input, limit, buffer);
  EXPECT_TRUE(r.ok()) << to_string(type) << ": " << (r.ok() ? "" : r.message());
  if (!r.ok()) return {};
  return bytes(r->begin(), r->end());
}

void put_be32(bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

bytes raw_snappy(const bytes& input) {
  std::string out;
  snappy::Compress(reinterpret_cast<const char*>(input.data()), input.size(), &out);
  return bytes(out.begin(), out.end());
}

// The snappy-java stream format, assembled by hand: 8-byte magic, version 1, compatible version 1,
// then {int32 big-endian length, raw snappy block} per chunk.
bytes xerial_frame(const std::vector<bytes>& chunks) {
  bytes out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
  put_be32(out, 1);
  put_be32(out, 1);
  for (const bytes& chunk : chunks) {
    bytes block = raw_snappy(chunk);
    put_be32(out, static_cast<uint32_t>(block.size()));
    out.insert(out.end(), block.begin(), block.end());
  }
  return out;
}

TEST(compression, round_trip_every_codec) {
  for (compression_type type : kCodecs) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{70000}, size_t{1} << 20}) {
      for (const bytes& input : {texty_bytes(size, 1), random_bytes(size, 2)}) {
        bytes packed = compressed(type, input);
        EXPECT_EQ(decompressed(type, packed), input) << to_string(type) << " size " << size;
      }
    }
  }
}

TEST(compression, levels_are_honoured) {
  bytes input = texty_bytes(200000, 3);
  for (compression_type type : {compression_type::gzip, compression_type::zstd}) {
    bytes fast;
    bytes best;
    ASSERT_TRUE(compress(type, input, fast, 1).ok());
    ASSERT_TRUE(compress(type, input, best, 9).ok());
    EXPECT_LE(best.size(), fast.size()) << to_string(type);
    EXPECT_EQ(decompressed(type, best), input);
  }
  bytes hc;
  ASSERT_TRUE(compress(compression_type::lz4, input, hc, 9).ok());
  EXPECT_EQ(decompressed(compression_type::lz4, hc), input);
}

TEST(compression, compress_appends_to_existing_bytes) {
  bytes out = {1, 2, 3};
  bytes input = texty_bytes(1000, 4);
  ASSERT_TRUE(compress(compression_type::zstd, input, out).ok());
  EXPECT_EQ(out[0], 1);
  bytes rest(out.begin() + 3, out.end());
  EXPECT_EQ(decompressed(compression_type::zstd, rest), input);
}

TEST(compression, none_is_the_input_itself) {
  bytes input = texty_bytes(100, 5);
  bytes buffer;
  auto r = decompress(compression_type::none, input, 1000, buffer);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data(), input.data());
  EXPECT_EQ(decompress(compression_type::none, input, 99, buffer).code(), codec_errc::too_large);
}

TEST(compression, unknown_codec_id) {
  bytes out;
  bytes buffer;
  auto bad = static_cast<compression_type>(5);
  EXPECT_EQ(compress(bad, bytes{1}, out).code(), codec_errc::unsupported);
  EXPECT_EQ(decompress(bad, bytes{1}, 10, buffer).code(), codec_errc::unsupported);
}

TEST(compression, raw_snappy_is_not_mistaken_for_xerial) {
  bytes packed = compressed(compression_type::snappy, texty_bytes(5000, 6));
  EXPECT_FALSE(is_xerial_snappy(packed));
}

TEST(compression, xerial_snappy_stream_is_accepted) {
  bytes a = texty_bytes(32 * 1024, 7);
  bytes b = random_bytes(1000, 8);
  bytes c = texty_bytes(10, 9);
  bytes framed = xerial_frame({a, b, c});
  ASSERT_TRUE(is_xerial_snappy(framed));
  bytes expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  expected.insert(expected.end(), c.begin(), c.end());
  EXPECT_EQ(decompressed(compression_type::snappy, framed), expected);
  // No blocks at all: an empty stream.
  EXPECT_TRUE(decompressed(compression_type::snappy, xerial_frame({})).empty());
}

TEST(compression, xerial_snappy_damage_is_an_error) {
  bytes framed = xerial_frame({texty_bytes(5000, 10)});
  bytes buffer;
  // Header cut short.
  bytes shorter(framed.begin(), framed.begin() + 12);
  EXPECT_EQ(decompress(compression_type::snappy, shorter, 1 << 20, buffer).code(),
            codec_errc::corrupt);
  // Block length cut short, and block length pointing past the end.
  bytes cut(framed.begin(), framed.begin() + 18);
  EXPECT_EQ(decompress(compression_type::snappy, cut, 1 << 20, buffer).code(), codec_errc::corrupt);
  bytes long_block = framed;
  long_block[16] = 0x7f;
  EXPECT_EQ(decompress(compression_type::snappy, long_block, 1 << 20, buffer).code(),
            codec_errc::corrupt);
  // The last byte of the block removed.
  bytes trimmed(framed.begin(), framed.end() - 1);
  EXPECT_EQ(decompress(compression_type::snappy, trimmed, 1 << 20, buffer).code(),
            codec_errc::corrupt);
}

TEST(compression, concatenated_streams_decode_whole) {
  bytes a = texty_bytes(3000, 11);
  bytes b = texty_bytes(5000, 12);
  bytes expected = a;
  expected.insert(expected.end(), b.begin(), b.end());
  for (compression_type type :
       {compression_type::gzip, compression_type::lz4, compression_type::zstd}) {
    bytes both = compressed(type, a);
    bytes second = compressed(type, b);
    both.insert(both.end(), second.begin(), second.end());
    EXPECT_EQ(decompressed(type, both), expected) << to_string(type);
  }
}

// Kafka's Java zstd writer streams, so its frames may not state their content size.
bytes zstd_without_content_size(const bytes& input) {
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);
  bytes out(ZSTD_compressBound(input.size()) + 64);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer dst{out.data(), out.size(), 0};
  size_t left = ZSTD_compressStream2(ctx, &dst, &in, ZSTD_e_end);
  EXPECT_EQ(left, 0u);
  ZSTD_freeCCtx(ctx);
  out.resize(dst.pos);
  return out;
}

TEST(compression, zstd_frame_without_content_size) {
  bytes input = texty_bytes(300000, 13);
  bytes packed = zstd_without_content_size(input);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  EXPECT_EQ(decompressed(compression_type::zstd, packed), input);
  bytes buffer;
  EXPECT_EQ(decompress(compression_type::zstd, packed, 100000, buffer).code(),
            codec_errc::too_large);
  EXPECT_LE(buffer.size(), 100001u);
}

TEST(compression, limit_is_enforced_at_the_exact_size) {
  bytes zeros(1 << 20, 0);
  for (compression_type type : kCodecs) {
    bytes packed = compressed(type, zeros);
    bytes buffer;
    auto exact = decompress(type, packed, zeros.size(), buffer);
    ASSERT_TRUE(exact.ok()) << to_string(type);
    EXPECT_EQ(exact->size(), zeros.size());
    bytes small;
    EXPECT_EQ(decompress(type, packed, zeros.size() - 1, small).code(), codec_errc::too_large)
        << to_string(type);
    EXPECT_LE(small.size(), zeros.size()) << to_string(type);
  }
  bytes framed = xerial_frame({zeros});
  bytes small;
  EXPECT_EQ(decompress(compression_type::snappy, framed, 1000, small).code(),
            codec_errc::too_large);
}

TEST(compression, bomb_never_allocates_past_the_limit) {
  // 64 MiB of zeros shrink to a few KiB; decompressing with a 1 MiB cap must stop there.
  bytes zeros(64 << 20, 0);
  const size_t limit = 1 << 20;
  for (compression_type type : kCodecs) {
    bytes packed = compressed(type, zeros);
    bytes buffer;
    EXPECT_EQ(decompress(type, packed, limit, buffer).code(), codec_errc::too_large)
        << to_string(type);
    EXPECT_LE(buffer.size(), limit + 1) << to_string(type);
  }
}

TEST(compression, corrupt_and_truncated_inputs_are_errors) {
  bytes input = texty_bytes(50000, 14);
  for (compression_type type : kCodecs) {
    bytes packed = compressed(type, input);
    bytes buffer;
    for (size_t cut : {size_t{0}, size_t{1}, packed.size() / 2, packed.size() - 1}) {
      bytes part(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(cut));
      auto r = decompress(type, part, 1 << 20, buffer);
      EXPECT_FALSE(r.ok()) << to_string(type) << " cut at " << cut;
      if (!r.ok()) {
        EXPECT_EQ(r.code(), codec_errc::corrupt) << to_string(type) << " cut " << cut;
      }
    }
    bytes noise = random_bytes(5000, 15);
    auto r = decompress(type, noise, 1 << 20, buffer);
    EXPECT_FALSE(r.ok()) << to_string(type);
  }
}

TEST(compression, flipped_bytes_never_crash) {
  // Every outcome is acceptable except a crash or an output past the limit (ASan watches).
  bytes input = texty_bytes(20000, 16);
  std::mt19937 rng(17);
  for (compression_type type : kCodecs) {
    bytes packed = compressed(type, input);
    bytes buffer;
    for (int i = 0; i < 300; ++i) {
      bytes damaged = packed;
      damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
      auto r = decompress(type, damaged, 30000, buffer);
      if (r.ok()) {
        EXPECT_LE(r->size(), 30000u);
      }
    }
  }
}

TEST(compression, buffer_is_reused_across_calls) {
  bytes buffer;
  bytes big = texty_bytes(100000, 18);
  bytes small = texty_bytes(100, 19);
  for (compression_type type : kCodecs) {
    auto r1 = decompress(type, compressed(type, big), 1 << 20, buffer);
    ASSERT_TRUE(r1.ok());
    EXPECT_EQ(bytes(r1->begin(), r1->end()), big);
    auto r2 = decompress(type, compressed(type, small), 1 << 20, buffer);
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(bytes(r2->begin(), r2->end()), small);
  }
}

}  // namespace
}  // namespace sluice::protocol
