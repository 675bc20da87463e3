// Legacy message sets: parsing, writing entries, and the legacy codec framings. See the header.
#include "protocol/legacy_records.h"

#include <zlib.h>

#include <array>
#include <cstring>

namespace sluice::protocol::legacy {

namespace {

template <class T>
failure<legacy_errc> fail(legacy_errc code, T&& message) {
  return failure<legacy_errc>{code, std::string(std::forward<T>(message))};
}

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t get_i64(const uint8_t* p) {
  return static_cast<int64_t>((uint64_t{get_u32(p)} << 32) | get_u32(p + 4));
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}
void put_i64(std::vector<uint8_t>& out, int64_t v) {
  put_u32(out, static_cast<uint32_t>(static_cast<uint64_t>(v) >> 32));
  put_u32(out, static_cast<uint32_t>(v));
}

uint32_t crc32_ieee(bytes_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; messages are far below 4 GiB but chunk anyway.
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1u << 30);
    crc = crc32(crc, data.data(), static_cast<uInt>(n));
    data = data.subspan(n);
  }
  return static_cast<uint32_t>(crc);
}

// Reads a length-prefixed nullable byte field at `pos`; advances `pos`.
legacy_result<std::optional<bytes_view>> read_field(bytes_view m, size_t& pos, const char* what) {
  if (m.size() - pos < 4) return fail(legacy_errc::truncated, std::string(what) + " length");
  const auto len = static_cast<int32_t>(get_u32(m.data() + pos));
  pos += 4;
  if (len == -1) return std::optional<bytes_view>{};
  if (len < 0) return fail(legacy_errc::bad_record, std::string("negative ") + what + " length");
  if (m.size() - pos < static_cast<size_t>(len))
    return fail(legacy_errc::truncated, std::string(what) + " past the end of its message");
  auto field = m.subspan(pos, static_cast<size_t>(len));
  pos += static_cast<size_t>(len);
  return std::optional<bytes_view>{field};
}

struct raw_message {
  int64_t offset = 0;
  int8_t magic = 0;
  int8_t attributes = 0;
  int64_t timestamp = -1;
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
  compression_type codec() const { return static_cast<compression_type>(attributes & 0x7); }
  timestamp_type ts_type() const {
    return magic > 0 && (attributes & 0x8) ? timestamp_type::log_append_time
                                           : timestamp_type::create_time;
  }
};

// Reads the entry at `pos` of `data`; advances `pos`.
legacy_result<raw_message> read_entry(bytes_view data, size_t& pos, bool verify_crc) {
  if (data.size() - pos < log_overhead) return fail(legacy_errc::truncated, "partial entry header");
  raw_message out;
  out.offset = get_i64(data.data() + pos);
  const auto size = static_cast<int32_t>(get_u32(data.data() + pos + 8));
  pos += log_overhead;
  if (size < static_cast<int32_t>(message_overhead_v0))
    return fail(legacy_errc::bad_size, "message size " + std::to_string(size) + " below minimum");
  if (data.size() - pos < static_cast<size_t>(size))
    return fail(legacy_errc::truncated, "message of " + std::to_string(size) + " bytes, " +
                                            std::to_string(data.size() - pos) + " left");
  const bytes_view m = data.subspan(pos, static_cast<size_t>(size));
  pos += static_cast<size_t>(size);
  out.magic = static_cast<int8_t>(m[4]);
  if (out.magic != 0 && out.magic != 1)
    return fail(legacy_errc::bad_magic, "magic " + std::to_string(out.magic));
  if (out.magic == 1 && m.size() < message_overhead_v1)
    return fail(legacy_errc::bad_size, "magic 1 message below minimum size");
  if (verify_crc && crc32_ieee(m.subspan(4)) != get_u32(m.data()))
    return fail(legacy_errc::crc_mismatch, "message CRC-32 mismatch");
  out.attributes = static_cast<int8_t>(m[5]);
  size_t at = 6;
  if (out.magic == 1) {
    out.timestamp = get_i64(m.data() + at);
    at += 8;
  }
  auto key = read_field(m, at, "key");
  if (!key) return std::move(key).error();
  auto value = read_field(m, at, "value");
  if (!value) return std::move(value).error();
  if (at != m.size()) return fail(legacy_errc::bad_size, "bytes left after the message value");
  out.key = *key;
  out.value = *value;
  return out;
}

// LZ4 frame: magic (4), FLG, BD, [content size 8], [dict id 4], HC. Returns where HC is.
std::optional<size_t> lz4_header_checksum_at(bytes_view frame) {
  if (frame.size() < 7 || get_u32(frame.data()) != 0x04224D18u) return std::nullopt;
  const uint8_t flg = frame[4];
  size_t at = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0);
  if (frame.size() <= at) return std::nullopt;
  return at;
}

