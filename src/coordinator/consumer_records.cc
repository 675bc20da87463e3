// The KIP-848 records of __consumer_offsets (ConsumerGroup* keys and values, Kafka 4.x's formats:
// the key's int16 prefix is the record type, every value is version 0) to and from
// consumer_record.
#include "coordinator/log_records.h"
#include "coordinator/record_codec.h"
#include "protocol/generated/consumer_group_current_member_assignment_key.h"
#include "protocol/generated/consumer_group_current_member_assignment_value.h"
#include "protocol/generated/consumer_group_member_metadata_key.h"
#include "protocol/generated/consumer_group_member_metadata_value.h"
#include "protocol/generated/consumer_group_metadata_key.h"
#include "protocol/generated/consumer_group_metadata_value.h"
#include "protocol/generated/consumer_group_regular_expression_key.h"
#include "protocol/generated/consumer_group_regular_expression_value.h"
#include "protocol/generated/consumer_group_target_assignment_member_key.h"
#include "protocol/generated/consumer_group_target_assignment_member_value.h"
#include "protocol/generated/consumer_group_target_assignment_metadata_key.h"
#include "protocol/generated/consumer_group_target_assignment_metadata_value.h"

namespace sluice::coordinator {

using namespace record_codec;

log_record consumer_group_record(const consumer_record& record, int64_t now_ms) {
  log_record out;
  out.timestamp_ms = now_ms;
  std::visit(
      [&](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<R, group_epoch_record>) {
          out.key = key_bytes(protocol::consumer_group_metadata_key{.group_id = record.group});
          if (r.deleted) return;
          protocol::consumer_group_metadata_value v;
          v.epoch = r.epoch.value();
          v.metadata_hash = r.metadata_hash;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, member_subscription_record>) {
          out.key = key_bytes(protocol::consumer_group_member_metadata_key{
              .group_id = record.group, .member_id = r.member.id});
          if (r.deleted) return;
          protocol::consumer_group_member_metadata_value v;
          v.instance_id = r.member.instance_id;
          v.rack_id = r.member.rack_id;
          v.client_id = r.member.client_id;
          v.client_host = r.member.client_host;
          v.subscribed_topic_names = r.member.subscribed_topic_names;
          v.subscribed_topic_regex = r.member.subscribed_topic_regex;
          v.rebalance_timeout_ms = r.member.rebalance_timeout_ms;
          v.server_assignor = r.member.server_assignor;
          if (r.member.classic) {
            auto& c = v.classic_member_metadata.emplace();
            c.session_timeout_ms = r.member.classic->session_timeout_ms;
            for (const auto& p : r.member.classic->protocols)
              c.supported_protocols.push_back({.name = p.name, .metadata = p.metadata});
          }
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, target_epoch_record>) {
          out.key = key_bytes(
              protocol::consumer_group_target_assignment_metadata_key{.group_id = record.group});
          if (r.deleted) return;
          protocol::consumer_group_target_assignment_metadata_value v;
          v.assignment_epoch = r.assignment_epoch.value();
          v.assignment_timestamp = r.assignment_timestamp;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, regex_record>) {
          out.key = key_bytes(protocol::consumer_group_regular_expression_key{
              .group_id = record.group, .regular_expression = r.regex});
          if (r.deleted) return;
          protocol::consumer_group_regular_expression_value v;
          v.topics.assign(r.topics.begin(), r.topics.end());
          v.version = 0;  // Kafka's metadata image offset; Sluice resolves against its live topics
          v.timestamp = r.timestamp;
          out.value = encode_versioned(v, 0);
        } else if constexpr (std::is_same_v<R, target_member_record>) {
          out.key = key_bytes(protocol::consumer_group_target_assignment_member_key{
              .group_id = record.group, .member_id = r.member_id});
          if (r.deleted) return;
          protocol::consumer_group_target_assignment_member_value v;
          v.topic_partitions = to_wire<decltype(v.topic_partitions)>(r.target);
          out.value = encode_versioned(v, 0);
        } else {
          out.key = key_bytes(protocol::consumer_group_current_member_assignment_key{
              .group_id = record.group, .member_id = r.member_id});
          if (r.deleted) return;
          protocol::consumer_group_current_member_assignment_value v;
          v.member_epoch = r.epoch.value();
          v.previous_member_epoch = r.previous_epoch.value();
          v.state = static_cast<int8_t>(r.state);
          v.assigned_partitions = to_wire<decltype(v.assigned_partitions)>(r.assigned);
          v.partitions_pending_revocation =
              to_wire<decltype(v.partitions_pending_revocation)>(r.pending_revocation);
          out.value = encode_versioned(v, 0);
        }
      },
      record.body);
  return out;
}

