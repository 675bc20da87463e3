// Errors of the server module (configuration and start-up), as values.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::server {

enum class errc {
  invalid_config,  // a key has a value that cannot be used; the message names key, value, reason
  io_error,        // a file could not be read
  start_failed,    // a subsystem could not start (a listener port taken, ...)
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::server
