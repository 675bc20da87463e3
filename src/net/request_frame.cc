#include "net/request_frame.h"

#include <utility>

namespace sluice::net {

request_frame& request_frame::operator=(request_frame&& other) noexcept {
  if (this != &other) {
    give_back();
    bytes_ = std::move(other.bytes_);
    pool_ = std::move(other.pool_);
  }
  return *this;
}

request_frame::~request_frame() {
  give_back();
}

protocol::bytes request_frame::release() {
  pool_.reset();
  return std::exchange(bytes_, {});
}

void request_frame::give_back() {
  if (auto pool = std::move(pool_)) pool->give_back(std::exchange(bytes_, {}));
}

request_frame frame_pool::make(size_t size) {
  protocol::bytes buffer;
  {
    std::lock_guard lock(mu_);
    // The spare with the most capacity: the likeliest to hold `size` without reallocating.
    auto best = spare_.end();
    for (auto it = spare_.begin(); it != spare_.end(); ++it) {
      if (best == spare_.end() || it->capacity() > best->capacity()) best = it;
    }
    if (best != spare_.end()) {
      buffer = std::move(*best);
      spare_.erase(best);
    }
  }
  // Growing a vector zero-fills only the new tail; shrinking writes nothing. A buffer that is too
  // small is dropped first, so the old contents are not copied into the new allocation.
  if (buffer.capacity() < size) buffer = protocol::bytes();
  buffer.resize(size);
  return request_frame(std::move(buffer), shared_from_this());
}

void frame_pool::give_back(protocol::bytes buffer) {
  if (buffer.capacity() == 0 || buffer.capacity() > max_spare_capacity_) return;
  std::lock_guard lock(mu_);
  if (spare_.size() < max_spare_) spare_.push_back(std::move(buffer));
}

size_t frame_pool::spare_count() const {
  std::lock_guard lock(mu_);
  return spare_.size();
}

}  // namespace sluice::net