std::optional<result<consumer_record>> decode_consumer_record(int16_t type,
                                                              protocol::bytes_view key,
                                                              std::optional<int16_t> value_version,
                                                              protocol::bytes_view value) {
  auto bad_key = [] {
    return result<consumer_record>(fail(errc::malformed_key, "bad ConsumerGroup key"));
  };
  auto bad_value = [] {
    return result<consumer_record>(fail(errc::malformed_value, "bad ConsumerGroup value"));
  };
  const int16_t v = value_version.value_or(0);
  const bool deleted = !value_version;
  switch (type) {
    case 3: {
      auto k = decode_body<protocol::consumer_group_metadata_key>(key, type);
      if (!k) return bad_key();
      group_epoch_record r{.deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_metadata_value>(value, v);
        if (!val) return bad_value();
        r.epoch = group_epoch(val->epoch);
        r.metadata_hash = val->metadata_hash;
      }
      return consumer_record{k->group_id, r};
    }
    case 5: {
      auto k = decode_body<protocol::consumer_group_member_metadata_key>(key, type);
      if (!k) return bad_key();
      member_subscription_record r{.deleted = deleted};
      r.member.id = k->member_id;
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_member_metadata_value>(value, v);
        if (!val) return bad_value();
        r.member.instance_id = non_empty(val->instance_id);
        r.member.rack_id = non_empty(val->rack_id);
        r.member.client_id = val->client_id;
        r.member.client_host = val->client_host;
        r.member.subscribed_topic_names = val->subscribed_topic_names;
        std::sort(r.member.subscribed_topic_names.begin(), r.member.subscribed_topic_names.end());
        r.member.subscribed_topic_regex = non_empty(val->subscribed_topic_regex);
        r.member.rebalance_timeout_ms = val->rebalance_timeout_ms;
        r.member.server_assignor = non_empty(val->server_assignor);
        if (val->classic_member_metadata) {
          auto& c = r.member.classic.emplace();
          c.session_timeout_ms = val->classic_member_metadata->session_timeout_ms;
          for (const auto& p : val->classic_member_metadata->supported_protocols)
            c.protocols.push_back(member_protocol{p.name, p.metadata});
        }
      }
      return consumer_record{k->group_id, r};
    }
    case 6: {
      auto k = decode_body<protocol::consumer_group_target_assignment_metadata_key>(key, type);
      if (!k) return bad_key();
      target_epoch_record r{.deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_target_assignment_metadata_value>(value, v);
        if (!val) return bad_value();
        r.assignment_epoch = group_epoch(val->assignment_epoch);
        r.assignment_timestamp = val->assignment_timestamp;
      }
      return consumer_record{k->group_id, r};
    }
    case 7: {
      auto k = decode_body<protocol::consumer_group_target_assignment_member_key>(key, type);
      if (!k) return bad_key();
      target_member_record r{.member_id = k->member_id, .deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_target_assignment_member_value>(value, v);
        if (!val) return bad_value();
        r.target = from_wire(val->topic_partitions);
      }
      return consumer_record{k->group_id, r};
    }
    case 8: {
      auto k = decode_body<protocol::consumer_group_current_member_assignment_key>(key, type);
      if (!k) return bad_key();
      current_assignment_record r{.member_id = k->member_id, .deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_current_member_assignment_value>(value, v);
        if (!val) return bad_value();
        r.epoch = member_epoch(val->member_epoch);
        r.previous_epoch = member_epoch(val->previous_member_epoch);
        switch (val->state) {
          case 0:
          case 1:
          case 2:
            r.state = static_cast<member_state>(val->state);
            break;
          default:
            r.state = member_state::unknown;
        }
        r.assigned = from_wire(val->assigned_partitions);
        r.pending_revocation = from_wire(val->partitions_pending_revocation);
      }
      return consumer_record{k->group_id, r};
    }
    case 16: {
      auto k = decode_body<protocol::consumer_group_regular_expression_key>(key, type);
      if (!k) return bad_key();
      regex_record r{.regex = k->regular_expression, .deleted = deleted};
      if (!deleted) {
        auto val = decode_body<protocol::consumer_group_regular_expression_value>(value, v);
        if (!val) return bad_value();
        r.topics.insert(val->topics.begin(), val->topics.end());
        r.timestamp = val->timestamp;
      }
      return consumer_record{k->group_id, r};
    }
    default:
      return std::nullopt;
  }
}

}  // namespace sluice::coordinator
