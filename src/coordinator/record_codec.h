// record_codec: the pieces the KIP-848 and KIP-932 record codecs share (consumer_records.cc,
// share_records.cc): a key's bytes (its one version is its record type), assignments to and from
// the wire's topic/partition lists, and bounds-checked decoding of a key or value.
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "coordinator/consumer_group.h"
#include "coordinator/log_records.h"

namespace sluice::coordinator::record_codec {

template <class Key>
protocol::bytes key_bytes(Key key) {
  return encode_versioned(key, Key::min_version);
}

template <class Topics>
Topics to_wire(const partition_assignment& a) {
  Topics out;
  for (const auto& [topic, partitions] : a) {
    auto& t = out.emplace_back();
    t.topic_id = topic;
    t.partitions.assign(partitions.begin(), partitions.end());
  }
  return out;
}

template <class Topics>
partition_assignment from_wire(const Topics& topics) {
  partition_assignment out;
  for (const auto& t : topics)
    if (!t.partitions.empty()) out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
  return out;
}

template <class Message>
std::optional<Message> decode_body(protocol::bytes_view data, int16_t version) {
  protocol::reader r(data);
  Message m;
  if (!m.decode(r, std::clamp<int16_t>(version, Message::min_version, Message::max_version)).ok() ||
      !r.ok())
    return std::nullopt;
  return m;
}

inline std::optional<std::string> non_empty(const std::optional<std::string>& s) {
  return s && !s->empty() ? s : std::nullopt;
}

}  // namespace sluice::coordinator::record_codec
