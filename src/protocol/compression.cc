// Codec glue over zlib, snappy, liblz4 (frame API) and libzstd; see compression.h for the formats.
#include "protocol/compression.h"

#define ZLIB_CONST
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

namespace sluice::protocol {

namespace {

using bytes_view = std::span<const uint8_t>;

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeaderSize = 16;  // magic, int32 version, int32 compatible version
constexpr size_t kMinGrowth = 64 * 1024;

// The output side of a decompression: buffer[0, produced) holds output, the rest of the buffer
// (up to `limit` = max_output + 1 bytes) is room for more. Reaching `limit` means too large.
class output_window {
 public:
  output_window(std::vector<uint8_t>& buffer, size_t max_output)
      : buffer_(buffer),
        max_output_(max_output),
        limit_(max_output == SIZE_MAX ? SIZE_MAX : max_output + 1) {}

  // Grows the buffer to hold at least `total` bytes (capped at the limit); used for size hints.
  void reserve_total(size_t total) {
    total = std::min(total, limit_);
    if (buffer_.size() < total) buffer_.resize(total);
  }
  // Ensures free room after the output; false when the output already reached the limit.
  bool make_room() {
    if (room() > 0) return true;
    if (capacity() >= limit_) return false;
    size_t grown = std::max(buffer_.size() * 2, produced_ + kMinGrowth);
    buffer_.resize(std::min(grown, limit_));
    return true;
  }
  size_t room() const { return capacity() - produced_; }
  uint8_t* cursor() { return buffer_.data() + produced_; }
  void advance(size_t n) { produced_ += n; }
  size_t produced() const { return produced_; }
  bool exceeded() const { return produced_ > max_output_; }
  size_t max_output() const { return max_output_; }
  bytes_view view() const { return bytes_view(buffer_.data(), produced_); }

 private:
  size_t capacity() const { return std::min(buffer_.size(), limit_); }

  std::vector<uint8_t>& buffer_;
  size_t max_output_;
  size_t limit_;
  size_t produced_ = 0;
};

uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

const char* as_chars(const uint8_t* p) {
  return reinterpret_cast<const char*>(p);
}

// ---- gzip -----------------------------------------------------------------------------------

codec_result<void> gzip_compress(bytes_view in, std::vector<uint8_t>& out,
                                 std::optional<int> level) {
  if (in.size() > UINT_MAX / 2) return fail(codec_errc::failed, "gzip input too large");
  z_stream zs{};
  if (deflateInit2(&zs, level.value_or(Z_DEFAULT_COMPRESSION), Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return fail(codec_errc::failed, "deflateInit2 failed");
  size_t start = out.size();
  size_t bound = deflateBound(&zs, static_cast<uLong>(in.size()));
  out.resize(start + bound);
  zs.next_in = in.data();
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data() + start;
  zs.avail_out = static_cast<uInt>(bound);
  int rc = deflate(&zs, Z_FINISH);
  size_t written = bound - zs.avail_out;
  deflateEnd(&zs);
  out.resize(start + written);
  if (rc != Z_STREAM_END) return fail(codec_errc::failed, "deflate did not finish");
  return ok_v;
}

codec_result<void> gzip_decompress(bytes_view in, output_window& out) {
  if (in.size() > UINT_MAX) return fail(codec_errc::corrupt, "gzip input too large");
  // The last 4 bytes of a gzip member hold the uncompressed size mod 2^32: a hint only.
  if (in.size() >= 18) {
    const uint8_t* t = in.data() + in.size() - 4;
    out.reserve_total((uint32_t{t[3]} << 24 | uint32_t{t[2]} << 16 | uint32_t{t[1]} << 8 | t[0]) +
                      size_t{1});
  }
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return fail(codec_errc::failed, "inflateInit2 failed");
  struct end_guard {
    z_stream* zs;
    ~end_guard() { inflateEnd(zs); }
  } guard{&zs};
  zs.next_in = in.data();
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    if (!out.make_room()) return codec_errc::too_large;
    uInt room = static_cast<uInt>(std::min<size_t>(out.room(), UINT_MAX));
    zs.next_out = out.cursor();
    zs.avail_out = room;
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.advance(room - zs.avail_out);
    if (out.exceeded()) return codec_errc::too_large;
    switch (rc) {
      case Z_OK:
        continue;
      case Z_STREAM_END:
        if (zs.avail_in == 0) return ok_v;
        // Another gzip member may follow (multi-member streams are valid gzip).
        if (zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
          inflateReset(&zs);
          continue;
        }
        return fail(codec_errc::corrupt, "trailing bytes after the gzip stream");
      case Z_BUF_ERROR:
        if (zs.avail_out == 0) continue;  // out of room, not of input: grow and go on
        return fail(codec_errc::corrupt, "gzip stream truncated");
      case Z_MEM_ERROR:
        return fail(codec_errc::failed, "zlib out of memory");
      default:
        return fail(codec_errc::corrupt, zs.msg ? zs.msg : "invalid gzip stream");
    }
  }
}

// ---- snappy ---------------------------------------------------------------------------------

codec_result<void> snappy_compress(bytes_view in, std::vector<uint8_t>& out) {
  size_t start = out.size();
  out.resize(start + snappy::MaxCompressedLength(in.size()));
  size_t written = 0;
  snappy::RawCompress(as_chars(in.data()), in.size(), reinterpret_cast<char*>(out.data() + start),
                      &written);
  out.resize(start + written);
  return ok_v;
}

// One raw snappy block appended to the output; its declared length is checked first.
codec_result<void> snappy_block(bytes_view block, output_window& out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(as_chars(block.data()), block.size(), &length))
    return fail(codec_errc::corrupt, "invalid snappy length");
  if (length > out.max_output() - out.produced()) return codec_errc::too_large;
  out.reserve_total(out.produced() + length);
  if (length > 0 && !out.make_room()) return codec_errc::too_large;
  if (!snappy::RawUncompress(as_chars(block.data()), block.size(),
                             reinterpret_cast<char*>(out.cursor())))
    return fail(codec_errc::corrupt, "invalid snappy block");
  out.advance(length);
  return ok_v;
}

codec_result<void> snappy_decompress(bytes_view in, output_window& out) {
  if (!is_xerial_snappy(in)) return snappy_block(in, out);
  if (in.size() < kXerialHeaderSize) return fail(codec_errc::corrupt, "short xerial header");
  bytes_view rest = in.subspan(kXerialHeaderSize);
  while (!rest.empty()) {
    if (rest.size() < 4) return fail(codec_errc::corrupt, "xerial block length truncated");
    uint32_t length = load_be32(rest.data());
    rest = rest.subspan(4);
    if (length > rest.size() || length > INT32_MAX)
      return fail(codec_errc::corrupt, "xerial block length past the end");
    auto r = snappy_block(rest.first(length), out);
    if (!r) return r;
    rest = rest.subspan(length);
  }
  return ok_v;
}

// ---- lz4 ------------------------------------------------------------------------------------

struct lz4_dctx_free {
  void operator()(LZ4F_dctx* p) const { LZ4F_freeDecompressionContext(p); }
};

LZ4F_dctx* thread_lz4_dctx() {
  thread_local std::unique_ptr<LZ4F_dctx, lz4_dctx_free> ctx = [] {
    LZ4F_dctx* p = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&p, LZ4F_VERSION))) p = nullptr;
    return std::unique_ptr<LZ4F_dctx, lz4_dctx_free>(p);
  }();
  return ctx.get();
}

