// request_frame and frame_pool: the memory a request frame is read into. No Asio here: handlers
// include this through request_dispatcher.h.
//
// A std::vector<uint8_t> sized for a frame is zero-filled before recv() overwrites it (~3 % of the
// broker's CPU on a 1 MiB Produce, plus the page faults of a fresh allocation). Each connection
// therefore keeps a frame_pool: a frame's buffer goes back to the pool when the frame is destroyed
// (on whatever thread the handler drops it), and the next frame of that connection reuses it.
// A reused buffer is only zero-filled where the new frame is longer than the one it held last; its
// pages are already mapped. The pool keeps at most a few buffers of bounded capacity, so an idle
// connection pins little memory and one huge request does not stay resident.
//
// request_frame: move-only owner of one frame's bytes (request header + body, no size prefix).
// frame_pool: thread-safe (make() on the connection's thread, give-backs from any thread); shared
// by the connection and its live frames, so frames may outlive the connection.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "protocol/wire.h"

namespace sluice::net {

class frame_pool;

class request_frame {
 public:
  request_frame() = default;
  // Bytes that belong to no pool (tests, callers that built the frame themselves).
  request_frame(protocol::bytes bytes) : bytes_(std::move(bytes)) {}  // NOLINT: implicit on purpose
  request_frame(protocol::bytes bytes, std::shared_ptr<frame_pool> pool)
      : bytes_(std::move(bytes)), pool_(std::move(pool)) {}
  request_frame(request_frame&& other) noexcept = default;
  request_frame& operator=(request_frame&& other) noexcept;
  request_frame(const request_frame&) = delete;
  request_frame& operator=(const request_frame&) = delete;
  ~request_frame();  // returns the buffer to its pool, if any

  protocol::bytes& bytes() { return bytes_; }
  const protocol::bytes& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  // Takes the bytes out; they do not go back to the pool.
  protocol::bytes release();

 private:
  void give_back();

  protocol::bytes bytes_;
  std::shared_ptr<frame_pool> pool_;
};

class frame_pool : public std::enable_shared_from_this<frame_pool> {
 public:
  // Keeps up to `max_spare` buffers, each of capacity at most `max_spare_capacity` bytes.
  frame_pool(size_t max_spare, size_t max_spare_capacity)
      : max_spare_(max_spare), max_spare_capacity_(max_spare_capacity) {}

  // A frame of exactly `size` bytes. Its contents are unspecified (a reused buffer keeps what the
  // previous frame left); the caller overwrites all of them.
  request_frame make(size_t size);
  void give_back(protocol::bytes buffer);  // any thread

  size_t spare_count() const;  // for tests

 private:
  const size_t max_spare_;
  const size_t max_spare_capacity_;
  mutable std::mutex mu_;
  std::vector<protocol::bytes> spare_;
};

}  // namespace sluice::net
