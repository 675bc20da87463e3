// producer_state as a deterministic state machine: Kafka's checks of idempotent and
// transactional appends, duplicates, transactions and the first unstable offset, expiry.
#include "storage/producer_state.h"

#include <gtest/gtest.h>

namespace sluice::storage {
namespace {

using protocol::control_type;

constexpr int64_t pid = 1000;
constexpr int64_t t0 = 1'700'000'000'000;

producer_batch data(int64_t producer, int16_t epoch, int32_t seq, int64_t offset, int32_t count = 1,
                    bool txn = false, int64_t ts = t0) {
  producer_batch b;
  b.producer_id = producer;
  b.producer_epoch = epoch;
  b.base_sequence = seq;
  b.last_offset_delta = count - 1;
  b.base_offset = offset;
  b.max_timestamp = ts;
  b.transactional = txn;
  return b;
}

producer_batch marker(int64_t producer, int16_t epoch, int64_t offset, control_type type,
                      int32_t coordinator_epoch = 0, int64_t ts = t0) {
  producer_batch b;
  b.producer_id = producer;
  b.producer_epoch = epoch;
  b.base_offset = offset;
  b.max_timestamp = ts;
  b.transactional = true;
  b.control = true;
  b.marker = protocol::end_txn_marker{type, coordinator_epoch};
  b.marker_timestamp = ts;
  return b;
}

// prepare + apply of one batch; the error code, or nullopt when it went in.
std::optional<errc> append(producer_state& s, const producer_batch& b,
                           append_origin origin = append_origin::client,
                           std::vector<aborted_txn>* aborted = nullptr) {
  auto up = s.prepare(std::span(&b, 1), origin);
  if (!up) return up.code();
  EXPECT_FALSE(up->duplicate) << "unexpected duplicate";
  auto a = s.apply(std::move(*up));
  if (aborted) *aborted = std::move(a);
  return std::nullopt;
}

std::optional<batch_metadata> duplicate_of(const producer_state& s, const producer_batch& b) {
  auto up = s.prepare(std::span(&b, 1), append_origin::client);
  EXPECT_TRUE(up.ok()) << (up ? "" : up.message());
  return up ? up->duplicate : std::nullopt;
}

TEST(producer_state, a_new_producer_may_start_at_any_sequence_then_must_follow) {
  producer_state s;
  EXPECT_EQ(append(s, data(pid, 0, 7, 0, 3)), std::nullopt);  // 7..9
  EXPECT_EQ(append(s, data(pid, 0, 11, 3)), errc::out_of_order_sequence);
  EXPECT_EQ(append(s, data(pid, 0, 9, 3)), errc::out_of_order_sequence);
  EXPECT_EQ(append(s, data(pid, 0, 10, 3, 2)), std::nullopt);
  ASSERT_NE(s.find(pid), nullptr);
  EXPECT_EQ(s.find(pid)->last_sequence(), 11);
  EXPECT_EQ(s.find(pid)->last_data_offset(), 4);
}

TEST(producer_state, a_refused_append_changes_nothing) {
  producer_state s;
  ASSERT_EQ(append(s, data(pid, 0, 0, 0)), std::nullopt);
  // Two batches in one append: the second is out of order, so neither goes in.
  std::vector<producer_batch> both{data(pid, 0, 1, 1), data(pid, 0, 5, 2)};
  auto up = s.prepare(both, append_origin::client);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.code(), errc::out_of_order_sequence);
  EXPECT_EQ(s.find(pid)->last_sequence(), 0);
  // Prepared but never applied (the write failed): no trace either.
  auto ok = s.prepare(std::span(both.data(), 1), append_origin::client);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(s.find(pid)->last_sequence(), 0);
  // Within one append, sequences continue from the append's own earlier batches.
  std::vector<producer_batch> run{data(pid, 0, 1, 1, 2), data(pid, 0, 3, 3)};
  EXPECT_TRUE(s.prepare(run, append_origin::client).ok());
}

TEST(producer_state, each_of_the_last_five_batches_is_a_duplicate_and_the_sixth_back_is_not) {
  producer_state s;
  std::vector<producer_batch> sent;
  for (int i = 0; i < 5; ++i) {
    // Batches of 2 records: sequences 2i..2i+1 at offsets 10i.., timestamps t0+i.
    sent.push_back(data(pid, 3, 2 * i, 10 * i, 2, false, t0 + i));
    ASSERT_EQ(append(s, sent.back()), std::nullopt);
  }
  for (int i = 0; i < 5; ++i) {
    // A retry: same epoch and sequences; its offsets (assigned anew) do not matter.
    auto retry = sent[static_cast<size_t>(i)];
    retry.base_offset = 999;
    auto dup = duplicate_of(s, retry);
    ASSERT_TRUE(dup) << "slot " << i;
    EXPECT_EQ(dup->first_offset, 10 * i);
    EXPECT_EQ(dup->last_offset, 10 * i + 1);
    EXPECT_EQ(dup->timestamp, t0 + i);
  }
  // Same sequences under another epoch is no duplicate (and a new epoch must start at 0).
  auto other_epoch = sent[2];
  other_epoch.producer_epoch = 4;
  EXPECT_EQ(append(s, other_epoch), errc::out_of_order_sequence);
  // A sixth batch pushes the first out: re-sending that one is now out of order.
  ASSERT_EQ(append(s, data(pid, 3, 10, 50, 2)), std::nullopt);
  EXPECT_FALSE(duplicate_of(s, sent[1]) == std::nullopt);
  auto up = s.prepare(std::span(&sent[0], 1), append_origin::client);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.code(), errc::out_of_order_sequence);
}

