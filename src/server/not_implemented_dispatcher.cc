#include "server/not_implemented_dispatcher.h"

#include <spdlog/spdlog.h>

namespace sluice::server {

void not_implemented_dispatcher::dispatch(const net::connection_ref& connection,
                                          protocol::bytes frame, net::response_callback done) {
  protocol::reader r(frame);
  int16_t api_key = r.read_int16();
  int16_t api_version = r.read_int16();
  int32_t correlation_id = r.read_int32();
  if (r.ok()) {
    spdlog::warn(
        "API not implemented yet: api_key={} api_version={} correlation_id={} from {}; closing "
        "the connection",
        api_key, api_version, correlation_id, connection->client_address());
  } else {
    spdlog::warn("undecodable request header ({} bytes) from {}; closing the connection",
                 frame.size(), connection->client_address());
  }
  done(net::outbound_response::close());
}

}  // namespace sluice::server
