// Errors of the command-line tools, as values: what failed (errc) and a one-line message that a
// tool prints as it is. Kafka error codes from the broker stay inside the message; tools decide the
// exit code.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::cli {

enum class errc {
  usage,           // the command line is wrong
  invalid_input,   // a file or a value the user gave cannot be used
  io,              // a local file could not be read or written
  unreachable,     // no broker answered
  timed_out,       // a broker was reached but the operation did not finish in time
  broker,          // the broker answered with an error
  not_found,       // the topic, group or partition does not exist
  already_exists,  // the topic or group exists already
  unsupported,     // the broker does not implement the request
  internal,        // the client library failed for a reason of its own
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::cli
