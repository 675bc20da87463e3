// Errors of the transaction module that are not Kafka responses: bad bytes found while replaying
// __transaction_state. (Request outcomes are Kafka error codes in the responses: the coordinator
// sits at the wire boundary, like the group coordinator.)
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::transaction {

enum class errc {
  malformed_key,    // a record key that does not decode (or no key at all)
  malformed_value,  // a value that does not decode, or at a version Kafka 3.9 does not know
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::transaction
