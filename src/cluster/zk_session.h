// zk_session: this broker's one ZooKeeper session (the ZooKeeper C client, multi-threaded build),
// shared by the ZooKeeper metadata store and the controller so that the broker registration and
// the /controller znode are ephemeral nodes of the same session.
//
// - connect string as Kafka's zookeeper.connect: "h1:2181,h2:2182,h3:2183/chroot"; the chroot is
//   created (with parents) if absent before the session that uses it is opened.
// - Every operation is synchronous (call it from a worker thread, never a network thread) and
//   returns zk_errc on failure; connection loss is retried inside until `operation_timeout`.
//   A retried write may have been applied by the attempt whose answer was lost, so a retry can
//   report node_exists / bad_version / no_node for a write that did happen (multi included).
// - Watches are one-shot, as in ZooKeeper. Callbacks (watches and session listeners) run one at a
//   time on the session's own event thread, never the C client's threads, so they may call this
//   session's synchronous operations (re-read, re-watch); they must not block for long.
// - A watch set in a session that then expires is fired once with kind::session_lost.
// - Session expiry: a new handle is opened transparently and every session listener is told
//   (state::expired_and_reconnected) so owners re-create their ephemeral nodes and re-set watches.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace sluice::cluster {

enum class zk_errc {
  no_node,          // ZNONODE
  node_exists,      // ZNODEEXISTS
  bad_version,      // ZBADVERSION (conditional set/delete lost a race)
  not_empty,        // ZNOTEMPTY
  connection_loss,  // not connected within the operation timeout
  session_expired,  // the operation's session died (a new one is being opened)
  invalid,          // bad path or arguments
  other,
};

template <class T>
using zk_result = sluice::result<T, zk_errc>;

struct zk_stat {
  int32_t version = 0;          // data version (Kafka's "zkVersion")
  int64_t ephemeral_owner = 0;  // session id of an ephemeral node's owner, 0 if persistent
  int64_t czxid = 0;            // creation zxid (Kafka uses it as the broker epoch)
  int32_t num_children = 0;
  int64_t ctime_ms = 0;  // creation time, ms since the epoch (the server's clock)
};

struct zk_node {
  std::string data;
  zk_stat stat;
};

enum class zk_create_mode { persistent, ephemeral, persistent_sequential, ephemeral_sequential };

// One operation of a multi(). Paths are without the chroot, as everywhere.
struct zk_op {
  enum class kind { check, create, set, remove } what;
  std::string path;
  std::string data;                                  // create, set
  int32_t version = -1;                              // check, set, remove; -1: any
  zk_create_mode mode = zk_create_mode::persistent;  // create

  static zk_op check(std::string path, int32_t version) {
    return {.what = kind::check, .path = std::move(path), .version = version};
  }
  static zk_op create(std::string path, std::string data,
                      zk_create_mode mode = zk_create_mode::persistent) {
    return {.what = kind::create, .path = std::move(path), .data = std::move(data), .mode = mode};
  }
  static zk_op set(std::string path, std::string data, int32_t version = -1) {
    return {
        .what = kind::set, .path = std::move(path), .data = std::move(data), .version = version};
  }
  static zk_op remove(std::string path, int32_t version = -1) {
    return {.what = kind::remove, .path = std::move(path), .version = version};
  }
};

// What one operation of a successful multi() did.
struct zk_op_result {
  std::string path;  // create: the created path (without the chroot; differs for sequential)
  zk_stat stat;      // set: the node's new stat
};

// What a watch saw. `path` is the watched path (without the chroot).
struct zk_watch_event {
  enum class kind { created, deleted, data_changed, children_changed, session_lost } what;
  std::string path;
};
using zk_watcher = std::function<void(const zk_watch_event&)>;

struct zk_options {
  std::string connect;  // zookeeper.connect
  std::chrono::milliseconds session_timeout{18000};
  std::chrono::milliseconds connection_timeout{18000};  // first connect; also operation retries
};

class zk_session {
 public:
  enum class state { connected, disconnected, expired_and_reconnected };
  using session_listener = std::function<void(state)>;

  // Connects (waiting up to connection_timeout), creating the chroot if needed.
  static zk_result<std::unique_ptr<zk_session>> connect(const zk_options& options);
  ~zk_session();
  zk_session(const zk_session&) = delete;
  zk_session& operator=(const zk_session&) = delete;

  // Returns the created path (differs from `path` for sequential nodes).
  zk_result<std::string> create(const std::string& path, const std::string& data,
                                zk_create_mode mode = zk_create_mode::persistent);
  // Creates every missing parent as an empty persistent node, then the node itself.
  zk_result<std::string> create_recursive(const std::string& path, const std::string& data,
                                          zk_create_mode mode = zk_create_mode::persistent);
  zk_result<zk_node> get(const std::string& path, zk_watcher watch = nullptr);
  // version -1: unconditional. Returns the new stat.
  zk_result<zk_stat> set(const std::string& path, const std::string& data, int32_t version = -1);
  zk_result<void> remove(const std::string& path, int32_t version = -1);
  // Deletes the node and everything below it.
  zk_result<void> remove_recursive(const std::string& path);
  zk_result<std::vector<std::string>> children(const std::string& path, zk_watcher watch = nullptr);
  // nullopt when absent; the watch fires on creation, deletion or data change.
  zk_result<std::optional<zk_stat>> exists(const std::string& path, zk_watcher watch = nullptr);
  // ZooKeeper's multi-op: every operation or none, atomically. Returns one result per operation.
  // On failure the error is the first failing operation's (bad_version for a failed check) and
  // `failed_op`, if given, is set to its index — or to ops.size() when no operation failed as
  // such (connection loss, expiry). Nothing was written when an operation failed.
  zk_result<std::vector<zk_op_result>> multi(const std::vector<zk_op>& ops,
                                             size_t* failed_op = nullptr);

  // The current session id (changes after expiry).
  int64_t session_id() const;
  bool connected() const;
  void on_session_event(session_listener listener);

  // For tests: ends this session from a second connection that takes it over and closes it, so
  // the server expires it under this handle (which then reconnects as after a real expiry).
  // Returns once the new session is open.
  zk_result<void> expire_for_testing();

 private:
  zk_session();
  struct impl;
  std::unique_ptr<impl> impl_;
};

std::string to_string(zk_errc e);

}  // namespace sluice::cluster
