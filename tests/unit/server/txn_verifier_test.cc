// txn_verifier::translate: the coordinator's AddPartitionsToTxn (verify_only) answer becomes the
// Produce outcome Kafka's broker gives (AddPartitionsToTxnManager and ReplicaManager's rules).
#include "server/txn_verifier.h"

#include <gtest/gtest.h>

#include "protocol/error_code.h"

namespace sluice::server {
namespace {

using protocol::error_code;
using replication::errc;

replication::verification_request request(bool abortable_supported) {
  replication::verification_request r;
  r.transactional_id = "tx";
  r.producer_id = 7;
  r.producer_epoch = 1;
  r.partitions = {{"t", 0}, {"t", 1}};
  r.abortable_error_supported = abortable_supported;
  return r;
}

protocol::add_partitions_to_txn_response answer(error_code p0, error_code p1) {
  protocol::add_partitions_to_txn_response r;
  auto& txn = r.results_by_transaction.emplace_back();
  txn.transactional_id = "tx";
  auto& topic = txn.topic_results.emplace_back();
  topic.name = "t";
  topic.results_by_partition.push_back({0, static_cast<int16_t>(p0), {}});
  topic.results_by_partition.push_back({1, static_cast<int16_t>(p1), {}});
  return r;
}

TEST(txn_verifier, verified_partitions_are_absent_from_the_result) {
  auto out = txn_verifier::translate(request(true), answer(error_code::none, error_code::none));
  EXPECT_TRUE(out.empty());
}

TEST(txn_verifier, a_partition_outside_the_transaction_is_abortable_for_new_clients_only) {
  auto fresh = txn_verifier::translate(request(true),
                                       answer(error_code::none, error_code::transaction_abortable));
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ((fresh.at({"t", 1}).error), errc::transaction_abortable);
  auto old = txn_verifier::translate(request(false),
                                     answer(error_code::none, error_code::transaction_abortable));
  EXPECT_EQ((old.at({"t", 1}).error), errc::invalid_txn_state);
  EXPECT_EQ((old.at({"t", 1}).message), "Partition was not added to the transaction");
}

TEST(txn_verifier, a_busy_or_moving_coordinator_becomes_retriable_not_enough_replicas) {
  for (auto e : {error_code::concurrent_transactions, error_code::coordinator_load_in_progress,
                 error_code::coordinator_not_available, error_code::not_coordinator}) {
    auto out = txn_verifier::translate(request(true), answer(e, error_code::none));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ((out.at({"t", 0}).error), errc::not_enough_replicas);
    EXPECT_NE(out.at({"t", 0}).message.find("Unable to verify"), std::string::npos);
  }
  auto lost =
      txn_verifier::fail_all(request(true), static_cast<int16_t>(error_code::network_exception));
  EXPECT_EQ(lost.size(), 2u);
  EXPECT_EQ((lost.at({"t", 1}).error), errc::not_enough_replicas);
}

TEST(txn_verifier, fencing_and_unknown_ids_keep_their_meaning) {
  auto fenced = txn_verifier::translate(
      request(true), answer(error_code::producer_fenced, error_code::invalid_producer_epoch));
  EXPECT_EQ((fenced.at({"t", 0}).error), errc::invalid_producer_epoch);
  EXPECT_EQ((fenced.at({"t", 1}).error), errc::invalid_producer_epoch);
  auto unknown = txn_verifier::translate(
      request(true), answer(error_code::invalid_producer_id_mapping, error_code::none));
  EXPECT_EQ((unknown.at({"t", 0}).error), errc::invalid_producer_id_mapping);
}

TEST(txn_verifier, a_top_level_error_fails_every_partition) {
  auto r = answer(error_code::none, error_code::none);
  r.error_code = static_cast<int16_t>(error_code::cluster_authorization_failed);
  auto out = txn_verifier::translate(request(true), r);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ((out.at({"t", 0}).error), errc::invalid_txn_state);  // not exposed to the client
}

}  // namespace
}  // namespace sluice::server