// Magic 0 lz4: the header checksum was computed over the frame magic too. Rewrites it as the
// standard one (over FLG..) so the frame library accepts it: Kafka ignores it on read.
void fix_broken_lz4_checksum(std::vector<uint8_t>& frame) {
  auto at = lz4_header_checksum_at(frame);
  if (!at) return;
  frame[*at] = static_cast<uint8_t>(xxh32(bytes_view(frame).subspan(4, *at - 4), 0) >> 8);
}

legacy_result<void> decompress_wrapper(const raw_message& wrapper, size_t budget,
                                       std::vector<uint8_t>& out) {
  const compression_type codec = wrapper.codec();
  bytes_view input = *wrapper.value;
  std::vector<uint8_t> patched;
  if (codec == compression_type::lz4 && wrapper.magic == 0) {
    patched.assign(input.begin(), input.end());
    fix_broken_lz4_checksum(patched);
    input = patched;
  }
  std::vector<uint8_t> scratch;
  auto r = decompress(codec, input, budget, scratch);
  if (!r) {
    if (r.error().code == codec_errc::too_large)
      return fail(legacy_errc::decompressed_too_large, "decompressed inner messages too large");
    if (r.error().code == codec_errc::failed)
      return fail(legacy_errc::internal_error, r.error().message);
    return fail(legacy_errc::decompression_failed,
                std::string(to_string(codec)) + " wrapper: " + r.error().message);
  }
  out.assign(r->begin(), r->end());
  return ok_v;
}

legacy_result<void> open_wrapper(const raw_message& wrapper, const parse_options& options,
                                 size_t& decompressed, message_set& set) {
  if (!wrapper.value) return fail(legacy_errc::bad_record, "compressed wrapper with a null value");
  std::vector<uint8_t> inner;
  if (auto r = decompress_wrapper(wrapper, options.max_decompressed_bytes - decompressed, inner);
      !r)
    return r;
  decompressed += inner.size();
  set.buffers.push_back(std::move(inner));
  const bytes_view data = set.buffers.back();

  std::vector<raw_message> inners;
  for (size_t pos = 0; pos < data.size();) {
    auto m = read_entry(data, pos, options.verify_crc);
    if (!m) return std::move(m).error();
    if (m->magic != wrapper.magic)
      return fail(legacy_errc::inner_magic_mismatch,
                  "inner message magic " + std::to_string(m->magic) + " in a magic " +
                      std::to_string(wrapper.magic) + " wrapper");
    if (m->codec() != compression_type::none)
      return fail(legacy_errc::nested_compression,
                  "compressed wrapper holds a compressed inner message");
    if (wrapper.magic == 1 && !inners.empty() && m->offset <= inners.back().offset)
      return fail(legacy_errc::bad_inner_offsets, "inner relative offsets do not increase");
    inners.push_back(*m);
  }
  if (inners.empty()) return fail(legacy_errc::empty_wrapper, "compressed wrapper is empty");
  int64_t base = 0;
  if (wrapper.magic == 1) {
    base = wrapper.offset - inners.back().offset;
    if (inners.front().offset < 0 || base < 0)
      return fail(legacy_errc::bad_inner_offsets, "inner relative offsets below 0");
  }
  for (const auto& m : inners) {
    legacy_message out;
    out.offset = base + m.offset;
    out.magic = m.magic;
    out.ts_type = wrapper.ts_type();
    out.timestamp = wrapper.magic == 0                               ? -1
                    : out.ts_type == timestamp_type::log_append_time ? wrapper.timestamp
                                                                     : m.timestamp;
    out.key = m.key;
    out.value = m.value;
    set.messages.push_back(out);
  }
  return ok_v;
}

}  // namespace

std::string_view to_string(legacy_errc e) {
  switch (e) {
    case legacy_errc::truncated:
      return "truncated";
    case legacy_errc::bad_size:
      return "bad_size";
    case legacy_errc::bad_magic:
      return "bad_magic";
    case legacy_errc::crc_mismatch:
      return "crc_mismatch";
    case legacy_errc::bad_record:
      return "bad_record";
    case legacy_errc::unknown_compression:
      return "unknown_compression";
    case legacy_errc::decompression_failed:
      return "decompression_failed";
    case legacy_errc::decompressed_too_large:
      return "decompressed_too_large";
    case legacy_errc::nested_compression:
      return "nested_compression";
    case legacy_errc::inner_magic_mismatch:
      return "inner_magic_mismatch";
    case legacy_errc::bad_inner_offsets:
      return "bad_inner_offsets";
    case legacy_errc::empty_wrapper:
      return "empty_wrapper";
    case legacy_errc::unsupported_compression:
      return "unsupported_compression";
    case legacy_errc::corrupt_batch:
      return "corrupt_batch";
    case legacy_errc::internal_error:
      return "internal_error";
  }
  return "unknown";
}

bool is_legacy(bytes_view data) {
  return data.size() > log_overhead + 4 && data[log_overhead + 4] <= 1;
}

