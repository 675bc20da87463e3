// tls_channel: the TLS layer of one client connection on an SSL or SASL_SSL listener — OpenSSL
// reading the connection's non-blocking socket directly (large read-ahead) and writing through a
// buffer flushed once per write, its WANT_READ/WANT_WRITE turned into Asio waits on the socket.
// Several TLS records per system call each way: Asio's SSL stream made one call per 16 KiB
// record, which cost more than the cipher (docs/benchmarks.md, "TLS against PLAINTEXT").
// Internal to net/ (includes Asio, not OpenSSL).
//
// Owned by its connection, which keeps the socket alive longer than the channel. Every member
// runs on the connection's network thread; one read and one write may be in progress at once
// (the connection's reader and writer).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <system_error>
#include <tuple>
#include <vector>

struct ssl_st;  // OpenSSL's SSL

namespace sluice::net {

class tls_channel {
 public:
  // Takes ownership of `ssl` (from tls_context::new_connection).
  tls_channel(asio::ip::tcp::socket& socket, ssl_st* ssl);
  ~tls_channel();
  tls_channel(const tls_channel&) = delete;
  tls_channel& operator=(const tls_channel&) = delete;

  // The server side of the handshake.
  asio::awaitable<std::error_code> handshake();
  asio::awaitable<std::tuple<std::error_code, size_t>> read_some(std::span<uint8_t> out);
  // Writes all of `data` (encrypted, in TLS records).
  asio::awaitable<std::error_code> write_all(std::span<const uint8_t> data);

  const ssl_st* native() const;
  // The copying send path's buffer (frame_sender.cc): file regions are read into it with pread
  // and written through TLS, since sendfile(2) cannot encrypt. Bounded; allocated on first use.
  std::vector<uint8_t>& staging();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::net