TEST(producer_state, duplicates_are_only_detected_for_clients) {
  producer_state s;
  auto b = data(pid, 0, 0, 0);
  ASSERT_EQ(append(s, b), std::nullopt);
  for (auto origin : {append_origin::replication, append_origin::coordinator}) {
    auto up = s.prepare(std::span(&b, 1), origin);
    ASSERT_TRUE(up.ok());
    EXPECT_FALSE(up->duplicate);
  }
}

TEST(producer_state, epochs_fence_older_producers_and_a_new_epoch_starts_at_zero) {
  producer_state s;
  ASSERT_EQ(append(s, data(pid, 5, 0, 0, 4)), std::nullopt);
  EXPECT_EQ(append(s, data(pid, 4, 4, 4)), errc::invalid_producer_epoch);
  EXPECT_EQ(append(s, data(pid, 4, 4, 4), append_origin::coordinator),
            errc::invalid_producer_epoch);
  EXPECT_EQ(append(s, data(pid, 6, 4, 4)), errc::out_of_order_sequence);
  ASSERT_EQ(append(s, data(pid, 6, 0, 4)), std::nullopt);
  EXPECT_EQ(s.find(pid)->epoch, 6);
  EXPECT_EQ(s.find(pid)->batches.size(), 1u);  // the old epoch's batches are gone
  EXPECT_EQ(append(s, data(pid, 5, 4, 5)), errc::invalid_producer_epoch);
  EXPECT_EQ(append(s, data(pid, 6, 1, 5)), std::nullopt);
}

TEST(producer_state, sequences_wrap_from_int32_max_to_zero) {
  producer_state s;
  ASSERT_EQ(append(s, data(pid, 0, INT32_MAX - 2, 0, 2)), std::nullopt);  // MAX-2, MAX-1
  // A batch across the wrap: MAX, 0, 1.
  auto across = data(pid, 0, INT32_MAX, 2, 3);
  EXPECT_EQ(across.last_sequence(), 1);
  ASSERT_EQ(append(s, across), std::nullopt);
  EXPECT_EQ(s.find(pid)->last_sequence(), 1);
  EXPECT_EQ(append(s, data(pid, 0, 3, 5)), errc::out_of_order_sequence);
  EXPECT_EQ(append(s, data(pid, 0, 2, 5)), std::nullopt);
  // Exactly at the end: MAX then 0.
  producer_state t;
  ASSERT_EQ(append(t, data(pid, 0, INT32_MAX, 0)), std::nullopt);
  EXPECT_EQ(append(t, data(pid, 0, 1, 1)), errc::out_of_order_sequence);
  EXPECT_EQ(append(t, data(pid, 0, 0, 1)), std::nullopt);
}

