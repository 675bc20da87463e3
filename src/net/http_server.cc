#include "net/http_server.h"

#include <spdlog/spdlog.h>

#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <future>
#include <optional>

#include "net/asio_util.h"
#include "net/endpoint.h"
#include "net/io_pool.h"

namespace sluice::net {
namespace {

constexpr size_t max_head_bytes = 8192;

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Error";
  }
}

struct request_line {
  std::string method;
  std::string path;
};

// "GET /metrics?x=1 HTTP/1.1" -> {GET, /metrics}; nullopt when malformed.
std::optional<request_line> parse_request_line(std::string_view head) {
  std::string_view line = head.substr(0, head.find("\r\n"));
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return std::nullopt;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") {
    return std::nullopt;
  }
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  target = target.substr(0, target.find('?'));
  if (target.empty() || target[0] != '/') return std::nullopt;
  return request_line{std::string(line.substr(0, sp1)), std::string(target)};
}

std::string render(const http_response& r, bool head_only) {
  std::string out =
      "HTTP/1.1 " + std::to_string(r.status) + " " + std::string(reason_phrase(r.status)) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (r.status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Connection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

}  // namespace

class http_server::impl {
 public:
  explicit impl(http_server_options options)
      : options_(std::move(options)), pool_(1, "sluice-http") {}
  ~impl() { stop(); }

  void route(std::string path, std::function<http_response()> handler) {
    routes_[std::move(path)] = std::move(handler);
  }

  result<void> start() {
    if (started_) return fail(errc::invalid_argument, "http server started twice");
    int attempts = options_.next_free_port && options_.port != 0 ? options_.port_attempts : 1;
    for (int i = 0; i < attempts; ++i) {
      uint32_t port = uint32_t{options_.port} + static_cast<uint32_t>(i);
      if (port > 65535) break;
      auto a = open_acceptor(pool_.at(0), options_.host, static_cast<uint16_t>(port));
      if (a.ok()) {
        acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(std::move(*a));
        break;
      }
      if (a.code() != errc::address_in_use || i + 1 == attempts) return std::move(a).error();
    }
    if (!acceptor_)
      return fail(errc::address_in_use, "no free port from " + std::to_string(options_.port));
    port_ = acceptor_->local_endpoint().port();
    started_ = true;
    pool_.start();
    asio::co_spawn(pool_.at(0), accept_loop(), [](std::exception_ptr e) {
      if (e) spdlog::error("http server: accept loop ended by an exception");
    });
    return ok_v;
  }

  uint16_t port() const { return port_; }

  void stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    std::promise<void> closed;
    asio::post(pool_.at(0), [&] {
      std::error_code ignored;
      acceptor_->close(ignored);
      closed.set_value();
    });
    closed.get_future().wait();
    pool_.stop();
    acceptor_.reset();
  }

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(nothrow_awaitable);
      if (ec == asio::error::operation_aborted || !acceptor_->is_open()) co_return;
      if (ec) {
        spdlog::warn("http server: accept failed: {}", ec.message());
        asio::steady_timer pause(pool_.at(0), std::chrono::milliseconds(100));
        co_await pause.async_wait(nothrow_awaitable);
        continue;
      }
      asio::co_spawn(pool_.at(0), serve(std::move(socket)), [](std::exception_ptr e) {
        if (e) spdlog::warn("http server: a request failed with an exception");
      });
    }
  }

  asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
    asio::steady_timer deadline(pool_.at(0), options_.read_timeout);
    deadline.async_wait([&socket](std::error_code ec) {
      if (!ec) socket.close(ec);  // too slow: the pending read fails and we return
    });
    std::string head;
    auto [ec, n] = co_await asio::async_read_until(
        socket, asio::dynamic_buffer(head, max_head_bytes), "\r\n\r\n", nothrow_awaitable);
    http_response response;
    bool head_only = false;
    if (ec) {
      if (ec != asio::error::not_found) co_return;  // closed, timed out or reset
      response = {400, "text/plain; charset=utf-8", "request head too large\n"};
    } else if (auto line = parse_request_line(std::string_view(head).substr(0, n)); !line) {
      response = {400, "text/plain; charset=utf-8", "malformed request\n"};
    } else if (line->method != "GET" && line->method != "HEAD") {
      response = {405, "text/plain; charset=utf-8", "only GET and HEAD\n"};
    } else if (auto it = routes_.find(line->path); it == routes_.end()) {
      response = {404, "text/plain; charset=utf-8", "not found\n"};
    } else {
      head_only = line->method == "HEAD";
      response = it->second();
    }
    std::string out = render(response, head_only);
    co_await asio::async_write(socket, asio::buffer(out), nothrow_awaitable);
    deadline.cancel();
    std::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  }

  http_server_options options_;
  std::map<std::string, std::function<http_response()>> routes_;
  io_pool pool_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

http_server::http_server(http_server_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}
http_server::~http_server() = default;
void http_server::route(std::string path, std::function<http_response()> handler) {
  impl_->route(std::move(path), std::move(handler));
}
result<void> http_server::start() {
  return impl_->start();
}
uint16_t http_server::port() const {
  return impl_->port();
}
void http_server::stop() {
  impl_->stop();
}

}  // namespace sluice::net
