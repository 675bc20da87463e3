// Errors of the coordinator module that are not Kafka responses: bad bytes found while replaying
// __consumer_offsets. (Request outcomes are Kafka error codes in the responses themselves — the
// coordinator sits at the wire boundary.)
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::coordinator {

enum class errc {
  malformed_key,    // a record key that does not decode (or has no key at all)
  malformed_value,  // a value that does not decode at its version
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::coordinator