TEST(producer_state, replication_accepts_anything_and_coordinator_checks_only_epochs) {
  producer_state s;
  ASSERT_EQ(append(s, data(pid, 5, 0, 0)), std::nullopt);
  EXPECT_EQ(append(s, data(pid, 4, 77, 1), append_origin::replication), std::nullopt);
  EXPECT_EQ(append(s, data(pid, 5, 1000, 2), append_origin::replication), std::nullopt);
  EXPECT_EQ(s.find(pid)->last_sequence(), 1000);
  EXPECT_EQ(append(s, data(pid, 5, 3, 3), append_origin::coordinator), std::nullopt);
  EXPECT_EQ(append(s, data(pid, 4, 4, 4), append_origin::coordinator),
            errc::invalid_producer_epoch);
  // Replication also takes a non-transactional batch inside a transaction and old markers.
  ASSERT_EQ(append(s, data(pid, 5, 4, 5, 1, true)), std::nullopt);
  EXPECT_EQ(append(s, data(pid, 5, 5, 6), append_origin::replication), std::nullopt);
  ASSERT_EQ(append(s, marker(pid, 5, 7, control_type::commit, 9), append_origin::coordinator),
            std::nullopt);
  EXPECT_EQ(append(s, marker(pid, 5, 8, control_type::commit, 3), append_origin::replication),
            std::nullopt);
  EXPECT_EQ(append(s, marker(pid, 4, 9, control_type::commit, 9), append_origin::replication),
            std::nullopt);
}

TEST(producer_state, batches_without_a_producer_id_are_ignored) {
  producer_state s;
  auto plain = data(-1, -1, -1, 0, 10);
  ASSERT_EQ(append(s, plain), std::nullopt);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.end_offset(), 10);
}

TEST(producer_state, a_transaction_holds_the_first_unstable_offset_until_its_marker) {
  producer_state s;
  EXPECT_EQ(s.first_unstable_offset(), std::nullopt);
  ASSERT_EQ(append(s, data(pid, 1, 0, 10, 2, true)), std::nullopt);
  EXPECT_EQ(s.first_unstable_offset(), 10);
  ASSERT_EQ(append(s, data(pid, 1, 2, 12, 1, true)), std::nullopt);
  EXPECT_EQ(s.first_unstable_offset(), 10);
  EXPECT_EQ(s.find(pid)->current_txn_first_offset, 10);
  EXPECT_EQ(append(s, data(pid, 1, 3, 13)), errc::invalid_txn_state);
  std::vector<aborted_txn> aborted;
  ASSERT_EQ(
      append(s, marker(pid, 1, 13, control_type::commit, 2), append_origin::coordinator, &aborted),
      std::nullopt);
  EXPECT_TRUE(aborted.empty());  // a commit leaves nothing for the index
  EXPECT_EQ(s.first_unstable_offset(), std::nullopt);
  EXPECT_EQ(s.find(pid)->current_txn_first_offset, std::nullopt);
  EXPECT_EQ(s.find(pid)->coordinator_epoch, 2);
  // The sequence goes on after the marker.
  EXPECT_EQ(append(s, data(pid, 1, 3, 14)), std::nullopt);
}

