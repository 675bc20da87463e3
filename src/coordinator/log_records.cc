#include "coordinator/log_records.h"

#include <algorithm>

#include "protocol/generated/group_metadata_key.h"
#include "protocol/generated/offset_commit_key.h"
#include "protocol/generated/offset_commit_value.h"

namespace sluice::coordinator {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::malformed_key:
      return "malformed record key";
    case errc::malformed_value:
      return "malformed record value";
  }
  return "unknown coordinator error";
}

namespace {

protocol::bytes offset_key_bytes(std::string_view group, const topic_partition& tp) {
  protocol::offset_commit_key key;
  key.group = std::string(group);
  key.topic = tp.topic;
  key.partition = tp.partition;
  return encode_versioned(key, offset_commit_key_version);
}

protocol::bytes group_key_bytes(std::string_view group) {
  protocol::group_metadata_key key;
  key.group = std::string(group);
  return encode_versioned(key, group_metadata_key_version);
}

// Decodes `data` (after its version prefix) as `Message` at `version`, clamped to the newest
// version we know. Trailing bytes are tolerated: newer writers may append fields.
template <class Message>
std::optional<Message> decode_at(protocol::bytes_view data, int16_t version) {
  if (version < Message::min_version) return std::nullopt;
  version = std::min<int16_t>(version, Message::max_version);
  protocol::reader r(data);
  Message m;
  if (!m.decode(r, version).ok() || !r.ok()) return std::nullopt;
  return m;
}

}  // namespace

log_record offset_commit_record(std::string_view group, const topic_partition& tp,
                                const committed_offset& value, int64_t now_ms) {
  protocol::offset_commit_value v;
  v.offset = value.offset;
  v.leader_epoch = value.leader_epoch.value_or(-1);
  v.metadata = value.metadata;
  v.commit_timestamp = value.commit_timestamp;
  v.expire_timestamp = value.expire_timestamp.value_or(-1);
  // Version 1 is the only one with an expire timestamp; Kafka 3.9 writes 3 otherwise.
  int16_t version = value.expire_timestamp ? 1 : 3;
  return log_record{offset_key_bytes(group, tp), encode_versioned(v, version), now_ms};
}

log_record offset_commit_tombstone(std::string_view group, const topic_partition& tp,
                                   int64_t now_ms) {
  return log_record{offset_key_bytes(group, tp), std::nullopt, now_ms};
}

log_record group_metadata_record(std::string_view group,
                                 const protocol::group_metadata_value& value, int64_t now_ms) {
  return log_record{group_key_bytes(group), encode_versioned(value, group_metadata_value_version),
                    now_ms};
}

log_record group_metadata_tombstone(std::string_view group, int64_t now_ms) {
  return log_record{group_key_bytes(group), std::nullopt, now_ms};
}

result<decoded_record> decode_record(protocol::bytes_view key,
                                     std::optional<protocol::bytes_view> value) {
  protocol::reader kr(key);
  int16_t key_version = kr.read_int16();
  if (!kr.ok()) return fail(errc::malformed_key, "key shorter than its version");

  std::optional<int16_t> value_version;
  protocol::bytes_view value_body;
  if (value) {
    protocol::reader vr(*value);
    value_version = vr.read_int16();
    if (!vr.ok()) return fail(errc::malformed_value, "value shorter than its version");
    value_body = vr.rest();
  }

  if (key_version == 0 || key_version == 1) {
    auto k = decode_at<protocol::offset_commit_key>(kr.rest(), key_version);
    if (!k) return fail(errc::malformed_key, "bad OffsetCommitKey");
    offset_commit_entry entry{k->group, topic_partition{k->topic, k->partition}, std::nullopt};
    if (value_version) {
      auto v = decode_at<protocol::offset_commit_value>(value_body, *value_version);
      if (!v) return fail(errc::malformed_value, "bad OffsetCommitValue");
      committed_offset c;
      c.offset = v->offset;
      if (v->leader_epoch >= 0) c.leader_epoch = v->leader_epoch;
      c.metadata = v->metadata;
      c.commit_timestamp = v->commit_timestamp;
      if (*value_version == 1 && v->expire_timestamp != -1)
        c.expire_timestamp = v->expire_timestamp;
      entry.value = std::move(c);
    }
    return decoded_record{std::move(entry)};
  }
  if (key_version == 2) {
    auto k = decode_at<protocol::group_metadata_key>(kr.rest(), key_version);
    if (!k) return fail(errc::malformed_key, "bad GroupMetadataKey");
    group_metadata_entry entry{k->group, std::nullopt};
    if (value_version) {
      auto v = decode_at<protocol::group_metadata_value>(value_body, *value_version);
      if (!v) return fail(errc::malformed_value, "bad GroupMetadataValue");
      entry.value = std::move(*v);
    }
    return decoded_record{std::move(entry)};
  }
  if (key_version < 0) return fail(errc::malformed_key, "negative key version");
  if (auto consumer = decode_consumer_record(key_version, kr.rest(), value_version, value_body)) {
    if (!*consumer) return consumer->error();
    return decoded_record{std::move(**consumer)};
  }
  if (auto share = decode_share_record(key_version, kr.rest(), value_version, value_body)) {
    if (!*share) return share->error();
    return decoded_record{std::move(**share)};
  }
  return decoded_record{foreign_entry{key_version}};
}

}  // namespace sluice::coordinator
