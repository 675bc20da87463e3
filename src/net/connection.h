// One Kafka client connection, and the bookkeeping tcp_server keeps about live connections.
// Internal to net/ (includes Asio).
//
// connection: owned jointly by its three coroutines (reader, writer, idle watchdog) through
// shared_ptr; it dies when the last of them finishes. Every member runs on the connection's one
// network thread except through its mailbox, which response callbacks reach from any thread.
//
// Request flow: the reader reads a size prefix, checks it against socket.request.max.bytes before
// allocating, reads the frame into a buffer from the connection's frame_pool, waits until the
// overlap policy lets it start (a request that may not overlap waits for every earlier one to
// complete, and later ones wait for it), appends a pending slot and dispatches. It stops reading
// while max_in_flight slots are pending. Completions land in the mailbox, move into their slots on
// the network thread, and the writer sends the longest ready prefix of slots in order.
//
// On a TLS listener the connection first completes the server side of the TLS handshake (bounded
// by the idle timeout like any silence), records the principal its client certificate gives in
// the session (SSL listeners; a SASL_SSL connection stays unauthenticated for SASL), and only
// then starts reading requests. Reads and writes go through its tls_channel; responses are
// copied instead of sent with sendfile.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/net_metrics.h"
#include "net/request_dispatcher.h"
#include "net/request_frame.h"
#include "net/tcp_server.h"

struct ssl_st;

namespace sluice::net {

class connection;
class connection_quotas;
class tls_channel;
class tls_context;

// Thread-safe landing place for completed responses of one connection. Posts one wake-up to the
// connection's loop per batch of completions. Closed (drops everything) once the connection is
// closed or its loop is about to be destroyed, so callbacks held past that are harmless.
class completion_mailbox final : public detail::response_sink {
 public:
  struct arrival {
    uint64_t sequence;
    outbound_response response;
    bool abandoned;
  };

  completion_mailbox(asio::any_io_executor executor, std::weak_ptr<connection> owner)
      : executor_(std::move(executor)), owner_(std::move(owner)) {}

  void complete(uint64_t sequence, outbound_response response) override;
  void abandon(uint64_t sequence) override;
  std::vector<arrival> take();  // on the connection's loop
  void close();

 private:
  void deliver(arrival a);

  std::mutex mu_;
  bool open_ = true;
  bool wake_posted_ = false;
  std::vector<arrival> arrived_;
  asio::any_io_executor executor_;
  std::weak_ptr<connection> owner_;
};

// Live connections of one tcp_server, for draining at stop(). Any thread.
class connection_registry {
 public:
  struct entry {
    std::weak_ptr<connection> conn;
    asio::any_io_executor executor;
    std::shared_ptr<completion_mailbox> mailbox;
  };

  bool add(uint64_t id, entry e);  // false once draining: the caller closes the connection
  void remove(uint64_t id);
  size_t size() const;
  // Stops admitting connections and returns the live ones.
  std::vector<entry> begin_drain();
  std::vector<entry> snapshot() const;
  bool wait_empty(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mu_;
  std::condition_variable empty_;
  bool draining_ = false;
  std::unordered_map<uint64_t, entry> live_;
};

// What every connection of one server shares. Outlives the connections' use of it.
struct server_shared {
  const tcp_server_options& options;
  request_dispatcher& dispatcher;
  net_metrics& metrics;
  connection_registry& registry;
  connection_quotas* quotas = nullptr;  // counts the connection from accept to close; may be null
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  // `ssl` (owned from here on) and `tls` are set for connections on TLS listeners, null otherwise.
  connection(asio::ip::tcp::socket socket, connection_ref info, server_shared& shared,
             net_metrics::listener_instruments listener, ssl_st* ssl = nullptr,
             std::shared_ptr<const tls_context> tls = nullptr);
  ~connection();

  // On the connection's loop: registers and spawns the coroutines.
  void start();
  // On the connection's loop: stop reading; close once every pending response is written.
  void begin_drain();
  // On the connection's loop: close now.
  void close(close_reason reason);
  // On the connection's loop: move mailbox arrivals into their slots and wake the writer.
  void on_completions();

  const std::shared_ptr<completion_mailbox>& mailbox() const { return mailbox_; }
  const connection_ref& info() const { return info_; }
  // When the connection last read or wrote (any thread): the least recently used one is closed
  // to make room for an inter-broker connection over max.connections (KIP-402).
  std::chrono::steady_clock::time_point last_active() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_active_ns_.load(std::memory_order_relaxed)));
  }

 private:
  enum class state { open, draining, closed };
  struct slot {
    int16_t api_key;
    bool overlaps;  // may_overlap(api_key)
    std::chrono::steady_clock::time_point received;
    std::optional<outbound_response> response;  // set once completed
    bool abandoned = false;
  };

  void spawn(asio::awaitable<void> task);
  asio::awaitable<void> serve_tls();  // the handshake, then the reader and the writer
  bool authenticate_tls();
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> idle_loop();
  asio::awaitable<std::error_code> read_exact(std::span<uint8_t> out);
  asio::awaitable<void> wait(asio::steady_timer& timer);
  void on_read_end(std::error_code ec);
  bool may_start(bool overlaps) const;
  void dispatch(int16_t api_key, bool overlaps, request_frame frame);
  size_t ready_prefix() const;
  void finish_slot(const slot& s);
  void unregister();  // leaves the registry and the connection counts, once
  void touch();       // last_activity_ = now, and last_active() for other threads

  asio::ip::tcp::socket socket_;
  std::unique_ptr<tls_channel> tls_;  // TLS listeners; destroyed before socket_
  std::shared_ptr<const tls_context> tls_context_;
  connection_ref info_;
  server_shared& shared_;
  net_metrics::listener_instruments listener_;
  std::shared_ptr<completion_mailbox> mailbox_;
  asio::steady_timer reader_wake_;
  asio::steady_timer writer_wake_;
  asio::steady_timer idle_timer_;

  state state_ = state::open;
  close_reason drain_reason_ = close_reason::shutdown;  // why we close once drained
  std::deque<slot> pending_;     // dispatched, not yet written; front = oldest
  uint64_t first_sequence_ = 0;  // sequence of pending_.front()
  uint64_t next_sequence_ = 0;
  std::chrono::steady_clock::time_point last_activity_;
  std::atomic<std::chrono::steady_clock::rep> last_active_ns_{0};
  std::chrono::steady_clock::time_point muted_until_{};  // a throttled response's mute (KIP-219)
  size_t running_ = 0;                                   // dispatched, not yet completed
  size_t running_exclusive_ = 0;                         // of those, requests that may not overlap
  std::shared_ptr<frame_pool> frame_pool_;

  std::vector<uint8_t> read_buffer_;  // bytes read ahead of the current frame
  size_t read_begin_ = 0;
  size_t read_end_ = 0;
};

}  // namespace sluice::net
