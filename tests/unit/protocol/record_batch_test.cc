// Record batches: hand-derived bytes, builder/parser round trips with every codec, control
// markers, append validation, and corrupted or truncated input (run under ASan/UBSan).
#include "protocol/record_batch.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::protocol {
namespace {

using bytes = std::vector<uint8_t>;

constexpr compression_type kAllCodecs[] = {compression_type::none, compression_type::gzip,
                                           compression_type::snappy, compression_type::lz4,
                                           compression_type::zstd};

bytes_view as_bytes(std::string_view s) {
  return bytes_view(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string as_string(bytes_view b) {
  return std::string(b.begin(), b.end());
}

// CRC-32C straight from its definition, one bit at a time: an oracle independent of base/crc32c.
uint32_t crc32c_bitwise(bytes_view data) {
  uint32_t c = 0xffffffff;
  for (uint8_t b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82f63b78 : c >> 1;
  }
  return ~c;
}

bytes build(record_batch_builder& builder) {
  auto built = builder.build();
  EXPECT_TRUE(built.ok());
  return built.ok() ? std::move(built).value() : bytes{};
}

void put_be32(bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Replaces the records section of `batch`, fixing batchLength and the CRC.
bytes with_records(const bytes& batch, const bytes& records) {
  bytes out(batch.begin(), batch.begin() + batch_header::size);
  out.insert(out.end(), records.begin(), records.end());
  put_be32(out, batch_header::batch_length_at,
           static_cast<uint32_t>(out.size() - batch_header::log_overhead));
  update_batch_crc(out);
  return out;
}

batch_errc append_error(const bytes& batch, const append_validation_options& o = {}) {
  auto r = validate_for_append(batch, o);
  EXPECT_FALSE(r.ok());
  return r.ok() ? batch_errc::internal_error : r.code();
}

// Reads every record; returns the first error, or nullopt when the batch reads cleanly.
std::optional<batch_errc> read_error(const bytes& batch, read_options options = {}) {
  bytes scratch;
  auto view = record_batch_view::open(batch, scratch, options);
  if (!view) return view.code();
  int headers = 0;
  auto r = view->for_each([&](const record_view& rec) {
    for (const record_header& h : rec.headers()) headers += static_cast<int>(h.key.size());
  });
  if (!r) return r.code();
  return std::nullopt;
}

// ---- known bytes ----------------------------------------------------------------------------

TEST(record_batch, tiny_uncompressed_batch_matches_hand_derived_bytes) {
  // One record: timestamp 1000, null key, value "hi", no headers; no producer; offset 0.
  //
  // The record (FACTS §2.1; varints are zig-zag, so n encodes as 2n and -1 as 1):
  //   attributes      0x00
  //   timestampDelta  0x00       (1000 - baseTimestamp 1000)
  //   offsetDelta     0x00
  //   keyLength       0x01       (-1: null)
  //   valueLength     0x04       (2)
  //   value           0x68 0x69  ("hi")
  //   headersCount    0x00
  // That is 8 bytes, so the record's length prefix is 0x10 (8) and the record is 9 bytes.
  // The batch is 61 + 9 = 70 bytes; batchLength counts what follows it: 70 - 12 = 58 = 0x3a.
  const bytes expected_without_crc = {
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,        // baseOffset 0
      0x00, 0x00, 0x00, 0x3a,                                // batchLength 58
      0xff, 0xff, 0xff, 0xff,                                // partitionLeaderEpoch -1
      0x02,                                                  // magic 2
      0x00, 0x00, 0x00, 0x00,                                // crc, filled in below
      0x00, 0x00,                                            // attributes: none, CreateTime
      0x00, 0x00, 0x00, 0x00,                                // lastOffsetDelta 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,        // baseTimestamp 1000
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8,        // maxTimestamp 1000
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,        // producerId -1
      0xff, 0xff,                                            // producerEpoch -1
      0xff, 0xff, 0xff, 0xff,                                // baseSequence -1
      0x00, 0x00, 0x00, 0x01,                                // recordsCount 1
      0x10, 0x00, 0x00, 0x00, 0x01, 0x04, 0x68, 0x69, 0x00,  // the record
  };
  ASSERT_EQ(expected_without_crc.size(), 70u);
  // The CRC-32C of bytes 21..69, computed bit by bit from the definition: 0x233dad44.
  bytes expected = expected_without_crc;
  uint32_t crc = crc32c_bitwise(bytes_view(expected).subspan(21));
  ASSERT_EQ(crc, 0x233dad44u);
  put_be32(expected, 17, crc);

  record_batch_builder builder;
  builder.add(1000, std::nullopt, as_bytes("hi"));
  EXPECT_EQ(build(builder), expected);

  bytes scratch;
  auto view = record_batch_view::open(expected, scratch);
  ASSERT_TRUE(view.ok()) << view.message();
  record_cursor cursor = view->records();
  record_view rec;
  ASSERT_TRUE(*cursor.next(rec));
  EXPECT_FALSE(rec.key.has_value());
  ASSERT_TRUE(rec.value.has_value());
  EXPECT_EQ(as_string(*rec.value), "hi");
  EXPECT_EQ(rec.timestamp(view->header()), 1000);
  EXPECT_EQ(rec.offset(view->header()), 0);
  EXPECT_EQ(rec.encoded.size(), 9u);
  EXPECT_FALSE(*cursor.next(rec));
  EXPECT_TRUE(validate_for_append(expected).ok());
}

// ---- round trips ----------------------------------------------------------------------------

struct test_record {
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::vector<test_record> sample_records(int n) {
  std::vector<test_record> out;
  for (int i = 0; i < n; ++i) {
    test_record r;
    r.timestamp = 1'700'000'000'000 + i * 7 - (i % 3) * 100;  // not monotonic
    if (i % 5 != 1) r.key = "key-" + std::to_string(i);
    if (i % 7 == 3) r.key = "";  // empty, not null
    if (i % 4 != 2) r.value = std::string(static_cast<size_t>(i * 13 % 300), char('a' + i % 26));
    for (int h = 0; h < i % 3; ++h)
      r.headers.emplace_back(
          "h" + std::to_string(h),
          h == 1 ? std::nullopt : std::optional<std::string>("v" + std::to_string(i)));
    out.push_back(std::move(r));
  }
  return out;
}

void add_all(record_batch_builder& builder, const std::vector<test_record>& records) {
  for (const test_record& r : records) {
    std::vector<record_header> headers;
    for (const auto& [k, v] : r.headers)
      headers.push_back({k, v ? std::optional<bytes_view>(as_bytes(*v)) : std::nullopt});
    builder.add(r.timestamp, r.key ? std::optional<bytes_view>(as_bytes(*r.key)) : std::nullopt,
                r.value ? std::optional<bytes_view>(as_bytes(*r.value)) : std::nullopt, headers);
  }
}

TEST(record_batch, round_trip_every_codec) {
  auto records = sample_records(200);
  for (compression_type codec : kAllCodecs) {
    batch_builder_options options;
    options.compression = codec;
    options.base_offset = 5000;
    options.producer_id = 77;
    options.producer_epoch = 3;
    options.base_sequence = 40;
    record_batch_builder builder(options);
    add_all(builder, records);
    bytes batch = build(builder);

    bytes scratch;
    auto view = record_batch_view::open(batch, scratch);
    ASSERT_TRUE(view.ok()) << to_string(codec) << ": " << view.message();
    const batch_header& h = view->header();
    EXPECT_EQ(h.compression(), codec);
    EXPECT_EQ(h.records_count, 200);
    EXPECT_EQ(h.last_offset_delta, 199);
    EXPECT_EQ(h.producer_id, 77);
    EXPECT_EQ(h.producer_epoch, 3);
    EXPECT_EQ(h.base_sequence, 40);
    EXPECT_EQ(h.base_timestamp, records[0].timestamp);
    int64_t max_ts = 0;
    for (const auto& r : records) max_ts = std::max(max_ts, r.timestamp);
    EXPECT_EQ(h.max_timestamp, max_ts);
    if (codec != compression_type::none) {
      EXPECT_LT(batch.size(), builder.uncompressed_batch_size()) << to_string(codec);
    }

    size_t i = 0;
    auto r = view->for_each([&](const record_view& rec) {
      const test_record& want = records[i];
      EXPECT_EQ(rec.offset(h), 5000 + static_cast<int64_t>(i));
      EXPECT_EQ(rec.timestamp(h), want.timestamp);
      EXPECT_EQ(rec.key.has_value(), want.key.has_value());
      if (rec.key && want.key) {
        EXPECT_EQ(as_string(*rec.key), *want.key);
      }
      EXPECT_EQ(rec.value.has_value(), want.value.has_value());
      if (rec.value && want.value) {
        EXPECT_EQ(as_string(*rec.value), *want.value);
      }
      size_t k = 0;
      for (const record_header& hdr : rec.headers()) {
        ASSERT_LT(k, want.headers.size());
        EXPECT_EQ(hdr.key, want.headers[k].first);
        EXPECT_EQ(hdr.value.has_value(), want.headers[k].second.has_value());
        if (hdr.value && want.headers[k].second) {
          EXPECT_EQ(as_string(*hdr.value), *want.headers[k].second);
        }
        ++k;
      }
      EXPECT_EQ(k, want.headers.size());
      ++i;
    });
    ASSERT_TRUE(r.ok()) << to_string(codec) << ": " << r.message();
    EXPECT_EQ(i, records.size());

    auto summary = validate_for_append(batch);
    ASSERT_TRUE(summary.ok()) << to_string(codec) << ": " << summary.message();
    EXPECT_EQ(summary->record_count, 200);
    EXPECT_EQ(summary->max_timestamp, max_ts);
    EXPECT_TRUE(summary->header_max_timestamp_matches);
    EXPECT_EQ(records[static_cast<size_t>(summary->offset_delta_of_max_timestamp)].timestamp,
              max_ts);
  }
}

TEST(record_batch, for_each_stops_when_asked) {
  record_batch_builder builder;
  add_all(builder, sample_records(10));
  bytes batch = build(builder);
  bytes scratch;
  auto view = record_batch_view::open(batch, scratch);
  ASSERT_TRUE(view.ok());
  int seen = 0;
  ASSERT_TRUE(view->for_each([&](const record_view&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
}

TEST(record_batch, xerial_framed_snappy_batch_is_read) {
  auto records = sample_records(50);
  record_batch_builder plain;
  add_all(plain, records);
  bytes batch = build(plain);
  bytes section(batch.begin() + batch_header::size, batch.end());
  // Java's framing, by hand: magic, two versions, then length-prefixed raw snappy blocks; the
  // records are cut into two blocks at an arbitrary point.
  bytes framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  size_t cut = section.size() / 3;
  for (auto [from, to] : {std::pair{size_t{0}, cut}, std::pair{cut, section.size()}}) {
    std::string block;
    snappy::Compress(reinterpret_cast<const char*>(section.data() + from), to - from, &block);
    for (int s = 24; s >= 0; s -= 8) framed.push_back(static_cast<uint8_t>(block.size() >> s));
    framed.insert(framed.end(), block.begin(), block.end());
  }
  bytes snappy_batch = batch;
  snappy_batch[batch_header::attributes_at + 1] = static_cast<uint8_t>(compression_type::snappy);
  snappy_batch = with_records(snappy_batch, framed);
  EXPECT_EQ(read_error(snappy_batch), std::nullopt);
  auto summary = validate_for_append(snappy_batch);
  ASSERT_TRUE(summary.ok()) << summary.message();
  EXPECT_EQ(summary->record_count, 50);
  EXPECT_EQ(summary->records_size, section.size());
}

TEST(record_batch, compacted_batch_with_offset_gaps_reads_but_is_not_appendable) {
  record_batch_builder builder;
  builder.add(1, as_bytes("a"), as_bytes("1"));
  builder.skip_offsets(3);
  builder.add(2, as_bytes("b"), as_bytes("2"));
  builder.skip_offsets(1);  // the last offset was compacted away too
  bytes batch = build(builder);
  auto h = batch_header::parse(batch).value();
  EXPECT_EQ(h.records_count, 2);
  EXPECT_EQ(h.last_offset_delta, 5);
  bytes scratch;
  auto view = record_batch_view::open(batch, scratch);
  ASSERT_TRUE(view.ok());
  std::vector<int64_t> offsets;
  ASSERT_TRUE(view->for_each([&](const record_view& r) { offsets.push_back(r.offset(h)); }).ok());
  EXPECT_EQ(offsets, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(append_error(batch), batch_errc::last_offset_delta_mismatch);
  // With lastOffsetDelta forced to count - 1 the gap itself is caught.
  put_be32(batch, batch_header::last_offset_delta_at, 1);
  update_batch_crc(batch);
  EXPECT_EQ(append_error(batch), batch_errc::bad_offset_delta);
  EXPECT_EQ(read_error(batch), batch_errc::bad_offset_delta);  // 4 > lastOffsetDelta 1
}

TEST(record_batch, empty_batch_reads_but_is_not_appendable) {
  record_batch_builder builder;
  bytes batch = build(builder);
  EXPECT_EQ(batch.size(), batch_header::size);
  EXPECT_EQ(read_error(batch), std::nullopt);
  EXPECT_EQ(append_error(batch), batch_errc::empty_batch);
}

// ---- control records ------------------------------------------------------------------------

TEST(record_batch, end_txn_markers_round_trip) {
  for (control_type type : {control_type::commit, control_type::abort}) {
    end_txn_marker_batch spec;
    spec.producer_id = 1234;
    spec.producer_epoch = 5;
    spec.marker = {type, 42};
    spec.timestamp_ms = 1'700'000'000'000;
    spec.base_offset = 99;
    bytes batch = build_end_txn_marker_batch(spec);
    bytes scratch;
    auto view = record_batch_view::open(batch, scratch);
    ASSERT_TRUE(view.ok());
    const batch_header& h = view->header();
    EXPECT_TRUE(h.is_control());
    EXPECT_TRUE(h.is_transactional());
    EXPECT_EQ(h.producer_id, 1234);
    EXPECT_EQ(h.producer_epoch, 5);
    EXPECT_EQ(h.base_sequence, -1);
    EXPECT_EQ(h.records_count, 1);
    int seen = 0;
    ASSERT_TRUE(view->for_each([&](const record_view& rec) {
                      ++seen;
                      // Key: version 0, type; value: version 0, coordinator epoch 42.
                      ASSERT_EQ(rec.key->size(), 4u);
                      EXPECT_EQ((*rec.key)[3], static_cast<uint8_t>(type));
                      auto marker = parse_end_txn_marker(rec);
                      ASSERT_TRUE(marker.ok());
                      EXPECT_EQ(marker->type, type);
                      EXPECT_EQ(marker->coordinator_epoch, 42);
                    })
                    .ok());
    EXPECT_EQ(seen, 1);
    EXPECT_EQ(append_error(batch), batch_errc::control_batch_not_allowed);
    append_validation_options broker_write;
    broker_write.allow_control_batches = true;
    EXPECT_TRUE(validate_for_append(batch, broker_write).ok());
  }
}

TEST(record_batch, malformed_control_batches_are_rejected) {
  append_validation_options o;
  o.allow_control_batches = true;
  batch_builder_options options;
  options.transactional = true;
  options.control = true;
  options.producer_id = 1;
  {
    record_batch_builder builder(options);
    builder.add(1, as_bytes("ab"), as_bytes("value!"));  // key too short
    EXPECT_EQ(append_error(build(builder), o), batch_errc::bad_control_record);
  }
  {
    record_batch_builder builder(options);
    const uint8_t key[4] = {0, 0, 0, 1};  // COMMIT with a short value
    builder.add(1, bytes_view(key), as_bytes("ab"));
    EXPECT_EQ(append_error(build(builder), o), batch_errc::bad_control_record);
  }
  {
    record_batch_builder builder(options);
    const uint8_t key[4] = {0, 0, 0, 1};
    const uint8_t value[6] = {0, 0, 0, 0, 0, 1};
    builder.add(1, bytes_view(key), bytes_view(value));
    builder.add(1, bytes_view(key), bytes_view(value));  // two records
    EXPECT_EQ(append_error(build(builder), o), batch_errc::bad_control_record);
  }
  {
    batch_builder_options not_txn = options;
    not_txn.transactional = false;
    record_batch_builder builder(not_txn);
    const uint8_t key[4] = {0, 0, 0, 1};
    const uint8_t value[6] = {0, 0, 0, 0, 0, 1};
    builder.add(1, bytes_view(key), bytes_view(value));
    EXPECT_EQ(append_error(build(builder), o), batch_errc::bad_control_record);
  }
}

// ---- append rules ---------------------------------------------------------------------------

TEST(record_batch, timestamps_are_checked_against_the_topic_bounds) {
  const int64_t now = 1'700'000'000'000;
  record_batch_builder builder;
  builder.add(now - 5000, as_bytes("k"), as_bytes("v"));
  builder.add(now + 50, as_bytes("k"), as_bytes("v"));
  bytes batch = build(builder);

  append_validation_options o;
  o.now_ms = now;
  o.max_timestamp_before_ms = 10000;
  o.max_timestamp_after_ms = 100;
  EXPECT_TRUE(validate_for_append(batch, o).ok());
  o.max_timestamp_before_ms = 4999;
  EXPECT_EQ(append_error(batch, o), batch_errc::timestamp_out_of_range);
  o.max_timestamp_before_ms = 10000;
  o.max_timestamp_after_ms = 49;
  EXPECT_EQ(append_error(batch, o), batch_errc::timestamp_out_of_range);
  o.depth = validation_depth::header_and_crc;  // maxTimestamp in the header catches it too
  EXPECT_EQ(append_error(batch, o), batch_errc::timestamp_out_of_range);
  o.depth = validation_depth::full;
  o.topic_timestamp_type = timestamp_type::log_append_time;
  EXPECT_TRUE(validate_for_append(batch, o).ok());
  EXPECT_EQ(kafka_error_code(batch_errc::timestamp_out_of_range), 32);
}

TEST(record_batch, records_without_timestamps_pass_the_bounds) {
  record_batch_builder builder;
  builder.add(-1, as_bytes("k"), as_bytes("v"));
  append_validation_options o;
  o.now_ms = 1'700'000'000'000;
  o.max_timestamp_before_ms = 1000;
  o.max_timestamp_after_ms = 1000;
  EXPECT_TRUE(validate_for_append(build(builder), o).ok());
}

TEST(record_batch, wrong_max_timestamp_is_reported_and_fixable) {
  record_batch_builder builder;
  builder.add(100, as_bytes("k"), as_bytes("v"));
  builder.add(300, as_bytes("k"), as_bytes("v"));
  bytes batch = build(builder);
  set_max_timestamp(batch, 200);
  auto s = validate_for_append(batch);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->header_max_timestamp_matches);
  EXPECT_EQ(s->max_timestamp, 300);
  EXPECT_EQ(s->offset_delta_of_max_timestamp, 1);
  set_max_timestamp(batch, s->max_timestamp);
  EXPECT_TRUE(validate_for_append(batch)->header_max_timestamp_matches);
}

TEST(record_batch, log_append_time_overrides_record_timestamps) {
  record_batch_builder builder;
  builder.add(100, as_bytes("k"), as_bytes("v"));
  bytes batch = build(builder);
  set_log_append_time(batch, 999);
  bytes scratch;
  auto view = record_batch_view::open(batch, scratch);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->header().ts_type(), timestamp_type::log_append_time);
  ASSERT_TRUE(
      view->for_each([&](const record_view& r) { EXPECT_EQ(r.timestamp(view->header()), 999); })
          .ok());
}

TEST(record_batch, compacted_topics_need_keys) {
  record_batch_builder builder;
  builder.add(1, as_bytes("k"), as_bytes("v"));
  builder.add(1, std::nullopt, as_bytes("v"));
  bytes batch = build(builder);
  append_validation_options o;
  EXPECT_TRUE(validate_for_append(batch, o).ok());
  o.require_keys = true;
  EXPECT_EQ(append_error(batch, o), batch_errc::missing_key);
}

TEST(record_batch, every_bad_record_is_listed_as_kafka_lists_them) {
  record_batch_builder builder;
  for (int i = 0; i < 5; ++i) {
    std::optional<bytes_view> key;
    if (i % 2 == 1) key = as_bytes("k");
    builder.add(1000 + i, key, as_bytes("v"));
  }
  bytes batch = build(builder);
  std::vector<append_validation_options::record_error> errors;
  append_validation_options o;
  o.require_keys = true;
  o.record_errors = &errors;
  o.partition = "t-0";
  auto r = validate_for_append(batch, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), batch_errc::missing_key);
  ASSERT_EQ(errors.size(), 3u);  // records 0, 2 and 4 have no key
  EXPECT_EQ(errors[2].batch_index, 4);
  EXPECT_EQ(errors[0].message,
            "Compacted topic cannot accept message without key in topic partition t-0");
  EXPECT_EQ(r.message(),
            "One or more records have been rejected due to 3 record errors in total, and only "
            "showing the first three errors at most: [RecordError(batchIndex=0, message='Compacted "
            "topic cannot accept message without key in topic partition t-0'), "
            "RecordError(batchIndex=2, message='Compacted topic cannot accept message without key "
            "in topic partition t-0'), RecordError(batchIndex=4, message='Compacted topic cannot "
            "accept message without key in topic partition t-0')]");

  // Timestamps: a record with a key but a bad timestamp is listed too, and the failure is
  // INVALID_TIMESTAMP's.
  o.now_ms = 1002;
  o.max_timestamp_before_ms = 0;
  o.max_timestamp_after_ms = 100;
  errors.clear();
  r = validate_for_append(batch, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), batch_errc::timestamp_out_of_range);
  EXPECT_EQ(r.message(), "One or more records have been rejected due to invalid timestamp");
  ASSERT_EQ(errors.size(), 4u);  // 0, 2, 4: no key (checked first); 1: too old
  EXPECT_EQ(errors[1].batch_index, 1);
  EXPECT_EQ(errors[1].message,
            "Timestamp 1001 of message with offset 1 is out of range. The timestamp should be "
            "within [1002, 1102]");
}

TEST(record_batch, transactional_batch_needs_a_producer_id) {
  batch_builder_options options;
  options.transactional = true;
  record_batch_builder builder(options);
  builder.add(1, as_bytes("k"), as_bytes("v"));
  EXPECT_EQ(append_error(build(builder)), batch_errc::bad_producer_fields);
}

TEST(record_batch, header_depth_does_not_decompress) {
  record_batch_builder builder(batch_builder_options{.compression = compression_type::zstd});
  add_all(builder, sample_records(20));
  bytes batch = build(builder);
  bytes garbage(100, 0xab);
  bytes broken = with_records(batch, garbage);  // valid CRC over an invalid zstd stream
  append_validation_options o;
  o.depth = validation_depth::header_and_crc;
  EXPECT_TRUE(validate_for_append(broken, o).ok());
  o.depth = validation_depth::full;
  EXPECT_EQ(append_error(broken, o), batch_errc::decompression_failed);
  EXPECT_EQ(kafka_error_code(batch_errc::decompression_failed), 2);
}

TEST(record_batch, decompression_limit_applies_to_batches) {
  for (compression_type codec : {compression_type::gzip, compression_type::snappy,
                                 compression_type::lz4, compression_type::zstd}) {
    record_batch_builder builder(batch_builder_options{.compression = codec});
    bytes zeros(64 * 1024, 0);
    for (int i = 0; i < 16; ++i) builder.add(1, std::nullopt, bytes_view(zeros));
    bytes batch = build(builder);
    ASSERT_LT(batch.size(), 64u * 1024) << to_string(codec);
    append_validation_options o;
    o.max_decompressed_bytes = 256 * 1024;
    bytes scratch;
    auto r = validate_for_append(batch, o, scratch);
    ASSERT_FALSE(r.ok()) << to_string(codec);
    EXPECT_EQ(r.code(), batch_errc::decompressed_too_large);
    EXPECT_LE(scratch.size(), 256u * 1024 + 1);
    EXPECT_EQ(kafka_error_code(r.code()), 10);
    o.max_decompressed_bytes = 2 << 20;
    EXPECT_TRUE(validate_for_append(batch, o, scratch).ok());
  }
}

// ---- corruption -----------------------------------------------------------------------------

TEST(record_batch, any_flipped_byte_under_the_crc_is_a_crc_error) {
  for (compression_type codec : kAllCodecs) {
    record_batch_builder builder(batch_builder_options{.compression = codec});
    add_all(builder, sample_records(8));
    bytes batch = build(builder);
    for (size_t i = 0; i < batch.size(); ++i) {
      bytes damaged = batch;
      damaged[i] ^= 0x40;
      auto r = validate_for_append(damaged);
      if (i < batch_header::batch_length_at ||
          (i >= batch_header::leader_epoch_at && i < batch_header::magic_at)) {
        // baseOffset and partitionLeaderEpoch are outside the CRC by design.
        EXPECT_TRUE(r.ok()) << i;
      } else if (i < batch_header::leader_epoch_at) {
        ASSERT_FALSE(r.ok()) << i;
        EXPECT_TRUE(r.code() == batch_errc::truncated || r.code() == batch_errc::bad_batch_length)
            << i;
      } else if (i == batch_header::magic_at) {
        EXPECT_EQ(append_error(damaged), batch_errc::bad_magic);
      } else {
        ASSERT_FALSE(r.ok()) << to_string(codec) << " byte " << i;
        EXPECT_EQ(r.code(), batch_errc::crc_mismatch) << to_string(codec) << " byte " << i;
        EXPECT_EQ(kafka_error_code(r.code()), 2);
      }
    }
  }
}

TEST(record_batch, truncated_batches_are_errors) {
  record_batch_builder builder;
  add_all(builder, sample_records(5));
  bytes batch = build(builder);
  bytes scratch;
  for (size_t n = 0; n < batch.size(); ++n) {
    bytes prefix(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(append_error(prefix), batch_errc::truncated) << n;
    EXPECT_EQ(read_error(prefix), batch_errc::truncated) << n;
    // Cut short but re-framed (length and CRC fixed): the records themselves run out.
    if (n >= batch_header::size) {
      bytes reframed = with_records(batch, bytes(batch.begin() + batch_header::size,
                                                 batch.begin() + static_cast<std::ptrdiff_t>(n)));
      auto e = read_error(reframed);
      ASSERT_TRUE(e.has_value()) << n;
      EXPECT_TRUE(*e == batch_errc::record_truncated || *e == batch_errc::record_count_mismatch)
          << n << " " << to_string(*e);
    }
  }
  bytes longer = batch;
  longer.push_back(0);
  EXPECT_EQ(append_error(longer), batch_errc::bad_batch_length);
}

TEST(record_batch, record_count_must_match_the_records) {
  record_batch_builder builder;
  add_all(builder, sample_records(4));
  const bytes batch = build(builder);

  bytes more = batch;  // 5 claimed (and offsets for 5), 4 present
  put_be32(more, batch_header::records_count_at, 5);
  put_be32(more, batch_header::last_offset_delta_at, 4);
  update_batch_crc(more);
  EXPECT_EQ(read_error(more), batch_errc::record_count_mismatch);
  EXPECT_EQ(append_error(more), batch_errc::record_count_mismatch);

  bytes fewer = batch;  // 3 claimed, 4 present
  put_be32(fewer, batch_header::records_count_at, 3);
  update_batch_crc(fewer);
  EXPECT_EQ(read_error(fewer), batch_errc::record_count_mismatch);
  EXPECT_EQ(append_error(fewer), batch_errc::last_offset_delta_mismatch);
  put_be32(fewer, batch_header::last_offset_delta_at, 2);
  update_batch_crc(fewer);
  EXPECT_EQ(append_error(fewer), batch_errc::record_count_mismatch);

  bytes absurd = batch;  // more records than bytes could hold: rejected before reading
  put_be32(absurd, batch_header::records_count_at, 0x7fffffff);
  put_be32(absurd, batch_header::last_offset_delta_at, 0x7ffffffe);
  update_batch_crc(absurd);
  EXPECT_EQ(read_error(absurd), batch_errc::record_count_mismatch);

  bytes negative = batch;
  put_be32(negative, batch_header::records_count_at, 0xffffffff);
  update_batch_crc(negative);
  EXPECT_EQ(read_error(negative), batch_errc::record_count_mismatch);
}

TEST(record_batch, decreasing_offset_delta_is_rejected) {
  record_batch_builder builder;
  builder.add(0, std::nullopt, std::nullopt);
  builder.add(0, std::nullopt, std::nullopt);
  bytes batch = build(builder);
  // Each record is length, attributes, timestampDelta, offsetDelta, ...; the second record starts
  // after the first one's 1-byte length prefix and the length it holds (zig-zag, so halved).
  size_t second = batch_header::size + 1 + batch[batch_header::size] / 2;
  ASSERT_EQ(batch[second + 3], 0x02);  // offsetDelta 1, zig-zag encoded
  batch[second + 3] = 0x00;            // now 0 again
  update_batch_crc(batch);
  EXPECT_EQ(read_error(batch), batch_errc::bad_offset_delta);
  EXPECT_EQ(append_error(batch), batch_errc::bad_offset_delta);
}

// A batch whose records section is exactly `records` (one record claimed).
bytes batch_with_raw_record(const bytes& records) {
  record_batch_builder builder;
  builder.add(0, std::nullopt, std::nullopt);
  return with_records(build(builder), records);
}

TEST(record_batch, malformed_records_are_errors) {
  struct malformed {
    const char* name;
    bytes records;
    batch_errc expected;
  };
  const std::vector<malformed> cases = {
      // A well-formed record for reference: len 6, attrs, ts 0, offset 0, key -1, value -1, 0.
      {"record length varint too long",
       {0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0},
       batch_errc::bad_varint},
      {"record length past the end",
       {0x40, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00},
       batch_errc::record_truncated},
      {"negative record length",
       {0x03, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00},
       batch_errc::bad_record},
      {"key length past the record",
       {0x0c, 0x00, 0x00, 0x00, 0x14, 0x01, 0x00},
       batch_errc::record_truncated},
      {"key length below -1", {0x0c, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00}, batch_errc::bad_record},
      {"value length past the record",
       {0x0c, 0x00, 0x00, 0x00, 0x01, 0x7e, 0x00},
       batch_errc::record_truncated},
      {"timestamp varlong too long",
       {0x1c, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x01,
        0x01},
       batch_errc::bad_varint},
      {"negative header count", {0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01}, batch_errc::bad_record},
      {"header count past the record",
       {0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08},
       batch_errc::record_truncated},
      {"null header key",
       {0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01},
       batch_errc::bad_record},
      {"header value past the record",
       {0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x00, 0x10},
       batch_errc::record_truncated},
      {"bytes left inside the record",
       {0x0e, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00},
       batch_errc::bad_record},
      {"trailing bytes after the last record",
       {0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00},
       batch_errc::record_count_mismatch},
  };
  for (const malformed& c : cases) {
    bytes batch = batch_with_raw_record(c.records);
    EXPECT_EQ(read_error(batch), c.expected) << c.name;
    EXPECT_EQ(append_error(batch), c.expected) << c.name;
    EXPECT_EQ(kafka_error_code(c.expected), 87) << c.name;
  }
  // The reference record itself is fine.
  EXPECT_EQ(read_error(batch_with_raw_record({0x0c, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00})),
            std::nullopt);
}

TEST(record_batch, unknown_codec_and_corrupt_payload) {
  record_batch_builder builder;
  add_all(builder, sample_records(3));
  bytes batch = build(builder);
  bytes unknown = batch;
  unknown[batch_header::attributes_at + 1] |= 0x07;
  update_batch_crc(unknown);
  EXPECT_EQ(read_error(unknown), batch_errc::unknown_compression);
  EXPECT_EQ(append_error(unknown), batch_errc::unknown_compression);

  for (compression_type codec : {compression_type::gzip, compression_type::snappy,
                                 compression_type::lz4, compression_type::zstd}) {
    bytes lying = batch;  // says compressed, holds plain records
    lying[batch_header::attributes_at + 1] = static_cast<uint8_t>(codec);
    update_batch_crc(lying);
    EXPECT_EQ(read_error(lying), batch_errc::decompression_failed) << to_string(codec);
  }
}

TEST(record_batch, random_damage_with_fixed_crc_never_crashes) {
  // Damage past the CRC check: every error path in the record reader and the codecs gets hit.
  // Any result is fine; ASan/UBSan catch reads out of bounds and overflow.
  std::mt19937 rng(99);
  for (compression_type codec : kAllCodecs) {
    record_batch_builder builder(batch_builder_options{.compression = codec});
    add_all(builder, sample_records(30));
    const bytes batch = build(builder);
    for (int i = 0; i < 400; ++i) {
      bytes damaged = batch;
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        size_t at =
            batch_header::attributes_at + rng() % (damaged.size() - batch_header::attributes_at);
        damaged[at] = static_cast<uint8_t>(rng());
      }
      if (rng() % 4 == 0)
        damaged.resize(batch_header::size + rng() % (damaged.size() - batch_header::size));
      put_be32(damaged, batch_header::batch_length_at,
               static_cast<uint32_t>(damaged.size() - batch_header::log_overhead));
      update_batch_crc(damaged);
      (void)read_error(damaged, read_options{.max_decompressed_bytes = 1 << 20});
      append_validation_options o;
      o.max_decompressed_bytes = 1 << 20;
      (void)validate_for_append(damaged, o);
    }
  }
}

// ---- header helpers -------------------------------------------------------------------------

TEST(record_batch, frame_size_splits_a_blob_of_batches) {
  record_batch_builder a;
  a.add(1, as_bytes("a"), as_bytes("1"));
  record_batch_builder b(batch_builder_options{.compression = compression_type::lz4});
  add_all(b, sample_records(3));
  bytes blob = build(a);
  size_t first = blob.size();
  bytes second = build(b);
  blob.insert(blob.end(), second.begin(), second.end());
  auto size = batch_frame_size(blob);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, first);
  bytes_view rest = bytes_view(blob).subspan(*size);
  EXPECT_EQ(*batch_frame_size(rest), second.size());
  EXPECT_EQ(batch_frame_size(rest.first(11)).code(), errc::truncated);
  EXPECT_TRUE(validate_batch_framing(rest).ok());
  EXPECT_TRUE(batch_crc_valid(rest));
}

TEST(record_batch, base_offset_and_epoch_patches_keep_the_crc) {
  record_batch_builder builder;
  add_all(builder, sample_records(3));
  bytes batch = build(builder);
  set_base_offset(batch, 123456789);
  set_partition_leader_epoch(batch, 17);
  EXPECT_TRUE(batch_crc_valid(batch));
  auto h = batch_header::parse(batch).value();
  EXPECT_EQ(h.base_offset, 123456789);
  EXPECT_EQ(h.partition_leader_epoch, 17);
  // encode() writes back exactly what parse() read.
  bytes again(batch_header::size);
  h.encode(again);
  EXPECT_TRUE(std::equal(again.begin(), again.end(), batch.begin()));
}

}  // namespace
}  // namespace sluice::protocol
