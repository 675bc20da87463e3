#include "cluster/zk_session.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "cluster/zk_handle.h"

namespace sluice::cluster {

namespace {

using zk_handle::clock;
using zk_handle::handle;
using zk_handle::open_handle;
constexpr std::chrono::milliseconds retry_pause{100};

zk_errc to_errc(int rc) {
  switch (rc) {
    case ZNONODE:
      return zk_errc::no_node;
    case ZNODEEXISTS:
      return zk_errc::node_exists;
    case ZBADVERSION:
      return zk_errc::bad_version;
    case ZNOTEMPTY:
      return zk_errc::not_empty;
    case ZCONNECTIONLOSS:
    case ZOPERATIONTIMEOUT:
      return zk_errc::connection_loss;
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:
    case ZCLOSING:
      return zk_errc::session_expired;
    case ZBADARGUMENTS:
    case ZINVALIDACL:
    case ZNOCHILDRENFOREPHEMERALS:
      return zk_errc::invalid;
    default:
      return zk_errc::other;
  }
}

template <class T>
zk_result<T> zk_fail(int rc, std::string_view op, const std::string& path) {
  return fail(to_errc(rc), fmt::format("ZooKeeper {} {}: {}", op, path, zerror(rc)));
}

int create_flags(zk_create_mode mode) {
  switch (mode) {
    case zk_create_mode::persistent:
      return ZOO_PERSISTENT;
    case zk_create_mode::ephemeral:
      return ZOO_EPHEMERAL;
    case zk_create_mode::persistent_sequential:
      return ZOO_PERSISTENT_SEQUENTIAL;
    case zk_create_mode::ephemeral_sequential:
      return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

zk_stat to_stat(const Stat& s) {
  return {.version = s.version,
          .ephemeral_owner = s.ephemeralOwner,
          .czxid = s.czxid,
          .num_children = s.numChildren,
          .ctime_ms = s.ctime};
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

std::string join_path(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

}  // namespace

struct zk_session::impl {
  struct watch_entry {
    uint64_t generation;
    std::string path;
    zk_watcher fn;
  };
  // Work for the event thread: a session state change (watch_id 0) or a fired watch.
  struct event {
    uint64_t generation = 0;
    int type = 0;
    int state = 0;
    uint64_t watch_id = 0;
  };

  ~impl() {
    {
      std::lock_guard lock(queue_mutex);
      stopping = true;
    }
    queue_changed.notify_all();
    if (event_thread.joinable()) event_thread.join();
    std::shared_ptr<handle> last;
    {
      std::lock_guard lock(mutex);
      last = std::move(current);
      closing = true;
    }
    handle_changed.notify_all();
    last.reset();  // closes the session; no C callbacks after this
    std::map<uint64_t, watch_entry> dropped;
    std::lock_guard lock(mutex);
    dropped.swap(watches);
  }

  void post(const event& e) {
    {
      std::lock_guard lock(queue_mutex);
      if (stopping) return;
      queue.push_back(e);
    }
    queue_changed.notify_one();
  }

  bool stop_requested() {
    std::lock_guard lock(queue_mutex);
    return stopping;
  }

  std::shared_ptr<handle> open(const std::string& connect_string, uint64_t generation) {
    return open_handle(connect_string, options.session_timeout, generation,
                       [this](uint64_t g, int type, int state, uint64_t id) {
                         post({.generation = g, .type = type, .state = state, .watch_id = id});
                       });
  }

  std::shared_ptr<handle> current_handle() const {
    std::lock_guard lock(mutex);
    return current;
  }

  // Runs `op(zh, generation)` (a synchronous C call returning a ZooKeeper rc), retrying connection
  // loss until the connection timeout and moving on to the new session after an expiry.
  template <class Op>
  int run(Op&& op) {
    const auto deadline = clock::now() + options.connection_timeout;
    for (;;) {
      auto h = current_handle();
      if (!h) return ZCLOSING;
      int rc = ZCONNECTIONLOSS;
      if (h->wait_connected(deadline)) rc = op(h->zh, h->generation);
      if ((rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) && h->dead()) rc = ZSESSIONEXPIRED;
      if (rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE) {
        // The event thread opens the new session; it must not wait for itself.
        if (std::this_thread::get_id() == event_thread.get_id()) return ZSESSIONEXPIRED;
        std::unique_lock lock(mutex);
        if (!handle_changed.wait_until(lock, deadline, [&] { return current != h || closing; }) ||
            closing)
          return ZSESSIONEXPIRED;
        continue;
      }
      if (rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT) {
        if (clock::now() >= deadline) return ZCONNECTIONLOSS;
        std::this_thread::sleep_for(retry_pause / 2);
        continue;
      }
      return rc;
    }
  }

  // Registers the watch for one attempt of an operation; returns the context for the C call.
  void* add_watch(uint64_t generation, const std::string& path, const zk_watcher& fn,
                  uint64_t& id) {
    std::lock_guard lock(mutex);
    id = next_watch_id++;
    watches.emplace(id, watch_entry{generation, path, fn});
    return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
  }
  void drop_watch(uint64_t id) {
    std::optional<watch_entry> dropped;  // destroyed outside the lock
    std::lock_guard lock(mutex);
    if (auto it = watches.find(id); it != watches.end()) {
      dropped = std::move(it->second);
      watches.erase(it);
    }
  }

  void event_loop() {
    for (;;) {
      event e;
      {
        std::unique_lock lock(queue_mutex);
        queue_changed.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        e = queue.front();
        queue.pop_front();
      }
      if (e.watch_id != 0)
        fire_watch(e.watch_id, e.type);
      else
        on_state(e.generation, e.state);
    }
  }

  void fire_watch(uint64_t id, int type) {
    std::optional<watch_entry> entry;
    {
      std::lock_guard lock(mutex);
      auto it = watches.find(id);
      if (it == watches.end()) return;
      entry = std::move(it->second);
      watches.erase(it);
    }
    zk_watch_event::kind what = zk_watch_event::kind::data_changed;
    if (type == ZOO_CREATED_EVENT)
      what = zk_watch_event::kind::created;
    else if (type == ZOO_DELETED_EVENT)
      what = zk_watch_event::kind::deleted;
    else if (type == ZOO_CHILD_EVENT)
      what = zk_watch_event::kind::children_changed;
    entry->fn(zk_watch_event{what, entry->path});
  }

  void on_state(uint64_t generation, int state) {
    {
      std::lock_guard lock(mutex);
      if (!current || current->generation != generation) return;  // an old session's news
    }
    if (state == ZOO_CONNECTED_STATE) {
      tell_listeners(zk_session::state::connected);
    } else if (state == ZOO_CONNECTING_STATE || state == ZOO_ASSOCIATING_STATE) {
      spdlog::warn("Disconnected from ZooKeeper; reconnecting");
      tell_listeners(zk_session::state::disconnected);
    } else if (state == ZOO_EXPIRED_SESSION_STATE || state == ZOO_AUTH_FAILED_STATE) {
      reopen_after_expiry(generation);
    }
  }

  void reopen_after_expiry(uint64_t generation) {
    spdlog::warn("ZooKeeper session expired; opening a new session");
    std::shared_ptr<handle> fresh;
    while (!stop_requested()) {
      fresh = open(connect, generation + 1);
      bool connected = false;
      // Waits in short steps so that closing the session is not held up.
      const auto give_up = clock::now() + options.connection_timeout;
      while (fresh && !connected && !fresh->dead() && !stop_requested() && clock::now() < give_up)
        connected = fresh->wait_connected(std::min(give_up, clock::now() + retry_pause));
      if (connected) break;
      fresh.reset();
      spdlog::warn("Cannot open a new ZooKeeper session at {} yet; retrying", connect);
      std::this_thread::sleep_for(retry_pause);
    }
    if (!fresh) return;
    std::shared_ptr<handle> old;
    std::vector<watch_entry> lost;
    {
      std::lock_guard lock(mutex);
      old = std::exchange(current, fresh);
      for (auto it = watches.begin(); it != watches.end();) {
        if (it->second.generation <= generation) {
          lost.push_back(std::move(it->second));
          it = watches.erase(it);
        } else {
          ++it;
        }
      }
    }
    handle_changed.notify_all();
    old.reset();
    spdlog::info("New ZooKeeper session 0x{:x}", zoo_client_id(fresh->zh)->client_id);
    for (auto& w : lost) w.fn(zk_watch_event{zk_watch_event::kind::session_lost, w.path});
    tell_listeners(zk_session::state::expired_and_reconnected);
  }

  void tell_listeners(zk_session::state s) {
    std::vector<session_listener> copy;
    {
      std::lock_guard lock(mutex);
      copy = listeners;
    }
    for (auto& l : copy) l(s);
  }

  zk_options options;
  std::string hosts;    // the connect string without the chroot
  std::string connect;  // with it

  mutable std::mutex mutex;  // guards current, closing, watches, listeners
  std::condition_variable handle_changed;
  std::shared_ptr<handle> current;
  bool closing = false;
  std::map<uint64_t, watch_entry> watches;
  uint64_t next_watch_id = 1;
  std::vector<session_listener> listeners;

  std::mutex queue_mutex;  // guards queue, stopping
  std::condition_variable queue_changed;
  std::deque<event> queue;
  bool stopping = false;
  std::thread event_thread;
};

zk_session::zk_session() : impl_(std::make_unique<impl>()) {}
zk_session::~zk_session() = default;

zk_result<std::unique_ptr<zk_session>> zk_session::connect(const zk_options& options) {
  zk_handle::set_client_log_level();
  std::unique_ptr<zk_session> session(new zk_session());
  auto& s = *session->impl_;
  s.options = options;
  auto slash = options.connect.find('/');
  s.hosts = options.connect.substr(0, slash);
  std::string chroot = slash == std::string::npos ? "" : options.connect.substr(slash);
  while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
  if (chroot == "/") chroot.clear();
  s.connect = s.hosts + chroot;
  if (s.hosts.empty()) return fail(zk_errc::invalid, "zookeeper.connect names no servers");
  s.event_thread = std::thread([&s] { s.event_loop(); });

  auto connect_handle = [&](const std::string& connect_string,
                            uint64_t generation) -> zk_result<void> {
    auto h = s.open(connect_string, generation);
    if (!h)
      return fail(zk_errc::invalid, fmt::format("Invalid zookeeper.connect {}", connect_string));
    if (!h->wait_connected(clock::now() + options.connection_timeout))
      return fail(zk_errc::connection_loss,
                  fmt::format("Timed out connecting to ZooKeeper at {} after {} ms", connect_string,
                              options.connection_timeout.count()));
    std::lock_guard lock(s.mutex);
    s.current = std::move(h);
    return ok_v;
  };
  if (!chroot.empty()) {
    // As Kafka: make the chroot with a session outside it, then open the session inside it.
    if (auto r = connect_handle(s.hosts, 1); !r) return std::move(r).error();
    auto exists = session->exists(chroot);
    if (!exists) return std::move(exists).error();
    if (!*exists) {
      if (auto r = session->create_recursive(chroot, ""); !r && r.code() != zk_errc::node_exists)
        return std::move(r).error();
      spdlog::info("Created the ZooKeeper chroot {}", chroot);
    }
    std::shared_ptr<handle> outside;
    {
      std::lock_guard lock(s.mutex);
      outside = std::move(s.current);
    }
  }
  if (auto r = connect_handle(s.connect, 2); !r) return std::move(r).error();
  spdlog::info("Connected to ZooKeeper at {} (session 0x{:x})", s.connect, session->session_id());
  return session;
}

zk_result<std::string> zk_session::create(const std::string& path, const std::string& data,
                                          zk_create_mode mode) {
  std::string created(path.size() + 64, '\0');
  int rc = impl_->run([&](zhandle_t* zh, uint64_t) -> int {
    return zoo_create(zh, path.c_str(), data.empty() ? nullptr : data.data(),
                      data.empty() ? -1 : static_cast<int>(data.size()), &ZOO_OPEN_ACL_UNSAFE,
                      create_flags(mode), created.data(), static_cast<int>(created.size()));
  });
  if (rc != ZOK) return zk_fail<std::string>(rc, "create", path);
  created.resize(std::strlen(created.c_str()));
  return created;
}

zk_result<std::string> zk_session::create_recursive(const std::string& path,
                                                    const std::string& data, zk_create_mode mode) {
  auto r = create(path, data, mode);
  if (r.ok() || r.code() != zk_errc::no_node) return r;
  auto parent = parent_of(path);
  if (parent == "/") return r;
  auto p = create_recursive(parent, "", zk_create_mode::persistent);
  if (!p && p.code() != zk_errc::node_exists) return p;
  return create(path, data, mode);
}

zk_result<zk_node> zk_session::get(const std::string& path, zk_watcher watch) {
  zk_node node;
  std::string buffer(64 * 1024, '\0');
  int rc = impl_->run([&](zhandle_t* zh, uint64_t generation) -> int {
    uint64_t id = 0;
    void* context = watch ? impl_->add_watch(generation, path, watch, id) : nullptr;
    int length = static_cast<int>(buffer.size());
    Stat stat{};
    int rc = zoo_wget(zh, path.c_str(), watch ? &handle::node_watcher : nullptr, context,
                      buffer.data(), &length, &stat);
    if (rc != ZOK) {
      if (watch) impl_->drop_watch(id);
      return rc;
    }
    // A value larger than the buffer: read it again at its size (the watch is already set).
    while (stat.dataLength > static_cast<int>(buffer.size())) {
      buffer.assign(static_cast<size_t>(stat.dataLength), '\0');
      length = stat.dataLength;
      rc = zoo_get(zh, path.c_str(), 0, buffer.data(), &length, &stat);
      if (rc != ZOK) return rc;
    }
    node.data.assign(buffer.data(), length < 0 ? 0 : static_cast<size_t>(length));
    node.stat = to_stat(stat);
    return ZOK;
  });
  if (rc != ZOK) return zk_fail<zk_node>(rc, "get", path);
  return node;
}

zk_result<zk_stat> zk_session::set(const std::string& path, const std::string& data,
                                   int32_t version) {
  Stat stat{};
  int rc = impl_->run([&](zhandle_t* zh, uint64_t) -> int {
    return zoo_set2(zh, path.c_str(), data.data(), static_cast<int>(data.size()), version, &stat);
  });
  if (rc != ZOK) return zk_fail<zk_stat>(rc, "set", path);
  return to_stat(stat);
}

zk_result<void> zk_session::remove(const std::string& path, int32_t version) {
  int rc = impl_->run(
      [&](zhandle_t* zh, uint64_t) -> int { return zoo_delete(zh, path.c_str(), version); });
  if (rc != ZOK) return zk_fail<void>(rc, "delete", path);
  return ok_v;
}

zk_result<void> zk_session::remove_recursive(const std::string& path) {
  for (int attempt = 0;; ++attempt) {
    auto kids = children(path);
    if (!kids) return kids.code() == zk_errc::no_node ? zk_result<void>(ok_v) : kids.error();
    for (const auto& child : *kids) {
      if (auto r = remove_recursive(join_path(path, child)); !r) return r;
    }
    auto r = remove(path);
    // Someone added a child meanwhile: go round again (a few times).
    if (!r && r.code() == zk_errc::not_empty && attempt < 5) continue;
    if (!r && r.code() == zk_errc::no_node) return ok_v;
    return r;
  }
}

zk_result<std::vector<std::string>> zk_session::children(const std::string& path,
                                                         zk_watcher watch) {
  std::vector<std::string> out;
  int rc = impl_->run([&](zhandle_t* zh, uint64_t generation) -> int {
    uint64_t id = 0;
    void* context = watch ? impl_->add_watch(generation, path, watch, id) : nullptr;
    String_vector names{};
    int rc = zoo_wget_children(zh, path.c_str(), watch ? &handle::node_watcher : nullptr, context,
                               &names);
    if (rc != ZOK) {
      if (watch) impl_->drop_watch(id);
      return rc;
    }
    out.clear();
    for (int32_t i = 0; i < names.count; ++i) out.emplace_back(names.data[i]);
    deallocate_String_vector(&names);
    return ZOK;
  });
  if (rc != ZOK) return zk_fail<std::vector<std::string>>(rc, "get children of", path);
  return out;
}

zk_result<std::optional<zk_stat>> zk_session::exists(const std::string& path, zk_watcher watch) {
  Stat stat{};
  int rc = impl_->run([&](zhandle_t* zh, uint64_t generation) -> int {
    uint64_t id = 0;
    void* context = watch ? impl_->add_watch(generation, path, watch, id) : nullptr;
    int rc = zoo_wexists(zh, path.c_str(), watch ? &handle::node_watcher : nullptr, context, &stat);
    // An exists watch is set both when the node is there and when it is not.
    if (rc != ZOK && rc != ZNONODE && watch) impl_->drop_watch(id);
    return rc;
  });
  if (rc == ZNONODE) return std::optional<zk_stat>();
  if (rc != ZOK) return zk_fail<std::optional<zk_stat>>(rc, "exists", path);
  return std::optional<zk_stat>(to_stat(stat));
}

zk_result<std::vector<zk_op_result>> zk_session::multi(const std::vector<zk_op>& ops,
                                                       size_t* failed_op) {
  if (failed_op != nullptr) *failed_op = ops.size();
  if (ops.empty()) return std::vector<zk_op_result>{};
  const size_t count = ops.size();
  std::vector<zoo_op_t> c_ops(count);
  std::vector<zoo_op_result_t> c_results(count);
  std::vector<std::string> created(count);
  std::vector<Stat> stats(count);
  size_t failed = count;
  int rc = impl_->run([&](zhandle_t* zh, uint64_t) -> int {
    for (size_t i = 0; i < count; ++i) {
      const zk_op& op = ops[i];
      switch (op.what) {
        case zk_op::kind::check:
          zoo_check_op_init(&c_ops[i], op.path.c_str(), op.version);
          break;
        case zk_op::kind::create:
          created[i].assign(op.path.size() + 64, '\0');
          zoo_create_op_init(&c_ops[i], op.path.c_str(), op.data.empty() ? nullptr : op.data.data(),
                             op.data.empty() ? -1 : static_cast<int>(op.data.size()),
                             &ZOO_OPEN_ACL_UNSAFE, create_flags(op.mode), created[i].data(),
                             static_cast<int>(created[i].size()));
          break;
        case zk_op::kind::set:
          stats[i] = Stat{};
          zoo_set_op_init(&c_ops[i], op.path.c_str(), op.data.data(),
                          static_cast<int>(op.data.size()), op.version, &stats[i]);
          break;
        case zk_op::kind::remove:
          zoo_delete_op_init(&c_ops[i], op.path.c_str(), op.version);
          break;
      }
      c_results[i] = zoo_op_result_t{};
    }
    const int rc = zoo_multi(zh, static_cast<int>(count), c_ops.data(), c_results.data());
    // The server answers a failed multi with ZOK for the operations before the failing one and
    // ZRUNTIMEINCONSISTENCY for those after it.
    failed = count;
    const zk_errc kind = to_errc(rc);
    if (rc != ZOK && kind != zk_errc::connection_loss && kind != zk_errc::session_expired) {
      for (size_t i = 0; i < count; ++i) {
        if (c_results[i].err != ZOK) {
          failed = i;
          break;
        }
      }
    }
    return rc;
  });
  if (rc != ZOK) {
    if (failed_op != nullptr) *failed_op = failed;
    if (failed < count)
      return zk_fail<std::vector<zk_op_result>>(
          rc, fmt::format("multi (operation {} of {}) at", failed + 1, count), ops[failed].path);
    return zk_fail<std::vector<zk_op_result>>(rc, "multi", ops.front().path);
  }
  std::vector<zk_op_result> out(count);
  for (size_t i = 0; i < count; ++i) {
    if (ops[i].what == zk_op::kind::create)
      out[i].path.assign(created[i].c_str());
    else if (ops[i].what == zk_op::kind::set)
      out[i].stat = to_stat(stats[i]);
  }
  return out;
}

int64_t zk_session::session_id() const {
  auto h = impl_->current_handle();
  return h ? zoo_client_id(h->zh)->client_id : 0;
}

bool zk_session::connected() const {
  auto h = impl_->current_handle();
  return h && h->current_state() == ZOO_CONNECTED_STATE;
}

void zk_session::on_session_event(session_listener listener) {
  std::lock_guard lock(impl_->mutex);
  impl_->listeners.push_back(std::move(listener));
}

zk_result<void> zk_session::expire_for_testing() {
  // A second connection takes over the session and closes it: the server ends the session, and
  // our handle hears "expired" when it reconnects. Our handle may win the session back before the
  // close is sent (then nothing happened), so try a few times.
  const auto deadline = clock::now() + impl_->options.connection_timeout;
  while (clock::now() < deadline) {
    auto h = impl_->current_handle();
    if (!h) return fail(zk_errc::session_expired, "no session");
    if (h->dead()) {  // expired already: wait for the new session
      std::unique_lock lock(impl_->mutex);
      if (impl_->handle_changed.wait_until(lock, deadline, [&] { return impl_->current != h; }))
        return ok_v;
      break;
    }
    if (!h->wait_connected(deadline)) continue;
    clientid_t id = *zoo_client_id(h->zh);
    auto intruder = open_handle(impl_->hosts, impl_->options.session_timeout, 0, nullptr, &id);
    if (!intruder) return fail(zk_errc::invalid, "cannot open a second handle");
    bool attached = intruder->wait_connected(deadline);
    intruder.reset();
    if (!attached) continue;
    std::unique_lock lock(impl_->mutex);
    if (impl_->handle_changed.wait_for(lock, std::chrono::seconds(1),
                                       [&] { return impl_->current != h; }))
      return ok_v;
  }
  return fail(zk_errc::connection_loss, "could not expire the session");
}

std::string to_string(zk_errc e) {
  switch (e) {
    case zk_errc::no_node:
      return "no_node";
    case zk_errc::node_exists:
      return "node_exists";
    case zk_errc::bad_version:
      return "bad_version";
    case zk_errc::not_empty:
      return "not_empty";
    case zk_errc::connection_loss:
      return "connection_loss";
    case zk_errc::session_expired:
      return "session_expired";
    case zk_errc::invalid:
      return "invalid";
    case zk_errc::other:
      return "other";
  }
  return "unknown";
}

}  // namespace sluice::cluster
