// Errors of the net module, as values: what can go wrong when binding listeners and endpoints, and
// when talking to another broker (broker_client).
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::net {

enum class errc {
  resolve_failed,    // the listener (or peer) host name does not resolve
  address_in_use,    // the port is taken
  bind_failed,       // any other bind/listen failure (permission, address not local)
  invalid_argument,  // options that cannot work (no listeners, zero threads)
  connect_failed,    // broker_client: the peer refused or did not answer the connect in time
  io_error,          // broker_client: the connection broke while sending or receiving
  timed_out,         // broker_client: no whole response within the request timeout
  protocol_error,    // broker_client: a request that does not encode or a response that does not
                     // decode (bad size, wrong correlation id)
  closed,            // broker_client: close() was called
  auth_failed,       // broker_client: the peer refused our SASL authentication
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::net
