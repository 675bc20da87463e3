// tls_channel: the TLS layer of one client connection on an SSL or SASL_SSL listener — Asio's
// OpenSSL stream over the connection's socket. Internal to net/ (includes Asio, but not
// asio/ssl.hpp: only tls_channel.cc pays for that).
//
// Owned by its connection, which keeps the socket alive longer than the channel. Every member
// runs on the connection's network thread; one read and one write may be in progress at once
// (the connection's reader and writer), as Asio's SSL stream allows.
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
