// feature_gates: the group protocols a finalized feature turns on, as Kafka 4.x gates them —
// KIP-848's consumer groups by group.version >= 1, KIP-932's share groups by share.version >= 1
// (cluster/features.h). A heartbeat of a protocol that is off is answered UNSUPPORTED_VERSION;
// Sluice adds a message naming the feature to finalize, where Kafka sends none.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cluster/features.h"
#include "cluster/metadata_store.h"
#include "protocol/error_code.h"

namespace sluice::handlers {

// The message to refuse with when `feature` is not finalized at level 1 or more, else nullopt.
inline std::optional<std::string> feature_disabled(const cluster::metadata_store& metadata,
                                                   std::string_view feature,
                                                   std::string_view protocol) {
  if (metadata.features().level(feature) >= 1) return std::nullopt;
  return std::string(protocol) + " is not enabled: finalize " + std::string(feature) +
         " at level 1 (kafka-features.sh upgrade --feature " + std::string(feature) + "=1).";
}

// The heartbeat response that refuses it (UNSUPPORTED_VERSION and the message), else nullopt.
template <class Response>
std::optional<Response> refuse_if_disabled(const cluster::metadata_store& metadata,
                                           std::string_view feature, std::string_view protocol) {
  auto off = feature_disabled(metadata, feature, protocol);
  if (!off) return std::nullopt;
  Response out;
  out.error_code = static_cast<int16_t>(protocol::error_code::unsupported_version);
  out.error_message = std::move(*off);
  return out;
}

}  // namespace sluice::handlers
