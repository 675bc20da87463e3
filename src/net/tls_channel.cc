#include "net/tls_channel.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <asio/ssl/error.hpp>
#include <asio/use_awaitable.hpp>

#include "net/asio_util.h"

namespace sluice::net {
namespace {

// Large enough that a staging round fills several 16 KiB TLS records, small enough to keep per
// connection.
constexpr size_t staging_bytes = 128 * 1024;
// How much one recv(2) may bring in (OpenSSL's read-ahead buffer) and how much encrypted output is
// gathered before one send(2): several TLS records each, where a record per system call (Asio's
// SSL stream) made the calls, not the cipher, most of TLS's cost.
constexpr size_t read_ahead_bytes = 64 * 1024;
constexpr long write_buffer_bytes = 160 * 1024;

// An OpenSSL failure as an error_code (Asio's SSL category, so messages read as OpenSSL's).
std::error_code ssl_error(int code) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (code == SSL_ERROR_SYSCALL && e == 0)
    return std::error_code(errno != 0 ? errno : ECONNRESET, std::system_category());
  return std::error_code(static_cast<int>(e != 0 ? e : SSL_R_UNEXPECTED_RECORD),
                         asio::error::get_ssl_category());
}

}  // namespace

// The connection's OpenSSL object reads the socket directly (read-ahead in large gulps) and
// writes through a buffering BIO flushed at the end of each write; WANT_READ / WANT_WRITE become
// waits on the non-blocking socket, so nothing ever blocks the network thread.
struct tls_channel::impl {
  impl(asio::ip::tcp::socket& s, ssl_st* native) : socket(s), ssl(native) {}
  ~impl() { SSL_free(ssl); }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  // The socket may have been closed (by close(), on this thread) while a coroutine was between
  // waits; OpenSSL must not touch the descriptor then, as its number may already be reused.
  bool closed() const { return !socket.is_open(); }

  // Waits until `code` (SSL_ERROR_WANT_READ/WRITE) can go on; any other code is an error.
  asio::awaitable<std::error_code> wait(int code) {
    if (code == SSL_ERROR_WANT_READ) {
      auto [ec] = co_await socket.async_wait(asio::socket_base::wait_read, nothrow_awaitable);
      co_return ec;
    }
    if (code == SSL_ERROR_WANT_WRITE) {
      auto [ec] = co_await socket.async_wait(asio::socket_base::wait_write, nothrow_awaitable);
      co_return ec;
    }
    co_return ssl_error(code);
  }

  // Sends what the write buffer holds.
  asio::awaitable<std::error_code> flush() {
    for (;;) {
      if (closed()) co_return asio::error::bad_descriptor;
      if (BIO_flush(SSL_get_wbio(ssl)) > 0) co_return std::error_code{};
      if (!BIO_should_retry(SSL_get_wbio(ssl)))
        co_return std::error_code(errno != 0 ? errno : EPIPE, std::system_category());
      if (auto ec = co_await wait(SSL_ERROR_WANT_WRITE)) co_return ec;
    }
  }

  asio::ip::tcp::socket& socket;
  ssl_st* ssl;
  std::vector<uint8_t> staging;
  bool bios_set = false;
};

tls_channel::tls_channel(asio::ip::tcp::socket& socket, ssl_st* ssl)
    : impl_(std::make_unique<impl>(socket, ssl)) {
  std::error_code ignored;
  socket.native_non_blocking(true, ignored);
  BIO* raw = BIO_new_socket(static_cast<int>(socket.native_handle()), BIO_NOCLOSE);
  BIO* buffered = BIO_new(BIO_f_buffer());
  if (raw == nullptr || buffered == nullptr) {
    BIO_free(raw);
    BIO_free(buffered);
    return;  // handshake() reports it
  }
  BIO_set_write_buffer_size(buffered, write_buffer_bytes);
  BIO_push(buffered, raw);
  BIO_up_ref(raw);  // one reference for the read side, one in the write chain
  SSL_set_bio(ssl, raw, buffered);
  SSL_set_read_ahead(ssl, 1);
  SSL_set_default_read_buffer_len(ssl, read_ahead_bytes);
  // Clients close without TLS's close_notify as a rule (Kafka's do): an ordinary end of stream.
  SSL_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
  impl_->bios_set = true;
}

tls_channel::~tls_channel() = default;

asio::awaitable<std::error_code> tls_channel::handshake() {
  if (!impl_->bios_set) co_return std::make_error_code(std::errc::not_enough_memory);
  for (;;) {
    if (impl_->closed()) co_return asio::error::bad_descriptor;
    int rc = SSL_accept(impl_->ssl);
    if (rc == 1) co_return co_await impl_->flush();
    int code = SSL_get_error(impl_->ssl, rc);
    if (code == SSL_ERROR_WANT_READ) {
      if (auto ec = co_await impl_->flush()) co_return ec;  // our flight first
    }
    if (auto ec = co_await impl_->wait(code)) co_return ec;
  }
}

asio::awaitable<std::tuple<std::error_code, size_t>> tls_channel::read_some(
    std::span<uint8_t> out) {
  using result_type = std::tuple<std::error_code, size_t>;
  size_t got = 0;
  for (;;) {
    if (impl_->closed()) co_return result_type{asio::error::bad_descriptor, 0};
    size_t n = 0;
    int rc = SSL_read_ex(impl_->ssl, out.data() + got, out.size() - got, &n);
    if (rc == 1) {
      got += n;
      // Whatever else the read-ahead buffer already holds comes along without another wait.
      if (got < out.size() && SSL_has_pending(impl_->ssl) == 1) continue;
      co_return result_type{std::error_code{}, got};
    }
    if (got > 0) {
      ERR_clear_error();
      co_return result_type{std::error_code{}, got};
    }
    int code = SSL_get_error(impl_->ssl, rc);
    if (code == SSL_ERROR_ZERO_RETURN) {
      ERR_clear_error();
      co_return result_type{asio::error::eof, 0};
    }
    if (code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_WANT_READ) {
      // Anything the read made us send (a key update's answer) goes out first.
      if (auto ec = co_await impl_->flush()) co_return result_type{ec, 0};
    }
    if (auto ec = co_await impl_->wait(code)) {
      if (code == SSL_ERROR_SYSCALL && ec.value() == 0) ec = asio::error::eof;
      co_return result_type{ec, 0};
    }
  }
}

asio::awaitable<std::error_code> tls_channel::write_all(std::span<const uint8_t> data) {
  while (!data.empty()) {
    if (impl_->closed()) co_return asio::error::bad_descriptor;
    size_t n = 0;
    int rc = SSL_write_ex(impl_->ssl, data.data(), data.size(), &n);
    if (rc == 1) {
      data = data.subspan(n);
      continue;
    }
    int code = SSL_get_error(impl_->ssl, rc);
    if (auto ec = co_await impl_->wait(code)) co_return ec;
  }
  co_return co_await impl_->flush();
}

const ssl_st* tls_channel::native() const {
  return impl_->ssl;
}

std::vector<uint8_t>& tls_channel::staging() {
  if (impl_->staging.empty()) impl_->staging.resize(staging_bytes);
  return impl_->staging;
}

}  // namespace sluice::net
