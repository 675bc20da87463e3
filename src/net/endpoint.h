// Opening listening sockets, shared by tcp_server and http_server. Internal to net/ (Asio).
// Called from the owner's thread at start-up (host names resolve with a blocking lookup).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <string>

#include "net/errc.h"

namespace sluice::net {

// Binds and listens on host:port. An empty host means every interface (IPv6 and IPv4 when the
// machine has IPv6, else IPv4 only). A name resolving to several addresses binds the first IPv4
// one, as the Java runtime prefers. Errors name the address and say why.
result<asio::ip::tcp::acceptor> open_acceptor(asio::io_context& context, const std::string& host,
                                              uint16_t port);

// "host:port", with brackets for IPv6.
std::string to_string(const asio::ip::tcp::endpoint& endpoint);

}  // namespace sluice::net
