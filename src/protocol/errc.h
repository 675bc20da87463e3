// Errors of the protocol module (decoding and encoding), as values. The network layer maps them to
// Kafka's wire behaviour: a frame that does not decode closes the connection or gets
// INVALID_REQUEST.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sluice::protocol {

enum class errc {
  truncated,             // the buffer ended inside a field
  invalid_length,        // a length or count is negative (and not null) or larger than what is left
  invalid_varint,        // a varint longer than its type allows
  invalid_value,         // a field holds a value the format forbids (e.g. null where not nullable)
  unsupported_version,   // the message does not exist at this version
  unknown_api,           // no such API key
  field_not_in_version,  // encode: a non-ignorable field has a non-default value at a version
                         // lacking it
  corrupt,               // checksum mismatch or malformed record batch
  unsupported_compression,
  compression_failed,
};

std::string_view to_string(errc e);

template <class T>
using result = sluice::result<T, errc>;

}  // namespace sluice::protocol
