#include "cluster/zk_handle.h"

#include <spdlog/spdlog.h>

#include <string_view>

namespace sluice::cluster::zk_handle {

namespace {

// The C client logs through this (one line per call); it would print to stderr otherwise.
void forward_client_log(const char* message) {
  std::string_view line(message);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  // Socket errors repeat every few ms while a server is down; the session reports the
  // disconnection once itself.
  if (line.find("ZOO_ERROR") != std::string_view::npos &&
      line.find("Socket ") == std::string_view::npos)
    spdlog::warn("zookeeper client: {}", line);
  else
    spdlog::debug("zookeeper client: {}", line);
}

}  // namespace

handle::~handle() {
  if (zh) zookeeper_close(zh);
}

void handle::global_watcher(zhandle_t*, int type, int state, const char*, void* context) {
  if (type != ZOO_SESSION_EVENT) return;
  auto* self = static_cast<handle*>(context);
  {
    std::lock_guard lock(self->mutex);
    self->state = state;
  }
  self->state_changed.notify_all();
  if (self->sink) self->sink(self->generation, type, state, 0);
}

void handle::node_watcher(zhandle_t* zh, int type, int state, const char*, void* context) {
  if (type == ZOO_SESSION_EVENT || type == ZOO_NOTWATCHING_EVENT) return;
  auto* self = static_cast<const handle*>(zoo_get_context(zh));
  auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(context));
  if (self && self->sink) self->sink(self->generation, type, state, id);
}

int handle::current_state() const {
  std::lock_guard lock(mutex);
  return state;
}

bool handle::dead() const {
  int s = current_state();
  return s == ZOO_EXPIRED_SESSION_STATE || s == ZOO_AUTH_FAILED_STATE;
}

bool handle::wait_connected(clock::time_point deadline) const {
  std::unique_lock lock(mutex);
  state_changed.wait_until(lock, deadline, [&] {
    return state == ZOO_CONNECTED_STATE || state == ZOO_EXPIRED_SESSION_STATE ||
           state == ZOO_AUTH_FAILED_STATE;
  });
  return state == ZOO_CONNECTED_STATE;
}

std::shared_ptr<handle> open_handle(const std::string& connect, std::chrono::milliseconds timeout,
                                    uint64_t generation, handle::sink_fn sink,
                                    const clientid_t* client_id) {
  auto h = std::make_shared<handle>(generation, std::move(sink));
  h->zh =
      zookeeper_init2(connect.c_str(), &handle::global_watcher, static_cast<int>(timeout.count()),
                      client_id, h.get(), 0, &forward_client_log);
  if (!h->zh) return nullptr;
  return h;
}

void set_client_log_level() {
  static std::once_flag once;
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

}  // namespace sluice::cluster::zk_handle
