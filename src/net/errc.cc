#include "net/errc.h"

namespace sluice::net {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::resolve_failed:
      return "resolve_failed";
    case errc::address_in_use:
      return "address_in_use";
    case errc::bind_failed:
      return "bind_failed";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::connect_failed:
      return "connect_failed";
    case errc::io_error:
      return "io_error";
    case errc::timed_out:
      return "timed_out";
    case errc::protocol_error:
      return "protocol_error";
    case errc::closed:
      return "closed";
    case errc::auth_failed:
      return "SASL authentication failed";
  }
  return "unknown";
}

}  // namespace sluice::net
