#include "net/tls_channel.h"

#include <asio/read.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>

#include "net/asio_util.h"

namespace sluice::net {
namespace {

// Large enough that a staging round fills several 16 KiB TLS records, small enough to keep per
// connection.
constexpr size_t staging_bytes = 128 * 1024;

}  // namespace

struct tls_channel::impl {
  impl(asio::ip::tcp::socket& socket, ssl_st* ssl) : stream(socket, ssl) {}
  asio::ssl::stream<asio::ip::tcp::socket&> stream;
  std::vector<uint8_t> staging;
};

tls_channel::tls_channel(asio::ip::tcp::socket& socket, ssl_st* ssl)
    : impl_(std::make_unique<impl>(socket, ssl)) {}

tls_channel::~tls_channel() = default;

asio::awaitable<std::error_code> tls_channel::handshake() {
  auto [ec] =
      co_await impl_->stream.async_handshake(asio::ssl::stream_base::server, nothrow_awaitable);
  co_return ec;
}

asio::awaitable<std::tuple<std::error_code, size_t>> tls_channel::read_some(
    std::span<uint8_t> out) {
  auto [ec, n] = co_await impl_->stream.async_read_some(asio::buffer(out.data(), out.size()),
                                                        nothrow_awaitable);
  // Clients close without TLS's close_notify as a rule (Kafka's do): that is an ordinary end.
  if (ec == asio::ssl::error::stream_truncated) ec = asio::error::eof;
  co_return std::tuple<std::error_code, size_t>{ec, n};
}

asio::awaitable<std::error_code> tls_channel::write_all(std::span<const uint8_t> data) {
  auto [ec, n] = co_await asio::async_write(impl_->stream, asio::buffer(data.data(), data.size()),
                                            nothrow_awaitable);
  co_return ec;
}

const ssl_st* tls_channel::native() const {
  return impl_->stream.native_handle();
}

std::vector<uint8_t>& tls_channel::staging() {
  if (impl_->staging.empty()) impl_->staging.resize(staging_bytes);
  return impl_->staging;
}

}  // namespace sluice::net