codec_result<void> lz4_compress(bytes_view in, std::vector<uint8_t>& out,
                                std::optional<int> level) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.compressionLevel = level.value_or(0);
  size_t start = out.size();
  size_t bound = LZ4F_compressFrameBound(in.size(), &prefs);
  out.resize(start + bound);
  size_t written = LZ4F_compressFrame(out.data() + start, bound, in.data(), in.size(), &prefs);
  if (LZ4F_isError(written)) {
    out.resize(start);
    return fail(codec_errc::failed, LZ4F_getErrorName(written));
  }
  out.resize(start + written);
  return ok_v;
}

codec_result<void> lz4_decompress(bytes_view in, output_window& out) {
  LZ4F_dctx* ctx = thread_lz4_dctx();
  if (ctx == nullptr) return fail(codec_errc::failed, "cannot create an lz4 context");
  LZ4F_resetDecompressionContext(ctx);
  const uint8_t* src = in.data();
  size_t left = in.size();
  if (left == 0) return fail(codec_errc::corrupt, "empty lz4 input");
  for (;;) {
    if (!out.make_room()) return codec_errc::too_large;
    size_t dst_size = out.room();
    size_t src_size = left;
    size_t hint = LZ4F_decompress(ctx, out.cursor(), &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(hint)) {
      LZ4F_resetDecompressionContext(ctx);
      return fail(codec_errc::corrupt, LZ4F_getErrorName(hint));
    }
    out.advance(dst_size);
    src += src_size;
    left -= src_size;
    if (out.exceeded()) return codec_errc::too_large;
    if (hint == 0) {               // a frame ended
      if (left == 0) return ok_v;  // ... and so did the input
      continue;                    // another frame follows
    }
    if (left == 0 && out.room() > 0)  // the frame wants more input than there is
      return fail(codec_errc::corrupt, "lz4 frame truncated");
    if (src_size == 0 && dst_size == 0 && out.room() > 0)
      return fail(codec_errc::corrupt, "lz4 decoder made no progress");
  }
}

// ---- zstd -----------------------------------------------------------------------------------

struct zstd_dctx_free {
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
};
struct zstd_cctx_free {
  void operator()(ZSTD_CCtx* p) const { ZSTD_freeCCtx(p); }
};

ZSTD_DCtx* thread_zstd_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, zstd_dctx_free> ctx(ZSTD_createDCtx());
  return ctx.get();
}

ZSTD_CCtx* thread_zstd_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, zstd_cctx_free> ctx(ZSTD_createCCtx());
  return ctx.get();
}

