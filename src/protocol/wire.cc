// The wire primitives (see wire.h): bounds-checked reads, big-endian and varint writes, and the
// small helpers the generated codec calls.
#include "protocol/wire.h"

#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace sluice::protocol {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::truncated:
      return "truncated";
    case errc::invalid_length:
      return "invalid length";
    case errc::invalid_varint:
      return "invalid varint";
    case errc::invalid_value:
      return "invalid value";
    case errc::unsupported_version:
      return "unsupported version";
    case errc::unknown_api:
      return "unknown api key";
    case errc::field_not_in_version:
      return "field not present in this version";
    case errc::corrupt:
      return "corrupt";
    case errc::unsupported_compression:
      return "unsupported compression";
    case errc::compression_failed:
      return "compression failed";
  }
  return "unknown";
}

// ---- uuid -------------------------------------------------------------------------------------

bool uuid::is_zero() const {
  for (auto b : value)
    if (b != 0) return false;
  return true;
}

namespace {
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string uuid::to_base64() const {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : value) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<uuid> uuid::from_base64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  uuid out;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    const char* p = std::strchr(kBase64Url, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - kBase64Url);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 16) out.value[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  return n == 16 ? std::optional<uuid>(out) : std::nullopt;
}

// ---- records ----------------------------------------------------------------------------------

records records::view(bytes_view data) {
  records r;
  r.kind_ = kind::memory;
  r.data_ = data;
  return r;
}

records records::file(file_region region) {
  records r;
  r.kind_ = kind::file;
  r.region_ = std::move(region);
  return r;
}

int32_t records::size() const {
  switch (kind_) {
    case kind::null:
      return 0;
    case kind::memory:
      return static_cast<int32_t>(data_.size());
    case kind::file:
      return region_.size;
  }
  return 0;
}

bool operator==(const records& a, const records& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case records::kind::null:
      return true;
    case records::kind::memory:
      return a.data_.size() == b.data_.size() &&
             (a.data_.empty() || std::memcmp(a.data_.data(), b.data_.data(), a.data_.size()) == 0);
    case records::kind::file:
      return a.region_.fd == b.region_.fd && a.region_.position == b.region_.position &&
             a.region_.size == b.region_.size;
  }
  return false;
}

// ---- reader -----------------------------------------------------------------------------------

void reader::fail(errc e) {
  if (!failed_) {
    failed_ = true;
    error_ = e;
  }
}

bool reader::need(size_t n) {
  if (failed_) return false;
  if (data_.size() - pos_ < n) {
    fail(errc::truncated);
    return false;
  }
  return true;
}

namespace {
template <class T>
T load_be(const uint8_t* p) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<U>((v << 8) | p[i]);
  return static_cast<T>(v);
}
template <class T>
void store_be(std::vector<uint8_t>& out, T value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  uint8_t tmp[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    tmp[sizeof(T) - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
  out.insert(out.end(), tmp, tmp + sizeof(T));
}
}  // namespace

#define SLUICE_READ_BE(T)                \
  if (!need(sizeof(T))) return 0;        \
  T v = load_be<T>(data_.data() + pos_); \
  pos_ += sizeof(T);                     \
  return v

int8_t reader::read_int8() {
  SLUICE_READ_BE(int8_t);
}
int16_t reader::read_int16() {
  SLUICE_READ_BE(int16_t);
}
uint16_t reader::read_uint16() {
  SLUICE_READ_BE(uint16_t);
}
int32_t reader::read_int32() {
  SLUICE_READ_BE(int32_t);
}
uint32_t reader::read_uint32() {
  SLUICE_READ_BE(uint32_t);
}
int64_t reader::read_int64() {
  SLUICE_READ_BE(int64_t);
}
#undef SLUICE_READ_BE

double reader::read_float64() {
  return std::bit_cast<double>(static_cast<uint64_t>(read_int64()));
}

bool reader::read_bool() {
  return read_int8() != 0;
}

uuid reader::read_uuid() {
  uuid u;
  if (!need(16)) return u;
  std::memcpy(u.value.data(), data_.data() + pos_, 16);
  pos_ += 16;
  return u;
}

uint64_t reader::read_uvarlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (!need(1)) return 0;
    uint8_t b = data_[pos_++];
    if (shift == 63 && (b & 0x7e) != 0) break;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  fail(errc::invalid_varint);
  return 0;
}

uint32_t reader::read_uvarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (!need(1)) return 0;
    uint8_t b = data_[pos_++];
    if (shift == 28 && (b & 0x70) != 0) break;
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  fail(errc::invalid_varint);
  return 0;
}

