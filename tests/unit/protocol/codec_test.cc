// Behaviour of the generated codec beyond round trips: version checks, fields a version lacks
// (ignorable or not), null where a version forbids it, tagged fields written only when set,
// header versions, the API table and the error-code names.
#include <gtest/gtest.h>

#include <set>

#include "protocol/error_code.h"
#include "protocol/generated/api_table.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/consumer_protocol_subscription.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/headers.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/offset_commit_value.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/share_fetch.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::protocol {
namespace {

template <class T>
bytes encode_ok(const T& m, int16_t version) {
  writer w;
  auto r = m.encode(w, version);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : to_string(r.code()));
  return w.take_buffer();
}

TEST(codec, versions_outside_the_valid_range_are_unsupported) {
  produce_request p;
  writer w;
  EXPECT_EQ(p.encode(w, produce_request::max_version + 1).code(), errc::unsupported_version);
  EXPECT_EQ(p.encode(w, -1).code(), errc::unsupported_version);
  bytes empty;
  reader r(empty);
  EXPECT_EQ(p.decode(r, produce_request::max_version + 1).code(), errc::unsupported_version);
}

TEST(codec, non_ignorable_field_missing_from_the_version_is_an_error) {
  produce_request p;
  p.transactional_id = "txn";  // exists from v3
  writer w;
  auto r = p.encode(w, 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::field_not_in_version);
  EXPECT_EQ(r.message(), "transactional_id");
  EXPECT_TRUE(p.encode(w, 3).ok());
  p.transactional_id.reset();  // the default: fine at any version
  writer w2;
  EXPECT_TRUE(p.encode(w2, 2).ok());
}

TEST(codec, ignorable_field_missing_from_the_version_is_dropped) {
  fetch_request f;
  f.max_bytes = 1234;  // ignorable, exists from v3
  fetch_request plain;
  EXPECT_EQ(encode_ok(f, 2), encode_ok(plain, 2));
  EXPECT_NE(encode_ok(f, 3), encode_ok(plain, 3));
}

TEST(codec, null_where_the_version_forbids_it) {
  metadata_request m;
  m.topics.reset();  // null means "all topics" from v1; v0 has no null
  writer w;
  EXPECT_EQ(m.encode(w, 0).code(), errc::invalid_value);
  EXPECT_TRUE(m.encode(w, 1).ok());
  const bytes v0_null = {0xff, 0xff, 0xff, 0xff};
  reader r(v0_null);
  metadata_request back;
  EXPECT_EQ(back.decode(r, 0).code(), errc::invalid_value);
}

TEST(codec, defaults_come_from_the_schema) {
  fetch_request f;
  EXPECT_EQ(f.replica_id, -1);
  EXPECT_EQ(f.max_bytes, 0x7fffffff);
  EXPECT_EQ(f.session_epoch, -1);
  EXPECT_FALSE(f.cluster_id.has_value());  // "null"
  metadata_request m;
  EXPECT_TRUE(m.allow_auto_topic_creation);
  ASSERT_TRUE(m.topics.has_value());  // nullable but defaults to empty, not null
  offset_commit_value v;
  EXPECT_EQ(v.leader_epoch, -1);
  EXPECT_EQ(v.expire_timestamp, -1);
  consumer_group_heartbeat_response hb;
  EXPECT_FALSE(hb.assignment.has_value());
}

TEST(codec, absent_fields_decode_to_their_defaults) {
  fetch_request f;
  f.max_wait_ms = 10;
  const bytes v2 = encode_ok(f, 2);
  fetch_request back;
  back.max_bytes = 5;  // decode resets whatever was there
  reader r(v2);
  ASSERT_TRUE(back.decode(r, 2).ok());
  EXPECT_EQ(back.max_bytes, 0x7fffffff);
  EXPECT_EQ(back.max_wait_ms, 10);
}

TEST(codec, tagged_fields_are_written_only_when_not_default) {
  api_versions_response a;
  const size_t plain = encode_ok(a, 3).size();
  a.finalized_features_epoch = 7;  // tag 1, default -1
  const bytes tagged = encode_ok(a, 3);
  EXPECT_EQ(tagged.size(), plain + 1 + 1 + 8);  // tag, size, int64
  api_versions_response back;
  reader r(tagged);
  ASSERT_TRUE(back.decode(r, 3).ok());
  EXPECT_EQ(back.finalized_features_epoch, 7);
  // At v2 there is no tagged section; the field is ignorable, so it is dropped.
  EXPECT_EQ(encode_ok(a, 2), encode_ok(api_versions_response{}, 2));
}

