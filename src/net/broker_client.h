// broker_client: a blocking Kafka-protocol client to one broker, for inter-broker traffic — the
// controller telling brokers their roles (LeaderAndIsr, UpdateMetadata, StopReplica), replica
// fetchers reading from leaders (Fetch, OffsetForLeaderEpoch), leaders reporting ISR changes and
// brokers asking to shut down (AlterPartition, ControlledShutdown).
//
// One request at a time on one TCP connection; owned and used by one worker thread (never a
// network thread). Connects lazily; after any failure the connection is closed and the next call
// reconnects. Every call is bounded by the connect and request timeouts. close() may be called
// from any thread and is final. Plain POSIX sockets and poll(); no Asio. When the inter-broker
// listener is SSL or SASL_SSL the connection runs TLS (OpenSSL on the same non-blocking socket),
// verifying the peer against the listener's trust store and, with
// ssl.endpoint.identification.algorithm=https, its host name. When it is SASL_PLAINTEXT or
// SASL_SSL each new connection then authenticates (SaslHandshake, SaslAuthenticate) with the
// broker's own credentials before its first request, and re-authenticates in place when the
// peer's session lifetime nears its end (KIP-368).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/client_security.h"
#include "net/errc.h"
#include "protocol/wire.h"

namespace sluice::net {

struct broker_client_options {
  std::string host;
  uint16_t port = 0;
  std::string client_id;  // e.g. "broker-2-fetcher-0", "controller-1"
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  int32_t receive_buffer_bytes = -1;  // -1: the OS default
  client_security security;
};

class broker_client {
 public:
  static constexpr int32_t max_response_bytes = 100 << 20;

  explicit broker_client(broker_client_options options);
  ~broker_client();
  broker_client(const broker_client&) = delete;
  broker_client& operator=(const broker_client&) = delete;

  // A decoded response and the frame it was decoded from: `records` fields (a Fetch answer's
  // batches) are views into `frame`, valid as long as this value lives (moving keeps them valid).
  template <class Response>
  struct answer {
    protocol::bytes frame;
    Response body;
  };

  // Sends `request` (a generated protocol::*_request) at `version` and decodes its response.
  template <class Response, class Request>
  result<answer<Response>> call(const Request& request, int16_t version) {
    protocol::writer body;
    if (auto e = request.encode(body, version); !e) return fail(errc::protocol_error, e.message());
    auto raw = round_trip(Request::api_key, version, body.take_buffer());
    if (!raw) return raw.error();
    answer<Response> out{std::move(*raw), Response{}};
    protocol::reader r(out.frame);
    if (auto d = out.body.decode(r, version); !d) return fail(errc::protocol_error, d.message());
    return out;
  }

  // Lower level: writes the header (v1 or v2 by the API's flexible version) + body, returns the
  // response body (after the response header, whose correlation id is checked). Responses larger
  // than max_response_bytes are refused (errc::protocol_error).
  result<protocol::bytes> round_trip(int16_t api_key, int16_t version, protocol::bytes body);

  // Closes the connection for good: a call() blocked on another thread returns errc::closed at
  // once, and so does every later call. Thread-safe; idempotent.
  void close();
  const broker_client_options& options() const;
  // Bounds the next calls anew, for a caller with one deadline over many calls (the tools'
  // raw_connection). The owning thread only.
  void set_timeouts(std::chrono::milliseconds connect, std::chrono::milliseconds request);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::net