TEST(producer_state, an_abort_yields_an_index_entry_with_the_last_stable_offset) {
  producer_state s;
  constexpr int64_t other = 2000;
  ASSERT_EQ(append(s, data(pid, 0, 0, 10, 2, true)), std::nullopt);
  std::vector<aborted_txn> aborted;
  // Nothing else open: the last stable offset is right after the marker.
  ASSERT_EQ(
      append(s, marker(pid, 0, 12, control_type::abort), append_origin::coordinator, &aborted),
      std::nullopt);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (aborted_txn{pid, 10, 12, 13}));

  // Another producer's transaction is open: it bounds the last stable offset.
  ASSERT_EQ(append(s, data(pid, 0, 2, 13, 1, true)), std::nullopt);
  ASSERT_EQ(append(s, data(other, 0, 0, 14, 1, true)), std::nullopt);
  ASSERT_EQ(append(s, data(pid, 0, 3, 15, 1, true)), std::nullopt);
  EXPECT_EQ(s.first_unstable_offset(), 13);
  ASSERT_EQ(
      append(s, marker(pid, 0, 16, control_type::abort), append_origin::coordinator, &aborted),
      std::nullopt);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (aborted_txn{pid, 13, 16, 14}));
  EXPECT_EQ(s.first_unstable_offset(), 14);
  // A marker without a transaction (an empty one) completes nothing.
  ASSERT_EQ(
      append(s, marker(pid, 0, 17, control_type::abort), append_origin::coordinator, &aborted),
      std::nullopt);
  EXPECT_TRUE(aborted.empty());
  ASSERT_EQ(
      append(s, marker(other, 0, 18, control_type::abort), append_origin::coordinator, &aborted),
      std::nullopt);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0], (aborted_txn{other, 14, 18, 19}));
  EXPECT_EQ(s.first_unstable_offset(), std::nullopt);
}

TEST(producer_state, markers_check_producer_and_coordinator_epochs) {
  producer_state s;
  ASSERT_EQ(append(s, data(pid, 3, 0, 0, 1, true)), std::nullopt);
  ASSERT_EQ(append(s, marker(pid, 3, 1, control_type::commit, 5), append_origin::coordinator),
            std::nullopt);
  ASSERT_EQ(append(s, data(pid, 3, 1, 2, 1, true)), std::nullopt);
  EXPECT_EQ(append(s, marker(pid, 3, 3, control_type::abort, 4), append_origin::coordinator),
            errc::transaction_coordinator_fenced);
  EXPECT_EQ(append(s, marker(pid, 3, 3, control_type::abort, 4), append_origin::client),
            errc::transaction_coordinator_fenced);
  EXPECT_EQ(append(s, marker(pid, 2, 3, control_type::abort, 5), append_origin::coordinator),
            errc::invalid_producer_epoch);
  // The coordinator aborts with a bumped epoch (a timed-out transaction): batches start over.
  ASSERT_EQ(append(s, marker(pid, 4, 3, control_type::abort, 6), append_origin::coordinator),
            std::nullopt);
  EXPECT_EQ(s.find(pid)->epoch, 4);
  EXPECT_TRUE(s.find(pid)->batches.empty());
  EXPECT_EQ(append(s, data(pid, 3, 2, 4)), errc::invalid_producer_epoch);
  EXPECT_EQ(append(s, data(pid, 4, 2, 4)), errc::out_of_order_sequence);
  EXPECT_EQ(append(s, data(pid, 4, 0, 4)), std::nullopt);
}

TEST(producer_state, completed_transactions_stay_unstable_until_the_high_watermark_passes) {
  producer_state s;
  s.on_high_watermark_updated(0);
  ASSERT_EQ(append(s, data(pid, 0, 0, 0, 5, true)), std::nullopt);
  ASSERT_EQ(append(s, marker(pid, 0, 5, control_type::commit), append_origin::coordinator),
            std::nullopt);
  EXPECT_EQ(s.first_unstable_offset(), 0);  // the marker is not replicated yet
  s.on_high_watermark_updated(5);
  EXPECT_EQ(s.first_unstable_offset(), 0);
  s.on_high_watermark_updated(6);
  EXPECT_EQ(s.first_unstable_offset(), std::nullopt);
}

