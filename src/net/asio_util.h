// Small Asio helpers shared by the net/ implementation files. Internal to net/ (includes Asio).
#pragma once

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace sluice::net {

// Completion token for co_await: yields a tuple (error_code, results...) instead of throwing, so
// no exception crosses the network loop for ordinary I/O errors.
inline constexpr auto nothrow_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace sluice::net
