// KIP-890 verification guards in producer_state: an append that opens a transaction needs the
// guard it was verified under, still held; a marker of the producer withdraws it (Kafka's
// VerificationGuard), so a late write from a transaction that ended is refused.
#include <gtest/gtest.h>

#include "storage/producer_state.h"

namespace sluice::storage {
namespace {

constexpr int64_t pid = 2000;
constexpr int64_t t0 = 1'700'000'000'000;

producer_batch txn_data(int32_t seq, int64_t offset, int16_t epoch = 0) {
  producer_batch b;
  b.producer_id = pid;
  b.producer_epoch = epoch;
  b.base_sequence = seq;
  b.base_offset = offset;
  b.max_timestamp = t0;
  b.transactional = true;
  return b;
}

producer_batch abort_marker(int64_t offset, int16_t epoch = 0) {
  producer_batch b;
  b.producer_id = pid;
  b.producer_epoch = epoch;
  b.base_offset = offset;
  b.max_timestamp = t0;
  b.transactional = true;
  b.control = true;
  b.marker = protocol::end_txn_marker{protocol::control_type::abort, 0};
  b.marker_timestamp = t0;
  return b;
}

std::optional<errc> append(producer_state& s, const producer_batch& b,
                           std::optional<uint64_t> guard,
                           append_origin origin = append_origin::client) {
  verification v{guard.value_or(0)};
  auto up = s.prepare(std::span(&b, 1), origin, guard ? &v : nullptr);
  if (!up) return up.code();
  s.apply(std::move(*up));
  return std::nullopt;
}

TEST(producer_verification, the_guard_verified_opens_the_transaction_and_is_used_up) {
  producer_state s;
  uint64_t guard = s.start_verification(pid, 0, 0, t0);
  EXPECT_NE(guard, 0u);
  EXPECT_EQ(append(s, txn_data(0, 0), guard), std::nullopt);
  EXPECT_FALSE(s.has_verification(pid));
  // The transaction is open: nothing more to verify for it (guard 0 is enough now).
  EXPECT_EQ(s.start_verification(pid, 1, 0, t0), 0u);
  EXPECT_EQ(append(s, txn_data(1, 1), 0), std::nullopt);
}

TEST(producer_verification, a_marker_between_verification_and_append_refuses_the_append) {
  producer_state s;
  uint64_t guard = s.start_verification(pid, 0, 0, t0);
  // The coordinator ended the transaction meanwhile (it timed out): its ABORT marker lands here.
  EXPECT_EQ(append(s, abort_marker(0), std::nullopt, append_origin::coordinator), std::nullopt);
  EXPECT_FALSE(s.has_verification(pid));
  EXPECT_EQ(append(s, txn_data(0, 1), guard), errc::invalid_txn_state);
  EXPECT_FALSE(s.first_unstable_offset().has_value());  // no transaction left hanging
}

TEST(producer_verification, no_guard_or_another_guard_is_refused_when_verification_is_on) {
  producer_state s;
  EXPECT_EQ(append(s, txn_data(0, 0), 0), errc::invalid_txn_state);
  uint64_t first = s.start_verification(pid, 0, 0, t0);
  EXPECT_EQ(append(s, txn_data(0, 0), first + 1), errc::invalid_txn_state);
  // Verification off (no guard given at all): Kafka before 3.6, anything goes.
  producer_state off;
  EXPECT_EQ(append(off, txn_data(0, 0), std::nullopt), std::nullopt);
}

TEST(producer_verification, batches_verified_out_of_order_must_arrive_lowest_first) {
  producer_state s;
  uint64_t guard = s.start_verification(pid, 5, 0, t0);
  EXPECT_EQ(s.start_verification(pid, 0, 0, t0), guard);  // the same pending guard
  EXPECT_EQ(append(s, txn_data(5, 0), guard), errc::out_of_order_sequence);
  EXPECT_EQ(append(s, txn_data(0, 0), guard), std::nullopt);
}

TEST(producer_verification, pending_guards_expire_with_the_producer_expiry) {
  producer_state s(60'000);
  s.start_verification(pid, 0, 0, t0);
  s.remove_expired(t0 + 30'000);
  EXPECT_TRUE(s.has_verification(pid));
  s.remove_expired(t0 + 60'000);
  EXPECT_FALSE(s.has_verification(pid));
}

}  // namespace
}  // namespace sluice::storage
