// not_implemented_dispatcher: the stand-in request_dispatcher until the handlers land. It logs
// each request (API key, version, correlation id, client) and closes the connection, which is
// what Kafka does for requests it cannot serve. Network threads call it; it keeps no state.
#pragma once

#include "net/request_dispatcher.h"

namespace sluice::server {

class not_implemented_dispatcher final : public net::request_dispatcher {
 public:
  void dispatch(const net::connection_ref& connection, protocol::bytes frame,
                net::response_callback done) override;
};

}  // namespace sluice::server
