// dispatcher: the broker's net::request_dispatcher. Decodes the request header, finds the handler
// for the API key and version, and calls it with the rest of the frame. What Kafka does with
// requests it cannot serve, this does too: an unknown API key, an unsupported version (except
// ApiVersions, which is answered in v0 with UNSUPPORTED_VERSION and the supported range) or an
// undecodable header close the connection, with a log line naming the client.
// Runs on network threads; holds no per-connection state. Handlers marked blocking in the
// registry run on `workers` instead (when given).
#pragma once

#include "handlers/broker_services.h"
#include "handlers/request_workers.h"
#include "net/request_dispatcher.h"

namespace sluice::handlers {

class dispatcher final : public net::request_dispatcher {
 public:
  explicit dispatcher(broker_services& services, request_workers* workers = nullptr)
      : services_(services), workers_(workers) {}

  void dispatch(const net::connection_ref& connection, net::request_frame frame,
                net::response_callback done) override;

 private:
  broker_services& services_;
  request_workers* workers_;
};

}  // namespace sluice::handlers
