// zk_handle: one handle of the ZooKeeper C client (libzookeeper_mt) and its connection state, as
// zk_session uses it. The zhandle's context points at the handle, so the C callbacks (on the
// client's completion thread) find it; it lives until zookeeper_close() has joined the client's
// threads. Session events and fired watches go to `sink`, which must only queue them.
// Internal to zk_session.
#pragma once

// The synchronous API exists only in the multi-threaded client, behind this.
#ifndef THREADED
#define THREADED 1
#endif
#include <zookeeper/zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace sluice::cluster::zk_handle {

using clock = std::chrono::steady_clock;

struct handle {
  // Told about every session event (watch_id 0) and every fired watch, on the completion thread.
  using sink_fn = std::function<void(uint64_t generation, int type, int state, uint64_t watch_id)>;

  handle(uint64_t generation, sink_fn sink) : generation(generation), sink(std::move(sink)) {}
  ~handle();
  handle(const handle&) = delete;
  handle& operator=(const handle&) = delete;

  // The handle's global watcher: records the state and passes session events on.
  static void global_watcher(zhandle_t*, int type, int state, const char*, void* context);
  // For watches set by get/children/exists; the context is the session's watch id.
  static void node_watcher(zhandle_t* zh, int type, int state, const char*, void* context);

  int current_state() const;
  // Expired (or authentication failed): the handle is of no further use.
  bool dead() const;
  // True once connected; false when the deadline passes or the session died first.
  bool wait_connected(clock::time_point deadline) const;

  const uint64_t generation;
  const sink_fn sink;
  zhandle_t* zh = nullptr;
  mutable std::mutex mutex;  // guards state
  mutable std::condition_variable state_changed;
  int state = 0;
};

// Starts connecting to `connect` (hosts, optional chroot); nullptr if the string is unusable.
// With `client_id`, attaches to that existing session.
std::shared_ptr<handle> open_handle(const std::string& connect, std::chrono::milliseconds timeout,
                                    uint64_t generation, handle::sink_fn sink,
                                    const clientid_t* client_id = nullptr);

// Sends the C client's log to spdlog at warn level and above (once per process).
void set_client_log_level();

}  // namespace sluice::cluster::zk_handle