TEST(codec, unknown_tags_are_merged_in_tag_order) {
  fetch_request f;
  f.cluster_id = "c";  // tag 0
  f.unknown_tags.push_back({7, {0x01}});
  const bytes wire = encode_ok(f, 12);
  // The last bytes: count 2, tag 0 (size 2, compact "c"), tag 7 (size 1).
  const bytes tail(wire.end() - 8, wire.end());
  EXPECT_EQ(tail, (bytes{0x02, 0x00, 0x02, 0x02, 'c', 0x07, 0x01, 0x01}));
  fetch_request back;
  reader r(wire);
  ASSERT_TRUE(back.decode(r, 12).ok());
  EXPECT_EQ(back, f);
}

TEST(codec, unknown_tags_cannot_go_to_a_version_without_tags) {
  fetch_request f;
  f.unknown_tags.push_back({7, {0x01}});
  writer w;
  EXPECT_EQ(f.encode(w, 11).code(), errc::field_not_in_version);
}

TEST(codec, nullable_struct_uses_a_marker_byte) {
  consumer_group_heartbeat_response hb;
  const bytes null_form = encode_ok(hb, 0);
  hb.assignment.emplace();
  const bytes set_form = encode_ok(hb, 0);
  // null: -1 marker; present: 1 marker, an empty compact array, the struct's tag section.
  EXPECT_EQ(set_form.size(), null_form.size() + 2);
  EXPECT_EQ(null_form[null_form.size() - 2], 0xff);
  consumer_group_heartbeat_response back;
  reader r(set_form);
  ASSERT_TRUE(back.decode(r, 0).ok());
  EXPECT_TRUE(back.assignment.has_value());
}

TEST(codec, data_messages_have_versions_but_no_api_key) {
  consumer_protocol_subscription s;
  s.topics = {"a", "b"};
  s.user_data = bytes{1, 2};
  const bytes wire = encode_ok(s, 1);
  consumer_protocol_subscription back;
  reader r(wire);
  ASSERT_TRUE(back.decode(r, 1).ok());
  EXPECT_EQ(back, s);
  static_assert(consumer_protocol_subscription::min_version == 0);
}

TEST(headers, header_versions) {
  EXPECT_EQ(request_header_version(0, 8), 1);  // Produce v8
  EXPECT_EQ(request_header_version(0, 9), 2);  // Produce v9: flexible
  EXPECT_EQ(request_header_version(7, 0), 0);  // ControlledShutdown v0
  EXPECT_EQ(request_header_version(7, 1), 1);
  EXPECT_EQ(request_header_version(18, 3), 2);  // ApiVersions v3 request: flexible
  EXPECT_EQ(request_header_version(18, 9), 2);  // a future ApiVersions is flexible too
  EXPECT_EQ(request_header_version(999, 0), 1);
  EXPECT_EQ(response_header_version(0, 9), 1);
  EXPECT_EQ(response_header_version(0, 8), 0);
  EXPECT_EQ(response_header_version(18, 3), 0);  // ApiVersions responses: always v0
  EXPECT_EQ(response_header_version(18, 4), 0);
}

TEST(headers, client_id_keeps_the_classic_string_in_header_v2) {
  request_header h;
  h.request_api_key = 18;
  h.request_api_version = 3;
  h.correlation_id = 1;
  h.client_id = "ab";
  EXPECT_EQ(encode_ok(h, 2),
            (bytes{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 'a', 'b', 0x00}));
  h.client_id.reset();
  EXPECT_EQ(encode_ok(h, 1), (bytes{0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff}));
  response_header rh;
  rh.correlation_id = 5;
  EXPECT_EQ(encode_ok(rh, 0), (bytes{0x00, 0x00, 0x00, 0x05}));
  EXPECT_EQ(encode_ok(rh, 1), (bytes{0x00, 0x00, 0x00, 0x05, 0x00}));
}