codec_result<void> zstd_compress(bytes_view in, std::vector<uint8_t>& out,
                                 std::optional<int> level) {
  ZSTD_CCtx* ctx = thread_zstd_cctx();
  if (ctx == nullptr) return fail(codec_errc::failed, "cannot create a zstd context");
  size_t start = out.size();
  size_t bound = ZSTD_compressBound(in.size());
  out.resize(start + bound);
  size_t written = ZSTD_compressCCtx(ctx, out.data() + start, bound, in.data(), in.size(),
                                     level.value_or(ZSTD_CLEVEL_DEFAULT));
  if (ZSTD_isError(written)) {
    out.resize(start);
    return fail(codec_errc::failed, ZSTD_getErrorName(written));
  }
  out.resize(start + written);
  return ok_v;
}

codec_result<void> zstd_error(size_t code) {
  if (ZSTD_getErrorCode(code) == ZSTD_error_memory_allocation)
    return fail(codec_errc::failed, "zstd out of memory");
  return fail(codec_errc::corrupt, ZSTD_getErrorName(code));
}

codec_result<void> zstd_decompress(bytes_view in, output_window& out) {
  ZSTD_DCtx* ctx = thread_zstd_dctx();
  if (ctx == nullptr) return fail(codec_errc::failed, "cannot create a zstd context");
  ZSTD_DCtx_reset(ctx, ZSTD_reset_session_only);
  unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return fail(codec_errc::corrupt, "not a zstd frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
      ZSTD_findFrameCompressedSize(in.data(), in.size()) == in.size()) {
    // One frame that states its size: check it, then decode in one shot (no window buffer).
    if (declared > out.max_output()) return codec_errc::too_large;
    size_t size = static_cast<size_t>(declared);
    out.reserve_total(size);
    if (size > 0 && !out.make_room()) return codec_errc::too_large;
    size_t got = ZSTD_decompressDCtx(ctx, out.cursor(), size, in.data(), in.size());
    if (ZSTD_isError(got)) return zstd_error(got);
    if (got != size) return fail(codec_errc::corrupt, "zstd frame shorter than it declares");
    out.advance(got);
    return ok_v;
  }
  // Unknown size or several frames: stream, growing the output up to the limit.
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  for (;;) {
    if (!out.make_room()) return codec_errc::too_large;
    ZSTD_outBuffer dst{out.cursor(), out.room(), 0};
    size_t hint = ZSTD_decompressStream(ctx, &dst, &src);
    if (ZSTD_isError(hint)) return zstd_error(hint);
    out.advance(dst.pos);
    if (out.exceeded()) return codec_errc::too_large;
    if (hint == 0 && src.pos == src.size) return ok_v;  // last frame complete
    if (src.pos == src.size && dst.pos < dst.size)
      return fail(codec_errc::corrupt, "zstd stream truncated");
  }
}

}  // namespace

std::string_view to_string(compression_type type) {
  switch (type) {
    case compression_type::none:
      return "none";
    case compression_type::gzip:
      return "gzip";
    case compression_type::snappy:
      return "snappy";
    case compression_type::lz4:
      return "lz4";
    case compression_type::zstd:
      return "zstd";
  }
  return "unknown";
}

std::string_view to_string(codec_errc e) {
  switch (e) {
    case codec_errc::unsupported:
      return "unsupported compression codec";
    case codec_errc::corrupt:
      return "corrupt compressed data";
    case codec_errc::too_large:
      return "decompressed data exceeds the limit";
    case codec_errc::failed:
      return "codec failure";
  }
  return "unknown";
}

bool is_xerial_snappy(bytes_view input) {
  return input.size() >= sizeof kXerialMagic &&
         std::memcmp(input.data(), kXerialMagic, sizeof kXerialMagic) == 0;
}

codec_result<void> compress(compression_type type, bytes_view input, std::vector<uint8_t>& out,
                            std::optional<int> level) {
  switch (type) {
    case compression_type::none:
      out.insert(out.end(), input.begin(), input.end());
      return ok_v;
    case compression_type::gzip:
      return gzip_compress(input, out, level);
    case compression_type::snappy:
      return snappy_compress(input, out);
    case compression_type::lz4:
      return lz4_compress(input, out, level);
    case compression_type::zstd:
      return zstd_compress(input, out, level);
  }
  return codec_errc::unsupported;
}

codec_result<bytes_view> decompress(compression_type type, bytes_view input, size_t max_output,
                                    std::vector<uint8_t>& buffer) {
  output_window out(buffer, max_output);
  codec_result<void> r = codec_errc::unsupported;
  switch (type) {
    case compression_type::none:
      if (input.size() > max_output) return codec_errc::too_large;
      return input;
    case compression_type::gzip:
      r = gzip_decompress(input, out);
      break;
    case compression_type::snappy:
      r = snappy_decompress(input, out);
      break;
    case compression_type::lz4:
      r = lz4_decompress(input, out);
      break;
    case compression_type::zstd:
      r = zstd_decompress(input, out);
      break;
  }
  if (!r) return std::move(r).error();
  return out.view();
}

}  // namespace sluice::protocol
