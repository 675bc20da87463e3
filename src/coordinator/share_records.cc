// The KIP-932 records of __consumer_offsets (ShareGroup* keys and values 10-15, Kafka 4.x's
// formats: the key's int16 prefix is the record type, every value is version 0) to and from
// share_record.
#include "coordinator/log_records.h"
#include "coordinator/record_codec.h"
#include "protocol/generated/share_group_current_member_assignment_key.h"
#include "protocol/generated/share_group_current_member_assignment_value.h"
#include "protocol/generated/share_group_member_metadata_key.h"
#include "protocol/generated/share_group_member_metadata_value.h"
#include "protocol/generated/share_group_metadata_key.h"
#include "protocol/generated/share_group_metadata_value.h"
#include "protocol/generated/share_group_state_partition_metadata_key.h"
#include "protocol/generated/share_group_state_partition_metadata_value.h"
#include "protocol/generated/share_group_target_assignment_member_key.h"
#include "protocol/generated/share_group_target_assignment_member_value.h"
#include "protocol/generated/share_group_target_assignment_metadata_key.h"
#include "protocol/generated/share_group_target_assignment_metadata_value.h"

namespace sluice::coordinator {

using namespace record_codec;

log_record share_group_record(const share_record& record, int64_t now_ms) {
  log_record out;
  out.timestamp_ms = now_ms;
  const std::string& group = record.group;
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, share_epoch_record>) {
          out.key = key_bytes(protocol::share_group_metadata_key{.group_id = group});
          if (r.deleted) return;
          protocol::share_group_metadata_value v;
          v.epoch = r.epoch;
          v.metadata_hash = r.metadata_hash;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, share_member_record>) {
          out.key = key_bytes(protocol::share_group_member_metadata_key{.group_id = group,
                                                                        .member_id = r.member.id});
          if (r.deleted) return;
          protocol::share_group_member_metadata_value v;
          v.rack_id = r.member.rack_id;
          v.client_id = r.member.client_id;
          v.client_host = r.member.client_host;
          v.subscribed_topic_names = r.member.subscribed_topic_names;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, share_target_epoch_record>) {
          out.key =
              key_bytes(protocol::share_group_target_assignment_metadata_key{.group_id = group});
          if (r.deleted) return;
          protocol::share_group_target_assignment_metadata_value v;
          v.assignment_epoch = r.assignment_epoch;
          v.assignment_timestamp = r.assignment_timestamp;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, share_target_member_record>) {
          out.key = key_bytes(protocol::share_group_target_assignment_member_key{
              .group_id = group, .member_id = r.member_id});
          if (r.deleted) return;
          protocol::share_group_target_assignment_member_value v;
          v.topic_partitions = to_wire<decltype(v.topic_partitions)>(r.target);
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, share_current_assignment_record>) {
          out.key = key_bytes(protocol::share_group_current_member_assignment_key{
              .group_id = group, .member_id = r.member_id});
          if (r.deleted) return;
          protocol::share_group_current_member_assignment_value v;
          v.member_epoch = r.epoch;
          v.previous_member_epoch = r.previous_epoch;
          v.state = 0;  // stable: a share member never has partitions to revoke
          v.assigned_partitions = to_wire<decltype(v.assigned_partitions)>(r.assigned);
          out.value = encode_versioned(v, 0);
        } else {
          out.key =
              key_bytes(protocol::share_group_state_partition_metadata_key{.group_id = group});
          if (r.deleted) return;
          protocol::share_group_state_partition_metadata_value v;
          for (const auto& t : r.initialized)
            v.initialized_topics.push_back(
                {.topic_id = t.id, .topic_name = t.name, .partitions = t.partitions});
          out.value = encode_versioned(v, 0);
        }
      },
      record.body);
  return out;
}

std::optional<result<share_record>> decode_share_record(int16_t type, protocol::bytes_view key,
                                                        std::optional<int16_t> value_version,
                                                        protocol::bytes_view value) {
  auto bad_key = [] {
    return result<share_record>(fail(errc::malformed_key, "bad ShareGroup key"));
  };
  auto bad_value = [] {
    return result<share_record>(fail(errc::malformed_value, "bad ShareGroup value"));
  };
  const int16_t v = value_version.value_or(0);
  const bool deleted = !value_version;
  switch (type) {
    case 10: {
      auto k = decode_body<protocol::share_group_member_metadata_key>(key, type);
      if (!k) return bad_key();
      share_member_record r{.deleted = deleted};
      r.member.id = k->member_id;
      if (!deleted) {
        auto val = decode_body<protocol::share_group_member_metadata_value>(value, v);
        if (!val) return bad_value();
        r.member.rack_id = non_empty(val->rack_id);
        r.member.client_id = val->client_id;
        r.member.client_host = val->client_host;
        r.member.subscribed_topic_names = val->subscribed_topic_names;
        std::sort(r.member.subscribed_topic_names.begin(), r.member.subscribed_topic_names.end());
      }
      return share_record{k->group_id, r};
    }
    case 11: {
      auto k = decode_body<protocol::share_group_metadata_key>(key, type);
      if (!k) return bad_key();
      share_epoch_record r{.deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::share_group_metadata_value>(value, v);
        if (!val) return bad_value();
        r.epoch = val->epoch;
        r.metadata_hash = val->metadata_hash;
      }
      return share_record{k->group_id, r};
    }
    case 12: {
      auto k = decode_body<protocol::share_group_target_assignment_metadata_key>(key, type);
      if (!k) return bad_key();
      share_target_epoch_record r{.deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::share_group_target_assignment_metadata_value>(value, v);
        if (!val) return bad_value();
        r.assignment_epoch = val->assignment_epoch;
        r.assignment_timestamp = val->assignment_timestamp;
      }
      return share_record{k->group_id, r};
    }
    case 13: {
      auto k = decode_body<protocol::share_group_target_assignment_member_key>(key, type);
      if (!k) return bad_key();
      share_target_member_record r{.member_id = k->member_id, .deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::share_group_target_assignment_member_value>(value, v);
        if (!val) return bad_value();
        r.target = from_wire(val->topic_partitions);
      }
      return share_record{k->group_id, r};
    }
    case 14: {
      auto k = decode_body<protocol::share_group_current_member_assignment_key>(key, type);
      if (!k) return bad_key();
      share_current_assignment_record r{.member_id = k->member_id, .deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::share_group_current_member_assignment_value>(value, v);
        if (!val) return bad_value();
        r.epoch = val->member_epoch;
        r.previous_epoch = val->previous_member_epoch;
        r.assigned = from_wire(val->assigned_partitions);
      }
      return share_record{k->group_id, r};
    }
    case 15: {
      auto k = decode_body<protocol::share_group_state_partition_metadata_key>(key, type);
      if (!k) return bad_key();
      share_topics_record r{.deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::share_group_state_partition_metadata_value>(value, v);
        if (!val) return bad_value();
        // Topics still initializing have state being written: they count as seen too.
        for (const auto* list : {&val->initialized_topics, &val->initializing_topics})
          for (const auto& t : *list)
            r.initialized.push_back({t.topic_id, t.topic_name, t.partitions});
      }
      return share_record{k->group_id, r};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace sluice::coordinator
