#include "server/errc.h"

namespace sluice::server {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::invalid_config:
      return "invalid_config";
    case errc::io_error:
      return "io_error";
    case errc::start_failed:
      return "start_failed";
  }
  return "unknown";
}

}  // namespace sluice::server
