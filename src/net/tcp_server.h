// tcp_server: the Kafka-protocol listener. Accepts connections on every configured listener,
// reads size-prefixed request frames, hands them to a request_dispatcher and writes the responses
// back in request order (memory parts with writev, file regions with sendfile). Listeners whose
// security protocol is SSL or SASL_SSL run TLS first (their tls_context), and copy file regions
// through TLS instead of using sendfile.
//
// With connection quotas (connection_quotas.h) the acceptor counts every connection from accept
// to close: it closes a connection over max.connections.per.ip at once, and waits before serving
// one while max.connections leaves no slot or the connection creation rate is exceeded.
//
// Owned by the broker. Runs `network_threads` event loops (one io_context per thread); a
// connection lives on one loop for its whole life, assigned round-robin at accept. The public
// members are called from the owner's thread (start, stop) or any thread (queries). Asio stays in
// the .cc files: this header is cheap to include.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/metrics.h"
#include "net/errc.h"
#include "net/request_dispatcher.h"

namespace sluice::net {

class connection_quotas;
class tls_context;

struct listener_endpoint {
  std::string name;                             // listener name, e.g. "PLAINTEXT"
  std::string security_protocol = "PLAINTEXT";  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
  std::string host;                             // empty: all interfaces
  uint16_t port = 0;                            // 0: any free port (tests)
  // SSL and SASL_SSL: the server-side TLS configuration (required for them, unused otherwise).
  // The owner may reload() it while the server runs.
  std::shared_ptr<const tls_context> tls;
  // SASL_* listeners: the largest frame accepted before authentication completes
  // (sasl.server.max.receive.size).
  int32_t sasl_max_receive_bytes = 524288;
};

// The default overlap policy: Produce (0) and Fetch (1) may overlap other requests of their
// connection; every other API is handled one request at a time (see request_dispatcher.h).
bool produce_or_fetch(int16_t api_key);

struct tcp_server_options {
  std::vector<listener_endpoint> listeners;
  int network_threads = 3;                         // num.network.threads
  int32_t max_request_bytes = 104857600;           // socket.request.max.bytes
  std::chrono::milliseconds idle_timeout{600000};  // connections.max.idle.ms; negative: never
  int max_in_flight_per_connection = 16;  // requests read but not yet answered, per connection
  // Whether a request with this API key may be handled while other requests of its connection are
  // in flight. Produce and Fetch gain from it (librdkafka keeps up to 5 Produce requests in
  // flight, and their order per partition is fixed when they are dispatched); requests that read
  // or change group or coordinator state must see every earlier request of the connection done.
  std::function<bool(int16_t api_key)> may_overlap = produce_or_fetch;
  int send_buffer_bytes = -1;     // socket.send.buffer.bytes; -1: OS default
  int receive_buffer_bytes = -1;  // socket.receive.buffer.bytes; -1: OS default
  // Names API keys for the per-API metric label ("Produce"); default: the key as a number.
  std::function<std::string(int16_t api_key)> api_name;
  // Connection limits the acceptor enforces (max.connections and friends); null: none. The owner
  // may update() it while the server runs.
  std::shared_ptr<connection_quotas> quotas;
};

// A listener after binding: the port is the real one when 0 was asked.
struct bound_listener {
  std::string name;
  std::string host;  // the address bound, numeric
  uint16_t port = 0;
};

class tcp_server {
 public:
  // `dispatcher` and `registry` must outlive the server.
  tcp_server(tcp_server_options options, request_dispatcher& dispatcher,
             metrics::registry& registry);
  ~tcp_server();  // stop(0) if still running
  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;

  // Binds every listener without accepting yet, so the caller can learn the real ports (port 0)
  // before clients arrive. Fails if a host does not resolve or an address is taken.
  result<void> bind();
  // bind() if not done yet, then starts the event loops and accepts. On failure nothing is left
  // running.
  result<void> start();

  std::vector<bound_listener> listeners() const;
  uint16_t port(std::string_view listener_name) const;  // 0 if no such listener
  size_t connection_count() const;

  // Closes the listening sockets; open connections carry on.
  void stop_accepting();
  // stop_accepting(), then stops reading requests, waits up to `drain_timeout` for the requests
  // already read to be answered and written, closes every connection and joins the threads.
  // Idempotent.
  void stop(std::chrono::milliseconds drain_timeout);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::net
