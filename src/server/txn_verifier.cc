#include "server/txn_verifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cluster/topic_name.h"
#include "net/broker_client.h"
#include "protocol/error_code.h"
#include "transaction/txn_coordinator.h"

namespace sluice::server {

namespace {

using protocol::error_code;
using replication::errc;
using replication::verification_failure;

// Batched AddPartitionsToTxn, which carries verify_only.
constexpr int16_t verify_version = 4;

// What the Produce response says for a partition the coordinator answered `code` for.
verification_failure produce_failure(int16_t code) {
  auto e = static_cast<error_code>(code);
  switch (e) {
    case error_code::invalid_txn_state:
      return {errc::invalid_txn_state, "Partition was not added to the transaction"};
    case error_code::concurrent_transactions:
    case error_code::network_exception:
    case error_code::coordinator_load_in_progress:
    case error_code::coordinator_not_available:
    case error_code::not_coordinator:
      // Retriable, but not every client retries these on Produce: NOT_ENOUGH_REPLICAS it does,
      // and without refreshing its metadata (Kafka's choice too).
      return {errc::not_enough_replicas,
              fmt::format("Unable to verify the partition has been added to the transaction. "
                          "Underlying error: {}",
                          protocol::error_name(e))};
    case error_code::invalid_producer_epoch:
    case error_code::producer_fenced:
      return {errc::invalid_producer_epoch, {}};
    case error_code::transaction_abortable:
      return {errc::transaction_abortable, {}};
    case error_code::invalid_producer_id_mapping:
      return {errc::invalid_producer_id_mapping, {}};
    default:
      return {errc::unknown,
              fmt::format("transaction verification failed: {}", protocol::error_name(e))};
  }
}

}  // namespace

replication::verification_result txn_verifier::fail_all(
    const replication::verification_request& request, int16_t code) {
  replication::verification_result out;
  for (const auto& tp : request.partitions) out[tp] = produce_failure(code);
  return out;
}

replication::verification_result txn_verifier::translate(
    const replication::verification_request& request,
    const protocol::add_partitions_to_txn_response& response) {
  if (response.error_code != 0) {
    // The client is not told of the broker's own authorization problem.
    int16_t code =
        response.error_code == static_cast<int16_t>(error_code::cluster_authorization_failed)
            ? static_cast<int16_t>(error_code::invalid_txn_state)
            : response.error_code;
    return fail_all(request, code);
  }
  replication::verification_result out;
  for (const auto& txn : response.results_by_transaction) {
    if (txn.transactional_id != request.transactional_id) continue;
    for (const auto& topic : txn.topic_results) {
      for (const auto& p : topic.results_by_partition) {
        int16_t code = p.partition_error_code;
        if (code == 0) continue;
        if (code == static_cast<int16_t>(error_code::transaction_abortable) &&
            !request.abortable_error_supported)
          code = static_cast<int16_t>(error_code::invalid_txn_state);  // older clients
        out[{topic.name, p.partition_index}] = produce_failure(code);
      }
    }
  }
  return out;
}

namespace {

protocol::add_partitions_to_txn_request to_request(const replication::verification_request& r) {
  protocol::add_partitions_to_txn_request out;
  auto& txn = out.transactions.emplace_back();
  txn.transactional_id = r.transactional_id;
  txn.producer_id = r.producer_id;
  txn.producer_epoch = r.producer_epoch;
  txn.verify_only = true;
  for (const auto& [topic, partition] : r.partitions) {
    if (txn.topics.empty() || txn.topics.back().name != topic)
      txn.topics.emplace_back().name = topic;
    txn.topics.back().partitions.push_back(partition);
  }
  return out;
}

}  // namespace

txn_verifier::txn_verifier(int32_t broker_id, std::string listener_name,
                           cluster::metadata_store& metadata,
                           transaction::txn_coordinator& coordinator, net::client_security security)
    : broker_id_(broker_id),
      metadata_(metadata),
      coordinator_(coordinator),
      clients_(metadata, std::move(listener_name),
               "broker-" + std::to_string(broker_id) + "-txn-verification",
               std::chrono::milliseconds(30000), std::move(security)) {
  worker_ = std::thread([this] { loop(); });
}

txn_verifier::~txn_verifier() {
  stop();
}

void txn_verifier::stop() {
  std::deque<remote_call> dropped;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
    dropped.swap(queue_);
  }
  wake_.notify_all();
  clients_.close_all();
  if (worker_.joinable()) worker_.join();
  for (auto& call : dropped)
    call.done(fail_all(call.request, static_cast<int16_t>(error_code::coordinator_not_available)));
}

void txn_verifier::verify(replication::verification_request request,
                          std::function<void(replication::verification_result)> done) {
  const int32_t state_partition = coordinator_.partition_for(request.transactional_id);
  int32_t leader = -1;
  if (auto topic = metadata_.topic(std::string(cluster::transaction_state_topic));
      topic && state_partition < static_cast<int32_t>(topic->partitions.size()))
    leader = topic->partitions[static_cast<size_t>(state_partition)].leader;
  if (leader < 0)
    return done(fail_all(request, static_cast<int16_t>(error_code::coordinator_not_available)));
  if (leader == broker_id_) {
    auto shared = std::make_shared<replication::verification_request>(std::move(request));
    coordinator_.add_partitions_to_txn(
        to_request(*shared), verify_version,
        [shared, done = std::move(done)](protocol::add_partitions_to_txn_response response) {
          done(translate(*shared, response));
        });
    return;
  }
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({leader, std::move(request), std::move(done)});
      wake_.notify_all();
      return;
    }
  }
  done(fail_all(request, static_cast<int16_t>(error_code::coordinator_not_available)));
}

void txn_verifier::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    remote_call call = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    replication::verification_result result;
    auto* client = clients_.client_for(call.broker);
    if (client == nullptr) {
      result = fail_all(call.request, static_cast<int16_t>(error_code::coordinator_not_available));
    } else {
      auto answer = client->call<protocol::add_partitions_to_txn_response>(to_request(call.request),
                                                                           verify_version);
      result = answer ? translate(call.request, answer->body)
                      : fail_all(call.request, static_cast<int16_t>(error_code::network_exception));
    }
    call.done(std::move(result));
    lock.lock();
  }
}

}  // namespace sluice::server