TEST(producer_state, idle_producers_expire_but_not_with_an_open_transaction) {
  producer_state s(1000);
  ASSERT_EQ(append(s, data(1, 0, 0, 0, 1, false, t0)), std::nullopt);
  ASSERT_EQ(append(s, data(2, 0, 0, 1, 1, true, t0)), std::nullopt);
  ASSERT_EQ(append(s, data(3, 0, 0, 2, 1, false, t0 + 500)), std::nullopt);
  s.remove_expired(t0 + 999);
  EXPECT_EQ(s.size(), 3u);
  s.remove_expired(t0 + 1000);
  EXPECT_EQ(s.find(1), nullptr);
  EXPECT_NE(s.find(2), nullptr);
  EXPECT_NE(s.find(3), nullptr);
  s.remove_expired(t0 + 1500);
  EXPECT_EQ(s.find(3), nullptr);
  EXPECT_NE(s.find(2), nullptr);
  // Forgotten: its next batch may use any sequence again.
  EXPECT_EQ(append(s, data(1, 0, 42, 3)), std::nullopt);
}

TEST(producer_state, truncating_the_head_forgets_producers_whose_batches_are_gone) {
  producer_state s;
  ASSERT_EQ(append(s, data(1, 0, 0, 0, 5)), std::nullopt);        // 0..4
  ASSERT_EQ(append(s, data(2, 0, 0, 5, 5, true)), std::nullopt);  // open transaction from 5
  ASSERT_EQ(append(s, data(3, 0, 0, 10, 5)), std::nullopt);       // 10..14
  s.truncate_head(12);
  EXPECT_EQ(s.find(1), nullptr);
  EXPECT_NE(s.find(2), nullptr);
  EXPECT_NE(s.find(3), nullptr);
  EXPECT_EQ(s.first_unstable_offset(), 5);
  s.truncate_head(15);
  EXPECT_EQ(s.find(3), nullptr);
  EXPECT_NE(s.find(2), nullptr);
}

TEST(producer_state, describes_producers_and_round_trips_through_snapshot_entries) {
  producer_state s;
  ASSERT_EQ(append(s, data(7, 2, 0, 0, 3, false, t0 + 1)), std::nullopt);
  ASSERT_EQ(append(s, data(5, 1, 10, 3, 2, true, t0 + 2)), std::nullopt);
  ASSERT_EQ(append(s, marker(9, 0, 5, control_type::abort, 3, t0 + 3)),
            std::nullopt);  // a producer known from a marker only
  auto described = s.active_producers();
  ASSERT_EQ(described.size(), 3u);
  EXPECT_EQ(described[0], (producer_info{5, 1, 11, t0 + 2, -1, 3}));
  EXPECT_EQ(described[1], (producer_info{7, 2, 2, t0 + 1, -1, -1}));
  EXPECT_EQ(described[2], (producer_info{9, 0, -1, t0 + 3, 3, -1}));

  auto entries = s.snapshot_entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], (producer_snapshot_entry{5, 1, 11, 4, 1, t0 + 2, -1, 3}));
  producer_state loaded;
  loaded.load(entries, 6, t0 + 10);
  EXPECT_EQ(loaded.active_producers(), described);
  EXPECT_EQ(loaded.end_offset(), 6);
  EXPECT_EQ(loaded.first_unstable_offset(), 3);
  // The last batch survives a snapshot: a retry of it is still a duplicate.
  auto dup = duplicate_of(loaded, data(7, 2, 0, 99, 3));
  ASSERT_TRUE(dup);
  EXPECT_EQ(dup->first_offset, 0);
  EXPECT_EQ(dup->last_offset, 2);
  EXPECT_EQ(append(loaded, data(7, 2, 4, 6)), errc::out_of_order_sequence);
  EXPECT_EQ(append(loaded, data(7, 2, 3, 6)), std::nullopt);
  // Loading skips producers expired by then (not those in a transaction).
  producer_state later(1000);
  later.load(entries, 6, t0 + 5000);
  EXPECT_EQ(later.size(), 1u);
  EXPECT_NE(later.find(5), nullptr);
}

}  // namespace
}  // namespace sluice::storage