legacy_result<message_set> parse_message_set(bytes_view data, const parse_options& options) {
  message_set set;
  size_t decompressed = 0;
  for (size_t pos = 0; pos < data.size();) {
    auto m = read_entry(data, pos, options.verify_crc);
    if (!m) return std::move(m).error();
    if (set.messages.empty() && set.buffers.empty()) set.magic = m->magic;
    const compression_type codec = m->codec();
    if (codec == compression_type::none) {
      set.messages.push_back(
          legacy_message{m->offset, m->magic, m->ts_type(), m->timestamp, m->key, m->value});
      continue;
    }
    if (codec != compression_type::gzip && codec != compression_type::snappy &&
        codec != compression_type::lz4)
      return fail(legacy_errc::unknown_compression,
                  "codec " + std::to_string(static_cast<int>(codec)) + " in a legacy message");
    if (set.compression == compression_type::none) set.compression = codec;
    if (auto r = open_wrapper(*m, options, decompressed, set); !r) return std::move(r).error();
  }
  return set;
}

void write_message(std::vector<uint8_t>& out, int64_t offset, int8_t magic, int8_t attributes,
                   int64_t timestamp, std::optional<bytes_view> key,
                   std::optional<bytes_view> value) {
  const size_t size = (magic == 0 ? message_overhead_v0 : message_overhead_v1) +
                      (key ? key->size() : 0) + (value ? value->size() : 0);
  put_i64(out, offset);
  put_u32(out, static_cast<uint32_t>(size));
  const size_t crc_at = out.size();
  put_u32(out, 0);
  out.push_back(static_cast<uint8_t>(magic));
  out.push_back(static_cast<uint8_t>(attributes));
  if (magic == 1) put_i64(out, timestamp);
  for (const auto& field : {key, value}) {
    if (!field) {
      put_u32(out, 0xffffffffu);
    } else {
      put_u32(out, static_cast<uint32_t>(field->size()));
      out.insert(out.end(), field->begin(), field->end());
    }
  }
  const uint32_t crc = crc32_ieee(bytes_view(out).subspan(crc_at + 4));
  for (int i = 0; i < 4; ++i) out[crc_at + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

legacy_result<std::vector<uint8_t>> compress_inner(compression_type codec, int8_t magic,
                                                   bytes_view inner) {
  std::vector<uint8_t> out;
  if (codec == compression_type::snappy) {
    // xerial framing, as snappy-java's SnappyOutputStream writes it: every Java client reads it,
    // and so do the Go and C clients.
    static constexpr std::array<uint8_t, 16> header{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                                    0,    0,   0,   1,   0,   0,   0,   1};
    out.assign(header.begin(), header.end());
    for (size_t at = 0; at < inner.size(); at += max_xerial_block) {
      std::vector<uint8_t> block;
      auto chunk = inner.subspan(at, std::min(max_xerial_block, inner.size() - at));
      if (!compress(codec, chunk, block)) return fail(legacy_errc::internal_error, "snappy failed");
      put_u32(out, static_cast<uint32_t>(block.size()));
      out.insert(out.end(), block.begin(), block.end());
    }
    return out;
  }
  if (codec != compression_type::gzip && codec != compression_type::lz4)
    return fail(legacy_errc::unsupported_compression,
                std::string(to_string(codec)) + " cannot be written in a legacy message");
  if (!compress(codec, inner, out))
    return fail(legacy_errc::internal_error, std::string(to_string(codec)) + " failed");
  if (codec == compression_type::lz4 && magic == 0) {
    // Kafka's magic 0 writer computes the header checksum over the frame magic as well.
    if (auto at = lz4_header_checksum_at(out))
      out[*at] = static_cast<uint8_t>(xxh32(bytes_view(out).subspan(0, *at), 0) >> 8);
  }
  return out;
}

uint32_t xxh32(bytes_view data, uint32_t seed) {
  constexpr uint32_t p1 = 2654435761u, p2 = 2246822519u, p3 = 3266489917u, p4 = 668265263u,
                     p5 = 374761393u;
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  auto le32 = [](const uint8_t* p) {
    return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
  };
  const uint8_t* p = data.data();
  const uint8_t* end = p + data.size();
  uint32_t h;
  if (data.size() >= 16) {
    uint32_t v[4] = {seed + p1 + p2, seed + p2, seed, seed - p1};
    for (; end - p >= 16; p += 16)
      for (int i = 0; i < 4; ++i) v[i] = rotl(v[i] + le32(p + 4 * i) * p2, 13) * p1;
    h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
  } else {
    h = seed + p5;
  }
  h += static_cast<uint32_t>(data.size());
  for (; end - p >= 4; p += 4) h = rotl(h + le32(p) * p3, 17) * p4;
  for (; p < end; ++p) h = rotl(h + *p * p5, 11) * p1;
  h ^= h >> 15;
  h *= p2;
  h ^= h >> 13;
  h *= p3;
  h ^= h >> 16;
  return h;
}

}  // namespace sluice::protocol::legacy