// The codec is Kafka 3.9's schemas merged with 4.4's (tools/codegen/merge.py): every version of
// each, fields of both, the newer names.
TEST(codec, merged_schemas_keep_both_generations) {
  // ListOffsets v0's max_num_offsets (gone in 4.x) and v11's timeout_ms (new in 4.x).
  list_offsets_request old_style;
  old_style.topics.emplace_back().partitions.emplace_back().max_num_offsets = 5;
  writer w0;
  EXPECT_TRUE(old_style.encode(w0, 0).ok());
  EXPECT_EQ(old_style.encode(w0, 1).code(), errc::field_not_in_version);
  list_offsets_request new_style;
  new_style.timeout_ms = 100;
  writer w11;
  EXPECT_TRUE(new_style.encode(w11, 11).ok());
  // TxnOffsetCommit's GenerationId became GenerationIdOrMemberEpoch: one field, at v3 as at v5.
  txn_offset_commit_request txn;
  txn.generation_id_or_member_epoch = 7;
  for (int16_t v : {3, 5}) {
    writer w;
    ASSERT_TRUE(txn.encode(w, v).ok());
    reader r(w.buffer());
    txn_offset_commit_request back;
    ASSERT_TRUE(back.decode(r, v).ok());
    EXPECT_EQ(back.generation_id_or_member_epoch, 7);
  }
  // 3.9's early-access share-group v0 is not kept; 4.x's v1+ is.
  EXPECT_EQ(share_fetch_request::min_version, 1);
  // ListClientMetricsResources (74) is ListConfigResources in 4.x: one API under the new name.
  EXPECT_EQ(find_api(74)->name, "ListConfigResources");
  EXPECT_EQ(find_api(74)->min_version, 0);
}

TEST(api_table, lookups) {
  const api_info* produce = find_api(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_EQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);   // Kafka 3.9's floor
  EXPECT_EQ(produce->max_version, 13);  // Kafka 4.4's ceiling
  EXPECT_EQ(produce->flexible_from, 9);
  EXPECT_TRUE(produce->has_listener(api_listener::broker));
  EXPECT_TRUE(produce->has_listener(api_listener::zk_broker));
  EXPECT_FALSE(produce->has_listener(api_listener::controller));
  const api_info* leader_and_isr = find_api(4);
  ASSERT_NE(leader_and_isr, nullptr);
  EXPECT_EQ(leader_and_isr->listeners, static_cast<uint8_t>(api_listener::zk_broker));
  EXPECT_EQ(find_api(18)->name, "ApiVersions");
  EXPECT_EQ(find_api(-1), nullptr);
  EXPECT_EQ(find_api(1000), nullptr);

  std::set<int16_t> keys;
  int16_t previous = -1;
  for (const api_info& api : all_apis()) {
    EXPECT_GT(api.api_key, previous);
    previous = api.api_key;
    EXPECT_EQ(find_api(api.api_key), &api);
    EXPECT_LE(api.min_version, api.max_version);
    EXPECT_NE(api.listeners, 0);
    keys.insert(api.api_key);
  }
  EXPECT_GE(keys.size(), 80u);
  EXPECT_EQ(produce_request::max_version, produce->max_version);
}

TEST(error_codes, names_and_numbers) {
  EXPECT_EQ(static_cast<int16_t>(error_code::unknown_server_error), -1);
  EXPECT_EQ(static_cast<int16_t>(error_code::none), 0);
  EXPECT_EQ(static_cast<int16_t>(error_code::not_leader_or_follower), 6);
  EXPECT_EQ(static_cast<int16_t>(error_code::unsupported_version), 35);
  EXPECT_EQ(static_cast<int16_t>(error_code::voter_not_found), 127);
  EXPECT_EQ(static_cast<int16_t>(error_code::invalid_regular_expression), 128);  // Kafka 4.0
  EXPECT_EQ(error_name(error_code::invalid_regular_expression), "INVALID_REGULAR_EXPRESSION");
  EXPECT_EQ(error_name(error_code::not_leader_or_follower), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(error_name(error_code::unknown_server_error), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(error_name(error_code::none), "NONE");
  EXPECT_EQ(error_name(static_cast<error_code>(500)), "UNKNOWN");
  EXPECT_EQ(error_name(static_cast<error_code>(-2)), "UNKNOWN");
  EXPECT_EQ(error_name(error_code::rebootstrap_required), "REBOOTSTRAP_REQUIRED");  // KIP-1242
  EXPECT_EQ(error_name(error_code::share_session_limit_reached), "SHARE_SESSION_LIMIT_REACHED");
  EXPECT_TRUE(is_known_error_code(133));
  EXPECT_FALSE(is_known_error_code(134));
}

}  // namespace
}  // namespace sluice::protocol
