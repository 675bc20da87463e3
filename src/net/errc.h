// Errors of the net module, as values: what can go wrong when binding listeners and endpoints.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::net {

enum class errc {
  resolve_failed,    // the listener host name does not resolve
  address_in_use,    // the port is taken
  bind_failed,       // any other bind/listen failure (permission, address not local)
  invalid_argument,  // options that cannot work (no listeners, zero threads)
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::net
