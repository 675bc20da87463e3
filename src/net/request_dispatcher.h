// The seam between the network layer and request handling. No Asio here: handlers include this.
//
// The network layer (tcp_server) reads size-prefixed frames and hands each one to a
// request_dispatcher together with a response_callback. The dispatcher decodes, handles and
// eventually calls the callback with the encoded response; the network layer writes responses
// strictly in request order per connection, however they complete.
//
// Threading contract:
//  - dispatch() runs on the network thread that owns the connection. For one connection, calls are
//    sequential and in the order the requests arrived; different connections may be dispatched
//    concurrently on different network threads. dispatch() must not block (no fsync, no waiting on
//    locks held across I/O): do cheap work inline, hand anything slow to another executor.
//  - Overlap on one connection (tcp_server_options::may_overlap): requests the policy lets overlap
//    (Produce, Fetch) are dispatched while earlier ones of the connection are still in flight, up
//    to max_in_flight_per_connection. Any other request is dispatched only once every earlier
//    request of its connection has completed (its callback invoked), and no later request is
//    dispatched before it completes: what Kafka does for every request, since it reads the next
//    request of a connection only after answering the previous one. So an OffsetCommit sent behind
//    a SyncGroup sees the group after the SyncGroup, never in between.
//  - The response_callback may be invoked from ANY thread, inline within dispatch() or later, and
//    must be invoked exactly once. Invoking it never blocks: it queues the response for the
//    connection's network thread. If the connection is already gone, the response is dropped.
//  - A callback destroyed without being invoked closes the connection (and logs it): a lost
//    response never leaves a client hanging.
//  - connection_closed() runs once per connection, on its network thread, after the last
//    dispatch() for it. Callbacks still held for that connection may still be invoked (harmlessly).
//  - The dispatcher must outlive the tcp_server that calls it (until tcp_server::stop() returns).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/request_frame.h"
#include "net/session.h"
#include "protocol/wire.h"

namespace sluice::net {

// Facts about one client connection, fixed when it is accepted. Shared and immutable: handlers
// that finish a request later (a delayed Fetch, an acks=-1 Produce) may keep the pointer. What
// authentication establishes later lives in `session`.
struct connection_info {
  uint64_t id = 0;                              // unique per tcp_server, never reused
  std::string listener_name;                    // e.g. "PLAINTEXT", from `listeners`
  std::string security_protocol = "PLAINTEXT";  // the listener's protocol
  // The principal and authentication state; never null on an accepted connection.
  std::shared_ptr<connection_session> session =
      std::make_shared<connection_session>(/*authenticated=*/true);
  std::string client_host;  // peer address, numeric
  uint16_t client_port = 0;
  std::string local_host;  // the address the client connected to
  uint16_t local_port = 0;

  std::string client_address() const;  // "host:port" ("[v6]:port" for IPv6), for log lines
};
using connection_ref = std::shared_ptr<const connection_info>;

// What the dispatcher hands back for one request.
struct outbound_response {
  // Response header + body. The network layer adds the 4-byte size prefix. File-region splices are
  // sent with sendfile(2) between the in-memory parts.
  protocol::writer frame_body;
  // Nothing is written for this request (Produce with acks=0); later responses still wait for it.
  bool no_response = false;
  // Close the connection after this response (after writing frame_body unless no_response):
  // unknown API keys and undecodable requests, as Kafka does.
  bool close_connection = false;
  // A client quota was violated (KIP-219): once this response is written, read no further
  // request of the connection for this long (Kafka mutes the channel for the throttle time).
  std::chrono::milliseconds throttle{0};

  static outbound_response none();   // no_response
  static outbound_response close();  // no_response + close_connection
  static outbound_response with(protocol::writer body);
};

namespace detail {
// Where a response_callback delivers; implemented by the network layer.
class response_sink {
 public:
  virtual ~response_sink() = default;
  virtual void complete(uint64_t sequence, outbound_response response) = 0;
  virtual void abandon(uint64_t sequence) = 0;  // the callback was dropped uninvoked
};
}  // namespace detail

// Completes one request. Move-only, call once; see the threading contract above.
class response_callback {
 public:
  response_callback() = default;
  response_callback(std::shared_ptr<detail::response_sink> sink, uint64_t sequence)
      : sink_(std::move(sink)), sequence_(sequence) {}
  response_callback(response_callback&& other) noexcept = default;
  response_callback& operator=(response_callback&& other) noexcept;
  response_callback(const response_callback&) = delete;
  response_callback& operator=(const response_callback&) = delete;
  ~response_callback();

  // Delivers the response. Calling an empty or already-used callback is a programming error.
  void operator()(outbound_response response);
  explicit operator bool() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<detail::response_sink> sink_;
  uint64_t sequence_ = 0;
};

// Implemented by the broker (decode, route to a handler, encode). See the threading contract above.
class request_dispatcher {
 public:
  virtual ~request_dispatcher() = default;

  // `frame`: request header + body, without the size prefix; ownership passes to the dispatcher
  // (a Produce may keep it while its records are appended). Its buffer returns to the
  // connection's frame_pool when the last owner drops it, on whatever thread that is.
  virtual void dispatch(const connection_ref& connection, request_frame frame,
                        response_callback done) = 0;

  virtual void connection_closed(const connection_ref& /*connection*/) {}
};

}  // namespace sluice::net
