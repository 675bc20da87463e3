// send_responses: writes size-prefixed response frames to a socket. Internal to net/ (Asio).
//
// In-memory parts (the size prefixes and every buffer between file regions) go out with one
// gathering send (writev semantics) per run of memory parts; file-region splices go out with
// sendfile(2), zero copy. Partial writes resume where they stopped; EAGAIN waits for the socket to
// be writable without blocking the loop. Runs on the connection's network thread.
//
// On a TLS connection sendfile cannot be used (the kernel would send the file's bytes
// unencrypted): the second overload copies everything — memory parts, and file regions read with
// pread(2) — into the channel's bounded staging buffer and writes it through TLS. pread reads the
// page cache as sendfile does, so it blocks the loop no more than sendfile would.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <span>
#include <system_error>

#include "net/request_dispatcher.h"

namespace sluice::net {

class tls_channel;

struct send_stats {
  uint64_t bytes = 0;           // everything written
  uint64_t sendfile_bytes = 0;  // of which through sendfile
};

// The socket must be in native non-blocking mode. Responses with no_response are skipped.
// Returns the first error; a file shorter than its region is reported as std::errc::io_error.
asio::awaitable<std::error_code> send_responses(asio::ip::tcp::socket& socket,
                                                std::span<const outbound_response* const> responses,
                                                send_stats& stats);
asio::awaitable<std::error_code> send_responses(tls_channel& tls,
                                                std::span<const outbound_response* const> responses,
                                                send_stats& stats);

}  // namespace sluice::net
