// The Kafka wire primitives: a bounds-checked reader and an appending writer.
//
// reader: a view over one frame. Every read is bounds-checked; the first failure is sticky (later
// reads return zero values, ok() turns false, error() says why), so generated decoders read field
// after field and check once at the end. Lengths and counts are validated against the bytes that
// are left before anything is allocated, so a hostile length never sizes an allocation.
//
// writer: builds a response/request in memory. A `records` value that refers to a file region is
// not copied: the writer remembers where it goes (a splice) so the network layer can sendfile() it.
// Single-threaded value types; not shared between threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/errc.h"

namespace sluice::protocol {

using bytes = std::vector<uint8_t>;
using bytes_view = std::span<const uint8_t>;

struct uuid {
  std::array<uint8_t, 16> value{};
  bool is_zero() const;
  friend bool operator==(const uuid&, const uuid&) = default;
  friend auto operator<=>(const uuid&, const uuid&) = default;  // byte order, for maps
  // Kafka prints topic ids as URL-safe base64 without padding (22 characters).
  std::string to_base64() const;
  static std::optional<uuid> from_base64(std::string_view text);
};

// A region of an open file: the records of a Fetch answer, sent with sendfile() on plaintext.
// `keepalive` holds whatever keeps `fd` open (a segment handle) until the bytes are sent.
struct file_region {
  std::shared_ptr<const void> keepalive;
  int fd = -1;
  int64_t position = 0;
  int32_t size = 0;
};

// The `records` field type: null, a view into memory (a request frame, a test buffer), or a file
// region. Opaque bytes either way; the codec never looks inside.
class records {
 public:
  records() = default;  // null
  static records view(bytes_view data);
  static records file(file_region region);

  bool is_null() const { return kind_ == kind::null; }
  bool is_file() const { return kind_ == kind::file; }
  int32_t size() const;
  // The bytes of a memory view (empty for null). Not valid for file regions.
  bytes_view data() const { return data_; }
  const file_region& region() const { return region_; }

  // Same kind and same bytes (file regions compare by fd/position/size).
  friend bool operator==(const records& a, const records& b);

 private:
  enum class kind { null, memory, file };
  kind kind_ = kind::null;
  bytes_view data_{};
  file_region region_{};
};

// A tagged field this codec does not know: kept verbatim so a round trip preserves it.
struct unknown_tagged_field {
  uint32_t tag = 0;
  bytes data;
  friend bool operator==(const unknown_tagged_field&, const unknown_tagged_field&) = default;
};

class reader {
 public:
  explicit reader(bytes_view data) : data_(data) {}

  bool ok() const { return !failed_; }
  errc error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return failed_ ? 0 : data_.size() - pos_; }
  bytes_view rest() const { return failed_ ? bytes_view{} : data_.subspan(pos_); }
  void fail(errc e);

  int8_t read_int8();
  int16_t read_int16();
  uint16_t read_uint16();
  int32_t read_int32();
  uint32_t read_uint32();
  int64_t read_int64();
  double read_float64();
  bool read_bool();
  uuid read_uuid();
  uint32_t read_uvarint();
  uint64_t read_uvarlong();
  int32_t read_varint();   // zig-zag
  int64_t read_varlong();  // zig-zag
  bytes_view read_raw(size_t n);
  void skip(size_t n) { read_raw(n); }

  // Length of a string/bytes/array: -1 for null. Flexible versions use the compact (N+1) form.
  // For arrays, `min_element_size` bounds the count by the bytes left.
  int32_t read_string_length(bool flexible);
  int32_t read_bytes_length(bool flexible);
  int32_t read_array_length(bool flexible, size_t min_element_size = 1);

  std::string read_string(bool flexible);  // null is an error
  std::optional<std::string> read_nullable_string(bool flexible);
  bytes read_bytes(bool flexible);  // null is an error
  std::optional<bytes> read_nullable_bytes(bool flexible);
  records read_records(bool flexible);  // a view into this reader's buffer; never copies

  // Reads a tagged-field section; known tags are handed to `on_tag(tag, reader&)` (which must
  // consume exactly the field) and the rest are appended to `unknown`. Tags must be strictly
  // ascending (as every writer emits them); a repeated or out-of-order tag is invalid_value.
  template <class OnTag>
  void read_tagged_fields(std::vector<unknown_tagged_field>& unknown, OnTag&& on_tag);

 private:
  bool need(size_t n);
  bytes_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
  errc error_ = errc::truncated;
};

class writer {
 public:
  writer() = default;