int32_t reader::read_varint() {
  uint32_t v = read_uvarint();
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

int64_t reader::read_varlong() {
  uint64_t v = read_uvarlong();
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

bytes_view reader::read_raw(size_t n) {
  if (!need(n)) return {};
  bytes_view out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

int32_t reader::read_string_length(bool flexible) {
  int64_t len = flexible ? static_cast<int64_t>(read_uvarint()) - 1 : read_int16();
  if (!ok()) return -1;
  if (len < -1 || len > 0x7fff) {
    fail(errc::invalid_length);
    return -1;
  }
  if (len > static_cast<int64_t>(remaining())) {
    fail(errc::truncated);
    return -1;
  }
  return static_cast<int32_t>(len);
}

int32_t reader::read_bytes_length(bool flexible) {
  int64_t len = flexible ? static_cast<int64_t>(read_uvarint()) - 1 : read_int32();
  if (!ok()) return -1;
  if (len < -1) {
    fail(errc::invalid_length);
    return -1;
  }
  if (len > static_cast<int64_t>(remaining())) {
    fail(errc::truncated);
    return -1;
  }
  return static_cast<int32_t>(len);
}

int32_t reader::read_array_length(bool flexible, size_t min_element_size) {
  int64_t len = flexible ? static_cast<int64_t>(read_uvarint()) - 1 : read_int32();
  if (!ok()) return -1;
  if (len < -1) {
    fail(errc::invalid_length);
    return -1;
  }
  if (min_element_size == 0) min_element_size = 1;
  if (len > 0 && static_cast<uint64_t>(len) > remaining() / min_element_size) {
    fail(errc::truncated);
    return -1;
  }
  return static_cast<int32_t>(len);
}

std::string reader::read_string(bool flexible) {
  int32_t len = read_string_length(flexible);
  if (len < 0) {
    fail(errc::invalid_value);
    return {};
  }
  bytes_view raw = read_raw(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::optional<std::string> reader::read_nullable_string(bool flexible) {
  int32_t len = read_string_length(flexible);
  if (len < 0) return std::nullopt;
  bytes_view raw = read_raw(static_cast<size_t>(len));
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

bytes reader::read_bytes(bool flexible) {
  int32_t len = read_bytes_length(flexible);
  if (len < 0) {
    fail(errc::invalid_value);
    return {};
  }
  bytes_view raw = read_raw(static_cast<size_t>(len));
  return bytes(raw.begin(), raw.end());
}

std::optional<bytes> reader::read_nullable_bytes(bool flexible) {
  int32_t len = read_bytes_length(flexible);
  if (len < 0) return std::nullopt;
  bytes_view raw = read_raw(static_cast<size_t>(len));
  return bytes(raw.begin(), raw.end());
}

records reader::read_records(bool flexible) {
  int32_t len = read_bytes_length(flexible);
  if (len < 0) return records{};
  return records::view(read_raw(static_cast<size_t>(len)));
}

// ---- writer -----------------------------------------------------------------------------------

void writer::write_int16(int16_t v) {
  store_be(buf_, v);
}
void writer::write_uint16(uint16_t v) {
  store_be(buf_, v);
}
void writer::write_int32(int32_t v) {
  store_be(buf_, v);
}
void writer::write_uint32(uint32_t v) {
  store_be(buf_, v);
}
void writer::write_int64(int64_t v) {
  store_be(buf_, v);
}
void writer::write_float64(double v) {
  store_be(buf_, std::bit_cast<uint64_t>(v));
}
void writer::write_uuid(const uuid& v) {
  write_raw(v.value);
}

void writer::write_uvarint(uint32_t v) {
  write_uvarlong(v);
}

void writer::write_uvarlong(uint64_t v) {
  while (v >= 0x80) {
    buf_.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  buf_.push_back(static_cast<uint8_t>(v));
}

void writer::write_varint(int32_t v) {
  write_uvarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

void writer::write_varlong(int64_t v) {
  write_uvarlong((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

size_t writer::uvarint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void writer::write_string(std::string_view v, bool flexible) {
  if (flexible) {
    write_uvarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    write_int16(static_cast<int16_t>(v.size()));
  }
  buf_.insert(buf_.end(), v.begin(), v.end());
}

void writer::write_nullable_string(const std::optional<std::string>& v, bool flexible) {
  if (v) return write_string(*v, flexible);
  if (flexible) {
    write_uvarint(0);
  } else {
    write_int16(-1);
  }
}

void writer::write_bytes(bytes_view v, bool flexible) {
  if (flexible) {
    write_uvarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    write_int32(static_cast<int32_t>(v.size()));
  }
  write_raw(v);
}

void writer::write_nullable_bytes(const std::optional<bytes>& v, bool flexible) {
  if (v) return write_bytes(*v, flexible);
  if (flexible) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void writer::write_records(const records& v, bool flexible) {
  if (v.is_null()) {
    if (flexible) {
      write_uvarint(0);
    } else {
      write_int32(-1);
    }
    return;
  }
  if (flexible) {
    write_uvarint(static_cast<uint32_t>(v.size() + 1));
  } else {
    write_int32(v.size());
  }
  if (v.is_file()) {
    if (v.size() > 0) {
      splices_.push_back(splice{buf_.size(), v.region()});
      spliced_bytes_ += static_cast<size_t>(v.size());
    }
  } else {
    write_raw(v.data());
  }
}

void writer::write_array_length(int32_t count, bool flexible) {
  if (flexible) {
    write_uvarint(static_cast<uint32_t>(count + 1));
  } else {
    write_int32(count);
  }
}

void writer::write_unknown_tagged_fields(const std::vector<unknown_tagged_field>& fields) {
  for (const auto& f : fields) {
    write_uvarint(f.tag);
    write_uvarint(static_cast<uint32_t>(f.data.size()));
    write_raw(f.data);
  }
}

void writer::patch_int32(size_t at, int32_t v) {
  SLUICE_ASSERT(at + 4 <= buf_.size(), "patch_int32 out of range");
  auto u = static_cast<uint32_t>(v);
  buf_[at] = static_cast<uint8_t>(u >> 24);
  buf_[at + 1] = static_cast<uint8_t>(u >> 16);
  buf_[at + 2] = static_cast<uint8_t>(u >> 8);
  buf_[at + 3] = static_cast<uint8_t>(u);
}

// ---- helpers for the generated codec ---------------------------------------------------------

namespace codec {

namespace {
bool failed(encode_error& e, errc code, const char* field) {
  e = encode_error{code, field};
  return false;
}
}  // namespace

bool put_string(writer& w, std::string_view v, bool flexible, encode_error& e, const char* field) {
  if (v.size() > 0x7fff) return failed(e, errc::invalid_length, field);
  w.write_string(v, flexible);
  return true;
}

bool put_optional_string(writer& w, const std::optional<std::string>& v, bool nullable,
                         bool flexible, encode_error& e, const char* field) {
  if (!v && !nullable) return failed(e, errc::invalid_value, field);
  if (v && v->size() > 0x7fff) return failed(e, errc::invalid_length, field);
  w.write_nullable_string(v, flexible);
  return true;
}

bool put_optional_bytes(writer& w, const std::optional<bytes>& v, bool nullable, bool flexible,
                        encode_error& e, const char* field) {
  if (!v && !nullable) return failed(e, errc::invalid_value, field);
  w.write_nullable_bytes(v, flexible);
  return true;
}

bool put_records(writer& w, const records& v, bool nullable, bool flexible, encode_error& e,
                 const char* field) {
  if (v.is_null() && !nullable) return failed(e, errc::invalid_value, field);
  w.write_records(v, flexible);
  return true;
}

void put_unknown_tags_below(writer& w, const std::vector<unknown_tagged_field>& unknown,
                            size_t& next, uint64_t limit) {
  for (; next < unknown.size() && unknown[next].tag < limit; ++next) {
    w.write_uvarint(unknown[next].tag);
    w.write_uvarint(static_cast<uint32_t>(unknown[next].data.size()));
    w.write_raw(unknown[next].data);
  }
}

void put_tagged(writer& w, uint32_t tag, const writer& value) {
  SLUICE_ASSERT(value.splices().empty(), "a tagged field cannot hold a file region");
  w.write_uvarint(tag);
  w.write_uvarint(static_cast<uint32_t>(value.buffer().size()));
  w.write_raw(value.buffer());
}

std::optional<std::string> take_optional_string(reader& r, bool nullable, bool flexible) {
  if (nullable) return r.read_nullable_string(flexible);
  return r.read_string(flexible);
}

std::optional<bytes> take_optional_bytes(reader& r, bool nullable, bool flexible) {
  if (nullable) return r.read_nullable_bytes(flexible);
  return r.read_bytes(flexible);
}

records take_records(reader& r, bool nullable, bool flexible) {
  records v = r.read_records(flexible);
  if (v.is_null() && !nullable) r.fail(errc::invalid_value);
  return v;
}

int32_t take_array_length(reader& r, bool nullable, bool flexible, size_t min_element_size) {
  int32_t n = r.read_array_length(flexible, min_element_size);
  if (n < 0 && !nullable) r.fail(errc::invalid_value);
  return n;
}

}  // namespace codec

result<bytes> writer::flatten() const {
  bytes out;
  out.reserve(size());
  size_t from = 0;
  for (const auto& s : splices_) {
    out.insert(out.end(), buf_.begin() + static_cast<ptrdiff_t>(from),
               buf_.begin() + static_cast<ptrdiff_t>(s.at));
    from = s.at;
    size_t old = out.size();
    out.resize(old + static_cast<size_t>(s.region.size));
    size_t done = 0;
    while (done < static_cast<size_t>(s.region.size)) {
      ssize_t n =
          ::pread(s.region.fd, out.data() + old + done, static_cast<size_t>(s.region.size) - done,
                  static_cast<off_t>(s.region.position + static_cast<int64_t>(done)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail(errc::truncated, "short read of a file region");
      done += static_cast<size_t>(n);
    }
  }
  out.insert(out.end(), buf_.begin() + static_cast<ptrdiff_t>(from), buf_.end());
  return out;
}

}  // namespace sluice::protocol
