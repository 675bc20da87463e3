// http_server: a minimal HTTP/1.1 server for the broker's own endpoints (GET /metrics, /healthz).
//
// One request per connection (answers carry `Connection: close`), GET and HEAD only, no request
// bodies, heads up to 8 KiB, a read timeout per connection. Routes are fixed paths registered
// before start(); handlers run on the server's single thread and should be quick (a metrics
// scrape). Owned by the broker; start() and stop() from the owner's thread. Asio stays in the .cc.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "net/errc.h"

namespace sluice::net {

struct http_response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct http_server_options {
  std::string host = "127.0.0.1";  // empty: all interfaces
  uint16_t port = 9644;            // 0: any free port
  // When the port is taken, try the next ones (up to `port_attempts`) instead of failing: for a
  // default port that several brokers on one host would all want.
  bool next_free_port = false;
  int port_attempts = 100;
  std::chrono::milliseconds read_timeout{10000};
};

class http_server {
 public:
  explicit http_server(http_server_options options);
  ~http_server();  // stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Registers a handler for an exact path (query strings are ignored). Before start() only.
  void route(std::string path, std::function<http_response()> handler);

  result<void> start();
  uint16_t port() const;  // the bound port, after start()
  void stop();            // idempotent

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::net
