// Legacy message sets (magic 0/1): parsing, wrappers of every legacy codec, malformed input,
// up-conversion to a v2 batch and down-conversion back.
#include "protocol/legacy_records.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/record_batch.h"

namespace sluice::protocol::legacy {
namespace {

using bytes = std::vector<uint8_t>;

bytes_view bv(std::string_view s) {
  return bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string str(std::optional<bytes_view> b) {
  return b ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : "<null>";
}

// Three inner messages with offsets `first`.. (relative 0.. for magic 1 when `relative`).
bytes inner_set(int8_t magic, int64_t first) {
  bytes out;
  for (int i = 0; i < 3; ++i) {
    std::string key = "k" + std::to_string(i), value = "value-" + std::to_string(i);
    write_message(out, first + i, magic, 0, 1000 + i, bv(key), bv(value));
  }
  return out;
}

bytes wrapper(compression_type codec, int8_t magic, int64_t wrapper_offset, const bytes& inner,
              int8_t extra_attributes = 0, int64_t ts = 5000) {
  auto compressed = compress_inner(codec, magic, inner);
  EXPECT_TRUE(compressed.ok());
  bytes out;
  write_message(out, wrapper_offset, magic,
                static_cast<int8_t>(static_cast<int>(codec) | extra_attributes), ts, std::nullopt,
                bytes_view(*compressed));
  return out;
}

TEST(legacy_records, plain_messages_both_magics) {
  for (int8_t magic : {0, 1}) {
    bytes set;
    write_message(set, 7, magic, 0, 1234, bv("key"), bv("value"));
    write_message(set, 8, magic, 0, 1235, std::nullopt, std::nullopt);
    auto parsed = parse_message_set(set);
    ASSERT_TRUE(parsed.ok()) << parsed.message();
    ASSERT_EQ(parsed->messages.size(), 2u);
    EXPECT_EQ(parsed->magic, magic);
    EXPECT_EQ(parsed->compression, compression_type::none);
    const auto& m = parsed->messages[0];
    EXPECT_EQ(m.offset, 7);
    EXPECT_EQ(m.timestamp, magic == 0 ? -1 : 1234);
    EXPECT_EQ(str(m.key), "key");
    EXPECT_EQ(str(m.value), "value");
    EXPECT_FALSE(parsed->messages[1].key);
    EXPECT_FALSE(parsed->messages[1].value);
  }
}

// A magic 1 message as Kafka 0.10's LegacyRecord writes it, bytes laid out by hand.
TEST(legacy_records, known_answer_magic1) {
  bytes set;
  write_message(set, 0, 1, 0, 0x0102030405060708, bv("k"), bv("v"));
  const bytes expected_tail = {1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 'k', 0, 0, 0, 1, 'v'};
  ASSERT_EQ(set.size(), 12u + 4 + expected_tail.size());
  EXPECT_EQ(bytes(set.begin() + 16, set.end()), expected_tail);
  EXPECT_EQ(set[11], 24);  // size: 22 + 1 + 1
}

TEST(legacy_records, crc_mismatch_and_skipping_the_check) {
  bytes set;
  write_message(set, 0, 1, 0, 1, bv("k"), bv("v"));
  set.back() ^= 0xff;
  auto parsed = parse_message_set(set);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, legacy_errc::crc_mismatch);
  parse_options lax;
  lax.verify_crc = false;
  EXPECT_TRUE(parse_message_set(set, lax).ok());
}

TEST(legacy_records, every_truncation_is_an_error) {
  bytes set = inner_set(1, 0);
  for (size_t n = 1; n < set.size(); ++n) {
    auto parsed = parse_message_set(bytes_view(set).subspan(0, n));
    bool boundary = n == set.size() / 3 || n == 2 * set.size() / 3;
    if (!boundary) {
      EXPECT_FALSE(parsed.ok()) << n;
    }
  }
}

TEST(legacy_records, bad_magic_sizes_and_lengths) {
  bytes set;
  write_message(set, 0, 1, 0, 1, bv("k"), bv("v"));
  bytes magic2 = set;
  magic2[16] = 2;
  EXPECT_EQ(parse_message_set(magic2, {false}).error().code, legacy_errc::bad_magic);
  bytes tiny = set;
  tiny[11] = 3;  // size 3
  EXPECT_EQ(parse_message_set(tiny).error().code, legacy_errc::bad_size);
  bytes negative = set;
  negative[26] = 0xfe;  // key length 0xfe000001 < -1
  EXPECT_EQ(parse_message_set(negative, {false}).error().code, legacy_errc::bad_record);
  bytes huge = set;
  huge[8] = 0x7f;  // size far beyond the bytes
  EXPECT_EQ(parse_message_set(huge).error().code, legacy_errc::truncated);
}

struct codec_case {
  compression_type codec;
  int8_t magic;
};

class legacy_wrappers : public ::testing::TestWithParam<codec_case> {};

TEST_P(legacy_wrappers, inner_messages_and_offsets) {
  const auto [codec, magic] = GetParam();
  // Magic 1: relative inner offsets 0..2 under a wrapper at 41 -> 39, 40, 41.
  // Magic 0: absolute inner offsets.
  bytes set = wrapper(codec, magic, 41, inner_set(magic, magic == 1 ? 0 : 39));
  auto parsed = parse_message_set(set);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(parsed->compression, codec);
  ASSERT_EQ(parsed->messages.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto& m = parsed->messages[i];
    EXPECT_EQ(m.offset, 39 + i);
    EXPECT_EQ(m.timestamp, magic == 0 ? -1 : 1000 + i);
    EXPECT_EQ(str(m.value), "value-" + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(codecs, legacy_wrappers,
                         ::testing::Values(codec_case{compression_type::gzip, 0},
                                           codec_case{compression_type::gzip, 1},
                                           codec_case{compression_type::snappy, 0},
                                           codec_case{compression_type::snappy, 1},
                                           codec_case{compression_type::lz4, 0},
                                           codec_case{compression_type::lz4, 1}));

TEST(legacy_records, raw_snappy_wrapper_is_read_too) {
  bytes inner = inner_set(1, 0);
  std::string raw;
  snappy::Compress(reinterpret_cast<const char*>(inner.data()), inner.size(), &raw);
  bytes set;
  write_message(set, 2, 1, 2, 0, std::nullopt, bv(raw));
  auto parsed = parse_message_set(set);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(parsed->messages.size(), 3u);
}

TEST(legacy_records, log_append_time_wrapper_stamps_inner_messages) {
  bytes set = wrapper(compression_type::gzip, 1, 2, inner_set(1, 0), 0x8, 777);
  auto parsed = parse_message_set(set);
  ASSERT_TRUE(parsed.ok());
  for (const auto& m : parsed->messages) {
    EXPECT_EQ(m.timestamp, 777);
    EXPECT_EQ(m.ts_type, timestamp_type::log_append_time);
  }
}

TEST(legacy_records, magic0_lz4_uses_the_old_header_checksum) {
  bytes inner = inner_set(0, 0);
  auto broken = compress_inner(compression_type::lz4, 0, inner);
  auto good = compress_inner(compression_type::lz4, 1, inner);
  ASSERT_TRUE(broken.ok() && good.ok());
  EXPECT_NE(*broken, *good);  // only the header checksum differs
  std::vector<uint8_t> scratch;
  EXPECT_FALSE(decompress(compression_type::lz4, *broken, 1 << 20, scratch).ok());
  EXPECT_TRUE(decompress(compression_type::lz4, *good, 1 << 20, scratch).ok());
  // A magic 0 wrapper is read whichever checksum it carries, as Kafka ignores it.
  for (const bytes* frame : {&*broken, &*good}) {
    bytes set;
    write_message(set, 2, 0, 3, -1, std::nullopt, bytes_view(*frame));
    EXPECT_TRUE(parse_message_set(set).ok());
  }
}

TEST(legacy_records, xxh32_matches_lz4_content_checksums) {
  EXPECT_EQ(xxh32({}, 0), 0x02CC5D05u);
  std::mt19937 rng(3);
  for (size_t n : {1u, 3u, 4u, 15u, 16u, 17u, 33u, 100u}) {
    bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
    bytes frame(LZ4F_compressFrameBound(n, &prefs));
    size_t size = LZ4F_compressFrame(frame.data(), frame.size(), data.data(), n, &prefs);
    ASSERT_FALSE(LZ4F_isError(size));
    const uint8_t* c = frame.data() + size - 4;
    uint32_t expected = c[0] | (c[1] << 8) | (c[2] << 16) | (uint32_t{c[3]} << 24);
    EXPECT_EQ(xxh32(data, 0), expected) << n;
  }
}

TEST(legacy_records, malformed_wrappers) {
  // An inner message with a codec of its own.
  bytes nested_inner = wrapper(compression_type::gzip, 1, 0, inner_set(1, 0));
  EXPECT_EQ(parse_message_set(wrapper(compression_type::gzip, 1, 0, nested_inner)).error().code,
            legacy_errc::nested_compression);
  // Inner magic differing from the wrapper's.
  EXPECT_EQ(parse_message_set(wrapper(compression_type::gzip, 1, 2, inner_set(0, 0))).error().code,
            legacy_errc::inner_magic_mismatch);
  // Empty wrapper.
  EXPECT_EQ(parse_message_set(wrapper(compression_type::gzip, 1, 0, {})).error().code,
            legacy_errc::empty_wrapper);
  // Relative offsets that would start below 0.
  EXPECT_EQ(parse_message_set(wrapper(compression_type::gzip, 1, 0, inner_set(1, 0))).error().code,
            legacy_errc::bad_inner_offsets);
  // zstd and unknown codecs.
  for (int8_t codec : {4, 5, 7}) {
    bytes set;
    write_message(set, 0, 1, codec, 0, std::nullopt, bv("xx"));
    EXPECT_EQ(parse_message_set(set).error().code, legacy_errc::unknown_compression);
  }
  // Not a gzip stream; a wrapper without a value.
  bytes garbage;
  write_message(garbage, 0, 1, 1, 0, std::nullopt, bv("not gzip at all"));
  EXPECT_EQ(parse_message_set(garbage).error().code, legacy_errc::decompression_failed);
  bytes null_value;
  write_message(null_value, 0, 1, 1, 0, std::nullopt, std::nullopt);
  EXPECT_EQ(parse_message_set(null_value).error().code, legacy_errc::bad_record);
}

TEST(legacy_records, decompression_bomb_is_refused) {
  bytes inner;
  bytes big(1 << 20, 'a');
  write_message(inner, 0, 1, 0, 0, std::nullopt, bytes_view(big));
  bytes set = wrapper(compression_type::gzip, 1, 0, inner);
  parse_options small;
  small.max_decompressed_bytes = 64 * 1024;
  EXPECT_EQ(parse_message_set(set, small).error().code, legacy_errc::decompressed_too_large);
}

TEST(legacy_records, random_mutations_never_crash) {
  bytes good = wrapper(compression_type::snappy, 1, 2, inner_set(1, 0));
  bytes plain = inner_set(0, 0);
  good.insert(good.end(), plain.begin(), plain.end());
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    bytes m = good;
    for (int j = 0, n = 1 + static_cast<int>(rng() % 4); j < n; ++j)
      m[rng() % m.size()] = static_cast<uint8_t>(rng());
    if (rng() % 4 == 0) m.resize(rng() % m.size());
    (void)parse_message_set(m, {rng() % 2 == 0});
  }
}

// ---- conversions ----------------------------------------------------------------------------

TEST(legacy_records, up_conversion_makes_a_valid_v2_batch) {
  for (int8_t magic : {0, 1}) {
    for (auto codec : {compression_type::none, compression_type::gzip}) {
      bytes set = codec == compression_type::none
                      ? inner_set(magic, 0)
                      : wrapper(codec, magic, magic == 1 ? 2 : 2, inner_set(magic, 0));
      auto parsed = parse_message_set(set);
      ASSERT_TRUE(parsed.ok()) << parsed.message();
      auto batch = to_record_batch(*parsed, parsed->compression);
      ASSERT_TRUE(batch.ok());
      auto summary = validate_for_append(*batch);
      ASSERT_TRUE(summary.ok()) << summary.message();
      EXPECT_EQ(summary->record_count, 3);
      EXPECT_EQ(summary->header.compression(), codec);
      std::vector<uint8_t> scratch;
      auto view = record_batch_view::open(*batch, scratch);
      ASSERT_TRUE(view.ok());
      int i = 0;
      ASSERT_TRUE(view->for_each([&](const record_view& r) {
                        EXPECT_EQ(r.timestamp(view->header()), magic == 0 ? -1 : 1000 + i);
                        EXPECT_EQ(str(r.key), "k" + std::to_string(i));
                        ++i;
                      })
                      .ok());
      EXPECT_EQ(i, 3);
    }
  }
}

bytes v2_batch(int64_t base_offset, compression_type codec, int n = 3, bool control = false) {
  batch_builder_options o;
  o.base_offset = base_offset;
  o.compression = codec;
  record_batch_builder b(o);
  const record_header header{"h", bv("hv")};
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i), value = "v" + std::to_string(i);
    b.add(2000 + i, bv(key), bv(value), std::span(&header, 1));
  }
  if (control) return build_end_txn_marker_batch({1, 0, {}, 5, base_offset, 0});
  return *b.build();
}

TEST(legacy_records, down_conversion_keeps_offsets_and_timestamps) {
  for (int8_t magic : {0, 1}) {
    for (auto codec : {compression_type::none, compression_type::gzip, compression_type::snappy,
                       compression_type::lz4}) {
      bytes log = v2_batch(100, codec);
      bytes marker = v2_batch(103, codec, 1, true);
      bytes more = v2_batch(104, codec, 2);
      log.insert(log.end(), marker.begin(), marker.end());
      log.insert(log.end(), more.begin(), more.end());
      down_convert_options o;
      o.magic = magic;
      o.fetch_offset = 100;
      auto converted = down_convert(log, o);
      ASSERT_TRUE(converted.ok()) << converted.message();
      auto parsed = parse_message_set(*converted);
      ASSERT_TRUE(parsed.ok()) << parsed.message();
      EXPECT_EQ(parsed->magic, magic);
      ASSERT_EQ(parsed->messages.size(), 5u);  // the marker is skipped
      const int64_t offsets[] = {100, 101, 102, 104, 105};
      const int64_t times[] = {2000, 2001, 2002, 2000, 2001};
      for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(parsed->messages[i].offset, offsets[i]);
        EXPECT_EQ(parsed->messages[i].timestamp, magic == 0 ? -1 : times[i]);
      }
      EXPECT_EQ(parsed->compression, codec);
    }
  }
}

TEST(legacy_records, down_conversion_bounds_and_fetch_offset) {
  bytes log = v2_batch(0, compression_type::none, 10);
  down_convert_options o;
  o.magic = 1;
  o.fetch_offset = 4;
  o.max_bytes = 1;  // the first message still goes out
  auto one = down_convert(log, o);
  ASSERT_TRUE(one.ok());
  auto parsed = parse_message_set(*one);
  ASSERT_EQ(parsed->messages.size(), 1u);
  EXPECT_EQ(parsed->messages[0].offset, 4);
  o.max_bytes = one->size() * 3;
  auto three = down_convert(log, o);
  EXPECT_EQ(parse_message_set(*three)->messages.size(), 3u);
  // A partial batch at the end of the read is ignored.
  o.max_bytes = 1 << 20;
  auto cut = down_convert(bytes_view(log).subspan(0, log.size() - 5), o);
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->empty());
}

TEST(legacy_records, down_conversion_of_zstd_is_unsupported) {
  bytes log = v2_batch(0, compression_type::zstd);
  auto r = down_convert(log, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, legacy_errc::unsupported_compression);
}

}  // namespace
}  // namespace sluice::protocol::legacy
