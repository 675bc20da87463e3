// The wire primitives: varints (and the overlong/invalid ones), strings in both encodings, null
// handling, array bounds, tagged-field sections, zero-copy records and file-region splices.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

#include "protocol/wire.h"

namespace sluice::protocol {
namespace {

bytes encode_uvarint(uint32_t v) {
  writer w;
  w.write_uvarint(v);
  return w.take_buffer();
}

TEST(wire, unsigned_varints_known_bytes) {
  EXPECT_EQ(encode_uvarint(0), (bytes{0x00}));
  EXPECT_EQ(encode_uvarint(1), (bytes{0x01}));
  EXPECT_EQ(encode_uvarint(127), (bytes{0x7f}));
  EXPECT_EQ(encode_uvarint(128), (bytes{0x80, 0x01}));
  EXPECT_EQ(encode_uvarint(300), (bytes{0xac, 0x02}));
  EXPECT_EQ(encode_uvarint(0xffffffffu), (bytes{0xff, 0xff, 0xff, 0xff, 0x0f}));
  for (uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, 0x7fffffffu, 0xffffffffu}) {
    bytes b = encode_uvarint(v);
    EXPECT_EQ(b.size(), writer::uvarint_size(v));
    reader r(b);
    EXPECT_EQ(r.read_uvarint(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(wire, signed_varints_are_zigzag) {
  struct example {
    int32_t value;
    bytes encoded;
  };
  for (const auto& [value, encoded] :
       {example{0, {0x00}}, example{-1, {0x01}}, example{1, {0x02}}, example{-64, {0x7f}},
        example{64, {0x80, 0x01}},
        example{std::numeric_limits<int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
        example{std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}}}) {
    writer w;
    w.write_varint(value);
    EXPECT_EQ(w.buffer(), encoded) << value;
    reader r(encoded);
    EXPECT_EQ(r.read_varint(), value);
    EXPECT_TRUE(r.ok());
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    writer w;
    w.write_varlong(v);
    reader r(w.buffer());
    EXPECT_EQ(r.read_varlong(), v);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(wire, overlong_and_truncated_varints_are_errors) {
  {  // six bytes for a 32-bit value
    bytes b{0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    reader r(b);
    r.read_uvarint();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error(), errc::invalid_varint);
  }
  {  // a fifth byte carrying bits past 32
    bytes b{0xff, 0xff, 0xff, 0xff, 0x1f};
    reader r(b);
    r.read_uvarint();
    EXPECT_EQ(r.error(), errc::invalid_varint);
  }
  {  // eleven bytes for a 64-bit value
    bytes b(10, 0x80);
    b.push_back(0x01);
    reader r(b);
    r.read_uvarlong();
    EXPECT_EQ(r.error(), errc::invalid_varint);
  }
  {  // a tenth byte carrying bits past 64
    bytes b(9, 0xff);
    b.push_back(0x02);
    reader r(b);
    r.read_uvarlong();
    EXPECT_EQ(r.error(), errc::invalid_varint);
  }
  {  // the buffer ends inside the varint
    bytes b{0x80, 0x80};
    reader r(b);
    r.read_uvarint();
    EXPECT_EQ(r.error(), errc::truncated);
  }
  {  // redundant zero continuation bytes within the size limit are accepted (as Kafka does)
    bytes b{0x81, 0x80, 0x00};
    reader r(b);
    EXPECT_EQ(r.read_uvarint(), 1u);
    EXPECT_TRUE(r.ok());
  }
}

TEST(wire, errors_are_sticky) {
  bytes b{0x00};
  reader r(b);
  r.read_int32();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), errc::truncated);
  EXPECT_EQ(r.read_int8(), 0);  // later reads return zero values
  EXPECT_EQ(r.error(), errc::truncated);
  r.fail(errc::invalid_value);  // the first error is kept
  EXPECT_EQ(r.error(), errc::truncated);
}

TEST(wire, compact_and_classic_strings) {
  writer w;
  w.write_string("abc", true);
  w.write_string("", true);
  w.write_nullable_string(std::nullopt, true);
  w.write_string("abc", false);
  w.write_nullable_string(std::nullopt, false);
  EXPECT_EQ(w.buffer(),
            (bytes{0x04, 'a', 'b', 'c', 0x01, 0x00, 0x00, 0x03, 'a', 'b', 'c', 0xff, 0xff}));
  reader r(w.buffer());
  EXPECT_EQ(r.read_string(true), "abc");
  EXPECT_EQ(r.read_string(true), "");
  EXPECT_EQ(r.read_nullable_string(true), std::nullopt);
  EXPECT_EQ(r.read_nullable_string(false), "abc");
  EXPECT_EQ(r.read_nullable_string(false), std::nullopt);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(wire, null_where_not_nullable_is_invalid_value) {
  {
    bytes b{0xff, 0xff};
    reader r(b);
    r.read_string(false);
    EXPECT_EQ(r.error(), errc::invalid_value);
  }
  {
    bytes b{0x00};
    reader r(b);
    r.read_bytes(true);
    EXPECT_EQ(r.error(), errc::invalid_value);
  }
  {
    bytes b{0x00};
    reader r(b);
    codec::take_array_length(r, false, true, 1);
    EXPECT_EQ(r.error(), errc::invalid_value);
  }
  {
    bytes b{0x00};
    reader r(b);
    EXPECT_EQ(codec::take_array_length(r, true, true, 1), -1);
    EXPECT_TRUE(r.ok());
  }
}

TEST(wire, lengths_are_checked_against_what_is_left) {
  {  // a string longer than the buffer
    bytes b{0x00, 0x05, 'a'};
    reader r(b);
    r.read_string(false);
    EXPECT_EQ(r.error(), errc::truncated);
  }
  {  // a compact string over 32767 bytes
    writer w;
    w.write_uvarint(0x8001);
    reader r(w.buffer());
    r.read_string(true);
    EXPECT_EQ(r.error(), errc::invalid_length);
  }
  {  // a negative classic length other than -1
    bytes b{0xff, 0xfe};
    reader r(b);
    r.read_nullable_string(false);
    EXPECT_EQ(r.error(), errc::invalid_length);
  }
  {  // an array count that cannot fit in the bytes left fails before anything is allocated
    bytes b{0x00, 0x10, 0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
    reader r(b);
    EXPECT_EQ(r.read_array_length(false, 4), -1);
    EXPECT_EQ(r.error(), errc::truncated);
  }
  {  // ... and is allowed when it does
    bytes b{0x00, 0x00, 0x00, 0x02, 1, 2, 3, 4, 5, 6, 7, 8};
    reader r(b);
    EXPECT_EQ(r.read_array_length(false, 4), 2);
    EXPECT_TRUE(r.ok());
  }
}

TEST(wire, string_over_32767_bytes_does_not_encode) {
  writer w;
  codec::encode_error e;
  EXPECT_FALSE(codec::put_string(w, std::string(0x8000, 'x'), true, e, "name"));
  EXPECT_EQ(e.code, errc::invalid_length);
  EXPECT_STREQ(e.field, "name");
  EXPECT_TRUE(codec::put_string(w, std::string(0x7fff, 'x'), false, e, "name"));
}

TEST(wire, tagged_fields_unknown_are_kept_and_known_are_dispatched) {
  // Three tags: 1 (known, an int32), 4 and 9 (unknown).
  const bytes b{0x03, 0x01, 0x04, 0x00, 0x00, 0x00, 0x2a, 0x04, 0x01, 0x77, 0x09, 0x00, 0xee};
  reader r(b);
  std::vector<unknown_tagged_field> unknown;
  int32_t known = 0;
  r.read_tagged_fields(unknown, [&](uint32_t tag, reader& sub) {
    if (tag != 1) return false;
    known = sub.read_int32();
    return true;
  });
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(known, 42);
  ASSERT_EQ(unknown.size(), 2u);
  EXPECT_EQ(unknown[0].tag, 4u);
  EXPECT_EQ(unknown[0].data, (bytes{0x77}));
  EXPECT_EQ(unknown[1].tag, 9u);
  EXPECT_TRUE(unknown[1].data.empty());
  EXPECT_EQ(r.remaining(), 1u);  // the byte after the section

  // Re-emitting merges the unknown ones around a known tag in ascending order.
  writer w;
  size_t next = 0;
  codec::put_unknown_tags_below(w, unknown, next, 5);
  EXPECT_EQ(next, 1u);
  codec::put_unknown_tags_below(w, unknown, next, ~uint64_t{0});
  EXPECT_EQ(w.buffer(), (bytes{0x04, 0x01, 0x77, 0x09, 0x00}));
}

TEST(wire, tagged_fields_must_ascend_and_fit) {
  auto section_error = [](const bytes& b) {
    reader r(b);
    std::vector<unknown_tagged_field> unknown;
    r.read_tagged_fields(unknown, [](uint32_t, reader&) { return false; });
    return r.ok() ? std::optional<errc>() : std::optional<errc>(r.error());
  };
  EXPECT_EQ(section_error({0x02, 0x05, 0x00, 0x03, 0x00}), errc::invalid_value);  // 5 then 3
  EXPECT_EQ(section_error({0x02, 0x05, 0x00, 0x05, 0x00}), errc::invalid_value);  // repeated
  EXPECT_EQ(section_error({0x01, 0x05, 0x09, 0x00}), errc::truncated);  // size past the end
  EXPECT_EQ(section_error({0x7f}), errc::invalid_length);               // more tags than bytes
  EXPECT_EQ(section_error({0x00}), std::nullopt);
}

TEST(wire, a_known_tag_must_consume_its_whole_field) {
  const bytes b{0x01, 0x00, 0x02, 0xaa, 0xbb};
  reader r(b);
  std::vector<unknown_tagged_field> unknown;
  r.read_tagged_fields(unknown, [](uint32_t, reader& sub) {
    sub.read_int8();
    return true;
  });
  EXPECT_EQ(r.error(), errc::invalid_length);
}

TEST(wire, records_are_views_not_copies) {
  const bytes b{0x00, 0x00, 0x00, 0x03, 7, 8, 9, 0xff, 0xff, 0xff, 0xff};
  reader r(b);
  records first = r.read_records(false);
  records second = r.read_records(false);
  EXPECT_TRUE(r.ok());
  ASSERT_FALSE(first.is_null());
  EXPECT_EQ(first.size(), 3);
  EXPECT_EQ(first.data().data(), b.data() + 4);
  EXPECT_TRUE(second.is_null());
  EXPECT_EQ(first, records::view(bytes_view(b).subspan(4, 3)));
  EXPECT_NE(first, second);
}

TEST(wire, file_region_records_become_splices) {
  char path[] = "/tmp/sluice-wire-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::unlink(path);
  const uint8_t content[] = {'h', 'e', 'l', 'l', 'o', '!'};
  ASSERT_EQ(::write(fd, content, sizeof content), static_cast<ssize_t>(sizeof content));

  writer w;
  w.write_int8(1);
  w.write_records(records::file(file_region{nullptr, fd, 1, 4}), true);
  w.write_int8(2);
  EXPECT_EQ(w.size(), 1u + 1u + 4u + 1u);
  EXPECT_EQ(w.buffer(), (bytes{0x01, 0x05, 0x02}));  // the region is not in memory
  ASSERT_EQ(w.splices().size(), 1u);
  EXPECT_EQ(w.splices()[0].at, 2u);
  auto flat = w.flatten();
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(*flat, (bytes{0x01, 0x05, 'e', 'l', 'l', 'o', 0x02}));
  ::close(fd);
}

TEST(wire, uuid_base64) {
  uuid u;
  for (size_t i = 0; i < 16; ++i) u.value[i] = static_cast<uint8_t>(i * 17);
  const std::string text = u.to_base64();
  EXPECT_EQ(text.size(), 22u);
  EXPECT_EQ(uuid::from_base64(text), u);
  EXPECT_EQ(uuid{}.to_base64(), "AAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_FALSE(uuid::from_base64("short").has_value());
  EXPECT_FALSE(uuid::from_base64("AAAAAAAAAAAAAAAAAAAA*A").has_value());
}

}  // namespace
}  // namespace sluice::protocol
