// request_context and responder: what every handler receives for one request.
//
// request_context: the decoded request header, the connection it came on, the broker's services,
// and the frame that holds the request bytes (decoded `records` fields are views into it, so a
// handler that finishes later keeps `frame` alive). responder: encodes the response header and body
// at the request's version and hands them to the network layer; move it into whatever completes the
// request later (a delayed Fetch, an acks=-1 Produce). Each responder answers exactly once.
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>

#include "net/request_dispatcher.h"
#include "protocol/generated/headers.h"
#include "protocol/wire.h"

namespace sluice::handlers {

struct broker_services;

struct request_context {
  net::connection_ref connection;
  protocol::request_header header;
  std::shared_ptr<const protocol::bytes> frame;
  broker_services& services;

  int16_t api_version() const { return header.request_api_version; }
  const std::string& client_id() const {
    static const std::string none;
    return header.client_id ? *header.client_id : none;
  }
};

class responder {
 public:
  responder(const protocol::request_header& header, net::response_callback done)
      : correlation_id_(header.correlation_id),
        api_key_(header.request_api_key),
        version_(header.request_api_version),
        done_(std::move(done)) {}

  int16_t version() const { return version_; }
  // Answers at another version than requested (ApiVersions falls back to v0 for unknown versions).
  void override_version(int16_t version) { version_ = version; }

  // Encodes `response` at the request's version, after the right response header. With
  // `then_close`, the connection closes once it is written (a failed SASL authentication).
  // The request-time quota (request_percentage) is charged here; over it the response carries
  // the larger throttle time and the connection is muted that long.
  template <class Response>
  void send(const Response& response, bool then_close = false) {
    if (auto t = charge_request_time(); t.count() > 0) {
      throttle_ = std::max(throttle_, t);
      if constexpr (requires(Response & x) { x.throttle_time_ms = 0; }) {
        if (response.throttle_time_ms < t.count()) {
          Response throttled = response;
          throttled.throttle_time_ms = static_cast<int32_t>(t.count());
          return encode(throttled, then_close);
        }
      }
    }
    encode(response, then_close);
  }

  // The request-time quota's hook, set by the dispatcher for the requests Kafka charges: called
  // once, when the response is sent, it records the handler's time and returns the throttle.
  using request_time_charge = std::function<std::chrono::milliseconds()>;
  void charge_request_time_with(request_time_charge charge) { charge_ = std::move(charge); }
  // Kafka exempts some requests of charged APIs (a follower's Fetch): no charge for this one.
  void exempt_from_request_quota() { charge_ = nullptr; }
  // Charges the request time now rather than at send() and returns the throttle (0 when under
  // the quota or not charged): for a handler whose answer depends on it (a throttled Fetch is
  // answered empty, as Kafka's). send() then charges nothing more.
  std::chrono::milliseconds charge_request_time() {
    if (!charge_) return std::chrono::milliseconds(0);
    auto charge = std::move(charge_);
    charge_ = nullptr;
    return charge();
  }

 private:

  template <class Response>
  void encode(const Response& response, bool then_close) {
    protocol::writer w;
    protocol::response_header header;
    header.correlation_id = correlation_id_;
    auto header_version = protocol::response_header_version(api_key_, version_);
    if (auto r = header.encode(w, header_version); !r) return encoding_failed(r.code());
    if (auto r = response.encode(w, version_); !r) return encoding_failed(r.code());
    auto out = net::outbound_response::with(std::move(w));
    out.throttle = throttle_;
    out.close_connection = then_close;
    done_(std::move(out));
  }

 public:
  // No response at all (Produce with acks=0: exempt from the request quota, as in Kafka).
  void send_nothing() {
    auto r = net::outbound_response::none();
    r.throttle = throttle_;
    done_(std::move(r));
  }
  // A client quota was violated: the network layer mutes the connection this long after the
  // response (which carries the time in its throttle_time_ms).
  void throttle(std::chrono::milliseconds ms) { throttle_ = ms; }
  // Close the connection without answering (what Kafka does for requests it cannot parse).
  void close() { done_(net::outbound_response::close()); }

 private:
  void encoding_failed(protocol::errc e) {
    spdlog::error("cannot encode response to api {} v{}: {} (closing the connection)", api_key_,
                  version_, protocol::to_string(e));
    close();
  }

  int32_t correlation_id_;
  int16_t api_key_;
  int16_t version_;
  std::chrono::milliseconds throttle_{0};
  request_time_charge charge_;
  net::response_callback done_;
};

}  // namespace sluice::handlers
