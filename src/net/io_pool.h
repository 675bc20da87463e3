// io_pool: N event loops, one io_context per thread. Internal to net/ (includes Asio).
//
// Owned by a server (tcp_server, http_server). start() and stop() are called by the owner's thread;
// next() and at() from any thread. Each loop runs until stop(): a handler that throws is logged
// and the loop carries on, so one bad request never takes a network thread down.
#pragma once

#include <asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sluice::net {

class io_pool {
 public:
  io_pool(int threads, std::string name);
  ~io_pool();  // stop()
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  void start();
  // Stops every loop and joins the threads. Handlers still queued are destroyed with the pool.
  void stop();

  size_t size() const { return loops_.size(); }
  asio::io_context& at(size_t i) { return *loops_[i]->context; }
  asio::io_context& next();  // round-robin

 private:
  struct loop {
    std::unique_ptr<asio::io_context> context;
    std::thread thread;
  };
  void run(size_t index);

  std::string name_;
  std::vector<std::unique_ptr<loop>> loops_;
  std::atomic<size_t> next_{0};
  bool started_ = false;
};

}  // namespace sluice::net
