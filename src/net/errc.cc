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
  }
  return "unknown";
}

}  // namespace sluice::net
