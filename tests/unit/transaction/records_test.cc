// The __transaction_state record formats, byte for byte against examples written by hand from
// TransactionLogKey/TransactionLogValue.json, and the state names and transitions.
#include <gtest/gtest.h>

#include "transaction/log_records.h"

namespace sluice::transaction {
namespace {

using bytes = protocol::bytes;

txn_entry decode_ok(const log_record& r) {
  std::optional<protocol::bytes_view> value;
  if (r.value) value = protocol::bytes_view(*r.value);
  auto decoded = decode_txn_record(r.key, value);
  EXPECT_TRUE(decoded.ok());
  if (!decoded.ok()) return {};
  return std::get<txn_entry>(*decoded);
}

TEST(records, an_ongoing_transaction_is_value_v0_byte_for_byte) {
  txn_record v;
  v.pid = producer_id{1000};
  v.epoch = producer_epoch{2};
  v.timeout_ms = 60'000;
  v.state = txn_state::ongoing;
  v.partitions = {{"a", 1}, {"a", 0}};
  v.last_update_ms = 5000;
  v.start_ms = 4000;
  auto r = txn_log_record("t", v, 77);
  // TransactionLogKey v0: version, transactional id.
  EXPECT_EQ(r.key, (bytes{0x00, 0x00, 0x00, 0x01, 't'}));
  EXPECT_EQ(*r.value, (bytes{0x00, 0x00,                                      // version 0
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xE8,  // producer id
                             0x00, 0x02,                                      // epoch
                             0x00, 0x00, 0xEA, 0x60,                          // timeout
                             0x01,                                            // Ongoing
                             0x00, 0x00, 0x00, 0x01,                          // one topic
                             0x00, 0x01, 'a',                                 //
                             0x00, 0x00, 0x00, 0x02,                          // two partitions
                             0x00, 0x00, 0x00, 0x00,                          //
                             0x00, 0x00, 0x00, 0x01,                          //
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x88,  // last update
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F, 0xA0}));
  EXPECT_EQ(r.timestamp_ms, 77);
  auto entry = decode_ok(r);
  EXPECT_EQ(entry.transactional_id, "t");
  ASSERT_TRUE(entry.value);
  EXPECT_EQ(*entry.value, v);
}

TEST(records, an_empty_state_writes_null_partitions) {
  txn_record v;
  v.pid = producer_id{1};
  v.epoch = producer_epoch{0};
  v.timeout_ms = 1;
  v.state = txn_state::empty;
  v.last_update_ms = 2;
  v.start_ms = -1;
  auto r = txn_log_record("t", v, 0);
  EXPECT_EQ(*r.value, (bytes{0x00, 0x00,                                   //
                             0,    0,    0,    0,    0,    0,    0,    1,  //
                             0x00, 0x00,                                   //
                             0x00, 0x00, 0x00, 0x01,                       //
                             0x00,                                         // Empty
                             0xFF, 0xFF, 0xFF, 0xFF,                       // null array
                             0,    0,    0,    0,    0,    0,    0,    2,  //
                             0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(*decode_ok(r).value, v);
}

TEST(records, a_tombstone_has_the_key_and_no_value) {
  auto r = txn_log_tombstone("xy", 9);
  EXPECT_EQ(r.key, (bytes{0x00, 0x00, 0x00, 0x02, 'x', 'y'}));
  EXPECT_FALSE(r.value);
  auto entry = decode_ok(r);
  EXPECT_EQ(entry.transactional_id, "xy");
  EXPECT_FALSE(entry.value);
}

TEST(records, value_v1_is_read_and_its_tagged_fields_skipped) {
  bytes value{0x00, 0x01,                                      // version 1 (flexible)
              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,  // producer id 7
              0x00, 0x03,                                      // epoch 3
              0x00, 0x00, 0x03, 0xE8,                          // timeout 1000
              0x02,                                            // PrepareCommit
              0x02,                                            // compact array: one topic
              0x02, 'b',                                       // compact string "b"
              0x02, 0x00, 0x00, 0x00, 0x05,                    // partitions [5]
              0x00,                                            // topic's tagged fields
              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A,  // last update 10
              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,  // start 9
              0x01, 0x02, 0x02, 0x00, 0x02};  // tag 2 (ClientTransactionVersion) = 2
  auto key = txn_log_tombstone("t", 0).key;
  auto decoded = decode_txn_record(key, protocol::bytes_view(value));
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  const auto& entry = std::get<txn_entry>(*decoded);
  ASSERT_TRUE(entry.value);
  EXPECT_EQ(entry.value->pid, producer_id{7});
  EXPECT_EQ(entry.value->epoch, producer_epoch{3});
  EXPECT_EQ(entry.value->timeout_ms, 1000);
  EXPECT_EQ(entry.value->state, txn_state::prepare_commit);
  EXPECT_EQ(entry.value->partitions, (std::set<topic_partition>{{"b", 5}}));
  EXPECT_EQ(entry.value->last_update_ms, 10);
  EXPECT_EQ(entry.value->start_ms, 9);
}

TEST(records, unknown_key_versions_are_skipped_and_bad_values_refused) {
  bytes other_key{0x00, 0x05, 0x00, 0x01, 't'};
  auto decoded = decode_txn_record(other_key, std::nullopt);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<unknown_key>(*decoded).version, 5);

  auto key = txn_log_tombstone("t", 0).key;
  bytes v2{0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 1};
  auto unknown_version = decode_txn_record(key, protocol::bytes_view(v2));
  ASSERT_FALSE(unknown_version.ok());
  EXPECT_EQ(unknown_version.code(), errc::malformed_value);

  txn_record v;
  v.state = txn_state::ongoing;
  auto good = txn_log_record("t", v, 0);
  bytes bad_status = *good.value;
  bad_status[2 + 8 + 2 + 4] = 9;  // transaction_status
  auto r = decode_txn_record(key, protocol::bytes_view(bad_status));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), errc::malformed_value);

  bytes truncated(good.value->begin(), good.value->begin() + 12);
  EXPECT_FALSE(decode_txn_record(key, protocol::bytes_view(truncated)).ok());
  bytes short_key{0x00};
  auto k = decode_txn_record(short_key, std::nullopt);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.code(), errc::malformed_key);
}

TEST(states, names_ids_and_transitions_are_kafkas) {
  EXPECT_EQ(to_string(txn_state::prepare_epoch_fence), "PrepareEpochFence");
  EXPECT_EQ(to_string(txn_state::complete_commit), "CompleteCommit");
  EXPECT_EQ(txn_state_from_name("Ongoing"), txn_state::ongoing);
  EXPECT_FALSE(txn_state_from_name("ongoing"));
  EXPECT_EQ(txn_state_from_id(7), txn_state::prepare_epoch_fence);
  EXPECT_FALSE(txn_state_from_id(8));

  using enum txn_state;
  EXPECT_TRUE(transition_allowed(complete_abort, ongoing));
  EXPECT_TRUE(transition_allowed(ongoing, prepare_commit));
  EXPECT_FALSE(transition_allowed(empty, prepare_commit));
  EXPECT_FALSE(transition_allowed(prepare_commit, complete_abort));
  EXPECT_FALSE(transition_allowed(ongoing, empty));
  EXPECT_TRUE(transition_allowed(prepare_epoch_fence, prepare_abort));
  EXPECT_FALSE(transition_allowed(ongoing, dead));
  EXPECT_TRUE(expiration_allowed(complete_commit));
  EXPECT_FALSE(expiration_allowed(ongoing));
}

TEST(states, epochs_run_out_one_before_the_maximum) {
  EXPECT_FALSE(epoch_exhausted(producer_epoch{32765}));
  EXPECT_TRUE(epoch_exhausted(producer_epoch{32766}));
  EXPECT_TRUE(epoch_exhausted(producer_epoch{32767}));
}

}  // namespace
}  // namespace sluice::transaction
