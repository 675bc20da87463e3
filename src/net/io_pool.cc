#include "net/io_pool.h"

#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <asio/executor_work_guard.hpp>
#include <exception>

#include "base/assert.h"

namespace sluice::net {

io_pool::io_pool(int threads, std::string name) : name_(std::move(name)) {
  SLUICE_ASSERT(threads >= 1, "io_pool needs at least one thread");
  for (int i = 0; i < threads; ++i) {
    auto l = std::make_unique<loop>();
    l->context = std::make_unique<asio::io_context>(1);  // one thread per context
    loops_.push_back(std::move(l));
  }
}

io_pool::~io_pool() {
  stop();
}

void io_pool::start() {
  SLUICE_ASSERT(!started_, "io_pool started twice");
  started_ = true;
  for (size_t i = 0; i < loops_.size(); ++i) {
    loops_[i]->thread = std::thread([this, i] { run(i); });
  }
}

void io_pool::run(size_t index) {
  std::string thread_name = name_ + "-" + std::to_string(index);
  thread_name.resize(std::min<size_t>(thread_name.size(), 15));  // the kernel's limit
  pthread_setname_np(pthread_self(), thread_name.c_str());
  // sendfile(2) to a socket the peer closed raises SIGPIPE; on this thread it stays blocked (and
  // the call fails with EPIPE instead), so embedding programs need not ignore it process-wide.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
  asio::io_context& context = *loops_[index]->context;
  auto guard = asio::make_work_guard(context);
  while (!context.stopped()) {
    try {
      context.run();
    } catch (const std::exception& e) {
      spdlog::error("{}: a network handler threw and was dropped: {}", thread_name, e.what());
    } catch (...) {
      spdlog::error("{}: a network handler threw a non-exception and was dropped", thread_name);
    }
  }
}

void io_pool::stop() {
  for (auto& l : loops_) l->context->stop();
  for (auto& l : loops_) {
    if (l->thread.joinable()) l->thread.join();
  }
}

asio::io_context& io_pool::next() {
  return at(next_.fetch_add(1, std::memory_order_relaxed) % loops_.size());
}

}  // namespace sluice::net
