// Module errors → Kafka error codes, at the wire boundary only.
#pragma once

#include <optional>

#include "cluster/errc.h"
#include "protocol/error_code.h"
#include "replication/errc.h"

namespace sluice::handlers {

protocol::error_code to_kafka(cluster::errc e);
protocol::error_code to_kafka(replication::errc e);
inline int16_t code_of(const std::optional<replication::errc>& e) {
  return e ? static_cast<int16_t>(to_kafka(*e)) : 0;
}

inline int16_t code_of(protocol::error_code e) {
  return static_cast<int16_t>(e);
}

}  // namespace sluice::handlers
