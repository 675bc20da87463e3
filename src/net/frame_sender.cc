#include "net/frame_sender.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/buffer.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "net/asio_util.h"
#include "net/tls_channel.h"

namespace sluice::net {
namespace {

// One contiguous part of the output: memory (data) or a file region (file).
struct piece {
  const uint8_t* data = nullptr;
  size_t size = 0;
  const protocol::file_region* file = nullptr;
};

constexpr size_t max_iov = 64;               // buffers per gathering send
constexpr size_t max_sendfile = 0x7ffff000;  // what Linux moves in one sendfile call at most

void add_memory(std::vector<piece>& pieces, const uint8_t* data, size_t size) {
  if (size > 0) pieces.push_back(piece{data, size, nullptr});
}

// Splits each frame into pieces. The prefixes live in `prefixes`, which must not reallocate.
void plan(std::span<const outbound_response* const> responses,
          std::vector<std::array<uint8_t, 4>>& prefixes, std::vector<piece>& pieces) {
  prefixes.reserve(responses.size());
  for (const outbound_response* r : responses) {
    if (r->no_response) continue;
    const protocol::writer& body = r->frame_body;
    auto size = static_cast<uint32_t>(body.size());
    prefixes.push_back({static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
                        static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)});
    add_memory(pieces, prefixes.back().data(), 4);
    const protocol::bytes& buf = body.buffer();
    size_t at = 0;
    for (const auto& s : body.splices()) {
      add_memory(pieces, buf.data() + at, s.at - at);
      at = s.at;
      if (s.region.size > 0) {
        pieces.push_back(piece{nullptr, static_cast<size_t>(s.region.size), &s.region});
      }
    }
    add_memory(pieces, buf.data() + at, buf.size() - at);
  }
}

std::error_code check_sizes(std::span<const outbound_response* const> responses) {
  for (const outbound_response* r : responses) {
    if (!r->no_response && r->frame_body.size() > static_cast<size_t>(INT32_MAX)) {
      return std::make_error_code(std::errc::message_size);
    }
  }
  return {};
}

// Writes the first `filled` bytes of the staging buffer through TLS.
asio::awaitable<std::error_code> flush(tls_channel& tls, size_t& filled, send_stats& stats) {
  if (filled == 0) co_return std::error_code{};
  auto ec = co_await tls.write_all(std::span(tls.staging().data(), filled));
  if (!ec) stats.bytes += filled;
  filled = 0;
  co_return ec;
}

}  // namespace

asio::awaitable<std::error_code> send_responses(asio::ip::tcp::socket& socket,
                                                std::span<const outbound_response* const> responses,
                                                send_stats& stats) {
  if (auto ec = check_sizes(responses)) co_return ec;
  std::vector<std::array<uint8_t, 4>> prefixes;
  std::vector<piece> pieces;
  plan(responses, prefixes, pieces);

  size_t index = 0;   // current piece
  size_t offset = 0;  // bytes of it already sent
  auto advance = [&](size_t n) {
    while (n > 0) {
      size_t left = pieces[index].size - offset;
      if (n < left) {
        offset += n;
        return;
      }
      n -= left;
      ++index;
      offset = 0;
    }
  };

  while (index < pieces.size()) {
    const piece& p = pieces[index];
    if (p.file == nullptr) {
      std::array<asio::const_buffer, max_iov> buffers;
      size_t count = 0;
      size_t next = index;
      for (size_t skip = offset;
           next < pieces.size() && pieces[next].file == nullptr && count < max_iov;
           ++next, skip = 0) {
        buffers[count++] = asio::buffer(pieces[next].data + skip, pieces[next].size - skip);
      }
      // More to follow (a file region or another run): let the kernel coalesce segments.
      int flags = next < pieces.size() ? MSG_MORE : 0;
      auto [ec, n] =
          co_await socket.async_send(std::span(buffers.data(), count), flags, nothrow_awaitable);
      if (ec) co_return ec;
      stats.bytes += n;
      advance(n);
      continue;
    }
    // A file region: sendfile until done, waiting for writability on EAGAIN.
    auto position = static_cast<off_t>(p.file->position + static_cast<int64_t>(offset));
    size_t chunk = std::min(p.size - offset, max_sendfile);
    ssize_t n = ::sendfile(socket.native_handle(), p.file->fd, &position, chunk);
    if (n > 0) {
      stats.bytes += static_cast<uint64_t>(n);
      stats.sendfile_bytes += static_cast<uint64_t>(n);
      advance(static_cast<size_t>(n));
    } else if (n == 0) {
      co_return std::make_error_code(std::errc::io_error);  // the file ends inside the region
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_write, nothrow_awaitable);
      if (ec) co_return ec;
    } else if (errno != EINTR) {
      co_return std::error_code(errno, std::system_category());
    }
  }
  co_return std::error_code{};
}

asio::awaitable<std::error_code> send_responses(tls_channel& tls,
                                                std::span<const outbound_response* const> responses,
                                                send_stats& stats) {
  if (auto ec = check_sizes(responses)) co_return ec;
  std::vector<std::array<uint8_t, 4>> prefixes;
  std::vector<piece> pieces;
  plan(responses, prefixes, pieces);

  std::vector<uint8_t>& staging = tls.staging();
  size_t filled = 0;
  for (const piece& p : pieces) {
    size_t done = 0;
    while (done < p.size) {
      if (filled == staging.size()) {
        if (auto ec = co_await flush(tls, filled, stats)) co_return ec;
      }
      size_t n = std::min(p.size - done, staging.size() - filled);
      if (p.file == nullptr) {
        std::memcpy(staging.data() + filled, p.data + done, n);
      } else {
        auto position = static_cast<off_t>(p.file->position + static_cast<int64_t>(done));
        ssize_t got = ::pread(p.file->fd, staging.data() + filled, n, position);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) co_return std::error_code(errno, std::system_category());
        if (got == 0) co_return std::make_error_code(std::errc::io_error);  // the file ends early
        n = static_cast<size_t>(got);
      }
      filled += n;
      done += n;
    }
  }
  co_return co_await flush(tls, filled, stats);
}

}  // namespace sluice::net