  void write_int8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void write_int16(int16_t v);
  void write_uint16(uint16_t v);
  void write_int32(int32_t v);
  void write_uint32(uint32_t v);
  void write_int64(int64_t v);
  void write_float64(double v);
  void write_bool(bool v) { buf_.push_back(v ? 1 : 0); }
  void write_uuid(const uuid& v);
  void write_uvarint(uint32_t v);
  void write_uvarlong(uint64_t v);
  void write_varint(int32_t v);
  void write_varlong(int64_t v);
  void write_raw(bytes_view data) { buf_.insert(buf_.end(), data.begin(), data.end()); }

  void write_string(std::string_view v, bool flexible);
  void write_nullable_string(const std::optional<std::string>& v, bool flexible);
  void write_bytes(bytes_view v, bool flexible);
  void write_nullable_bytes(const std::optional<bytes>& v, bool flexible);
  void write_records(const records& v, bool flexible);
  void write_array_length(int32_t count, bool flexible);  // -1 = null
  void write_unknown_tagged_fields(const std::vector<unknown_tagged_field>& fields);

  void reserve(size_t n) { buf_.reserve(n); }

  static size_t uvarint_size(uint64_t v);

  // Total encoded size, file regions included.
  size_t size() const { return buf_.size() + spliced_bytes_; }
  // In-memory bytes (file regions excluded): the whole encoding when there are no splices.
  const bytes& buffer() const { return buf_; }
  bytes take_buffer() { return std::move(buf_); }

  // A file region to be sent after buffer()[0, at) and before buffer()[at, ...).
  struct splice {
    size_t at;
    file_region region;
  };
  const std::vector<splice>& splices() const { return splices_; }

  // The whole encoding as bytes, reading file regions with pread (tests, TLS, tools).
  result<bytes> flatten() const;

  // Overwrites 4 bytes at `at` with a big-endian int32 (size prefixes written after the fact).
  void patch_int32(size_t at, int32_t v);

 private:
  bytes buf_;
  std::vector<splice> splices_;
  size_t spliced_bytes_ = 0;
};

// Helpers for the generated codec (protocol/generated/): null checks, string limits and the merge
// of unknown tagged fields, kept out of line so the generated code stays small.
namespace codec {

// The first encode failure: what went wrong and in which field (a string literal).
struct encode_error {
  errc code = errc::invalid_value;
  const char* field = "";
};

// Writers return false (and fill `e`) for a value the format cannot carry: a string over 32767
// bytes, or null where the version does not allow null.
bool put_string(writer& w, std::string_view v, bool flexible, encode_error& e, const char* field);
bool put_optional_string(writer& w, const std::optional<std::string>& v, bool nullable,
                         bool flexible, encode_error& e, const char* field);
bool put_optional_bytes(writer& w, const std::optional<bytes>& v, bool nullable, bool flexible,
                        encode_error& e, const char* field);
bool put_records(writer& w, const records& v, bool nullable, bool flexible, encode_error& e,
                 const char* field);
// Writes the unknown tagged fields from `next` on whose tag is below `limit` (merging them, in tag
// order, with the known ones) and advances `next`.
void put_unknown_tags_below(writer& w, const std::vector<unknown_tagged_field>& unknown,
                            size_t& next, uint64_t limit);
// Writes one tagged field: tag, size, then the bytes `value` holds.
void put_tagged(writer& w, uint32_t tag, const writer& value);

// Readers of values whose nullability depends on the version: null where `nullable` is false
// fails the reader with invalid_value.
std::optional<std::string> take_optional_string(reader& r, bool nullable, bool flexible);
std::optional<bytes> take_optional_bytes(reader& r, bool nullable, bool flexible);
records take_records(reader& r, bool nullable, bool flexible);
// An array count bounded by the bytes left; -1 for null (an error unless `nullable`).
int32_t take_array_length(reader& r, bool nullable, bool flexible, size_t min_element_size);

}  // namespace codec

template <class OnTag>
void reader::read_tagged_fields(std::vector<unknown_tagged_field>& unknown, OnTag&& on_tag) {
  uint32_t count = read_uvarint();
  if (count > remaining()) return fail(errc::invalid_length);
  int64_t previous = -1;
  for (uint32_t i = 0; i < count && ok(); ++i) {
    uint32_t tag = read_uvarint();
    uint32_t size = read_uvarint();
    if (!ok()) return;
    // Tags are written in strictly ascending order; anything else could not be re-encoded as read.
    if (static_cast<int64_t>(tag) <= previous) return fail(errc::invalid_value);
    previous = tag;
    if (size > remaining()) return fail(errc::truncated);
    bytes_view field = read_raw(size);
    reader sub(field);
    if (!on_tag(tag, sub)) {
      unknown.push_back(unknown_tagged_field{tag, bytes(field.begin(), field.end())});
    } else if (!sub.ok()) {
      return fail(sub.error());
    } else if (sub.remaining() != 0) {
      return fail(errc::invalid_length);
    }
  }
}

}  // namespace sluice::protocol
