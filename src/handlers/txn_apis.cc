// The transaction coordinator's APIs (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// DescribeTransactions, ListTransactions; InitProducerId with a transactional id comes through
// init_producer_id.cc): each is decoded here, authorized as Kafka's KafkaApis does, and handed to
// the transaction coordinator, which answers with a response shaped for the request's version
// once its record is written.
//
// Authorization:
//  - AddPartitionsToTxn v0-v3 (clients): WRITE on the transactional id (else every partition
//    TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and on each topic — a refused topic fails the whole
//    transaction's request: its partitions TOPIC_AUTHORIZATION_FAILED, unknown ones
//    UNKNOWN_TOPIC_OR_PARTITION, the rest OPERATION_NOT_ATTEMPTED. v4+ (brokers): CLUSTER_ACTION.
//  - AddOffsetsToTxn: WRITE on the transactional id, READ on the group. EndTxn: WRITE on the id.
//  - DescribeTransactions: DESCRIBE per id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED); the
//    partitions of topics the principal may not DESCRIBE are left out. ListTransactions lists only
//    the ids the principal may DESCRIBE.
#include <re2/re2.h>

#include <memory>

#include "cluster/topic_name.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/forward.h"
#include "handlers/handlers.h"
#include "protocol/generated/add_offsets_to_txn.h"
#include "protocol/generated/add_partitions_to_txn.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/end_txn.h"
#include "protocol/generated/list_transactions.h"
#include "transaction/txn_coordinator.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using add_request = protocol::add_partitions_to_txn_request;
using add_response = protocol::add_partitions_to_txn_response;

int16_t wire(error_code e) {
  return static_cast<int16_t>(e);
}

// A v0-v3 AddPartitionsToTxn the principal may not fully make, answered as Kafka does; nullopt
// when it may.
std::optional<add_response> refused_add(const access& acl, cluster::metadata_store& store,
                                        const add_request& request) {
  const auto& topics = request.v3_and_below_topics;
  const bool id_refused =
      !acl.allows_transactional_id(acl_operation::write, request.v3_and_below_transactional_id);
  std::set<std::string> refused_topics;
  for (const auto& t : topics)
    if (!acl.allows_topic(acl_operation::write, t.name) ||
        (acl.enabled() && cluster::is_internal_topic(t.name)))
      refused_topics.insert(t.name);
  if (!id_refused && refused_topics.empty()) return std::nullopt;
  add_response response;
  for (const auto& t : topics) {
    auto& out = response.results_by_topic_v3_and_below.emplace_back();
    out.name = t.name;
    auto meta = id_refused || refused_topics.contains(t.name) ? std::nullopt : store.topic(t.name);
    for (int32_t p : t.partitions) {
      auto& part = out.results_by_partition.emplace_back();
      part.partition_index = p;
      if (id_refused)
        part.partition_error_code = wire(error_code::transactional_id_authorization_failed);
      else if (refused_topics.contains(t.name))
        part.partition_error_code = wire(error_code::topic_authorization_failed);
      else if (!meta || p < 0 || p >= static_cast<int32_t>(meta->partitions.size()))
        part.partition_error_code = wire(error_code::unknown_topic_or_partition);
      else
        part.partition_error_code = wire(error_code::operation_not_attempted);
    }
  }
  return response;
}

// EndTxn and AddOffsetsToTxn answer with one error code.
template <class Response>
Response refusal(error_code e) {
  Response r;
  r.error_code = wire(e);
  return r;
}

}  // namespace

void handle_add_partitions_to_txn(request_context& ctx, protocol::reader& body, responder reply) {
  forward<add_request>(
      ctx, body, std::move(reply), ctx.services.transactions,
      [&ctx](auto& t, const add_request& request, int16_t v, auto done) {
        const access acl(ctx);
        if (v >= 4) {
          if (!acl.allows_inter_broker())
            return done(refusal<add_response>(error_code::cluster_authorization_failed));
        } else if (auto refused = refused_add(acl, ctx.services.metadata, request)) {
          return done(std::move(*refused));
        }
        t.add_partitions_to_txn(request, v, std::move(done));
      });
}

void handle_add_offsets_to_txn(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::add_offsets_to_txn_request>(
      ctx, body, std::move(reply), ctx.services.transactions,
      [&ctx](auto& t, const auto& request, int16_t v, auto done) {
        using response_t = protocol::add_offsets_to_txn_response;
        const access acl(ctx);
        if (!acl.allows_transactional_id(acl_operation::write, request.transactional_id))
          return done(refusal<response_t>(error_code::transactional_id_authorization_failed));
        if (!acl.allows_group(acl_operation::read, request.group_id))
          return done(refusal<response_t>(error_code::group_authorization_failed));
        t.add_offsets_to_txn(request, v, std::move(done));
      });
}

void handle_end_txn(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::end_txn_request>(
      ctx, body, std::move(reply), ctx.services.transactions,
      [&ctx](auto& t, const auto& request, int16_t v, auto done) {
        if (!access(ctx).allows_transactional_id(acl_operation::write, request.transactional_id))
          return done(refusal<protocol::end_txn_response>(
              error_code::transactional_id_authorization_failed));
        t.end_txn(request, v, std::move(done));
      });
}

void handle_describe_transactions(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::describe_transactions_request>(
      ctx, body, std::move(reply), ctx.services.transactions,
      [acl = access(ctx)](auto& t, protocol::describe_transactions_request request, int16_t v,
                          auto done) {
        std::vector<std::string> wanted = std::move(request.transactional_ids);
        std::vector<bool> allowed;
        for (const auto& id : wanted) {
          allowed.push_back(acl.allows_transactional_id(acl_operation::describe, id));
          if (allowed.back()) request.transactional_ids.push_back(id);
        }
        t.describe_transactions(
            request, v,
            [acl, wanted = std::move(wanted), allowed = std::move(allowed),
             done = std::move(done)](protocol::describe_transactions_response r) mutable {
              protocol::describe_transactions_response out;
              out.throttle_time_ms = r.throttle_time_ms;
              size_t next = 0;
              for (size_t i = 0; i < wanted.size(); ++i) {
                if (!allowed[i]) {
                  auto& state = out.transaction_states.emplace_back();
                  state.transactional_id = wanted[i];
                  state.error_code = wire(error_code::transactional_id_authorization_failed);
                  continue;
                }
                if (next >= r.transaction_states.size()) continue;
                auto& state =
                    out.transaction_states.emplace_back(std::move(r.transaction_states[next++]));
                std::erase_if(state.topics, [&](const auto& topic) {
                  return !acl.allows_topic(acl_operation::describe, topic.topic);
                });
              }
              done(std::move(out));
            });
      });
}

void handle_list_transactions(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::list_transactions_request>(
      ctx, body, std::move(reply), ctx.services.transactions,
      [acl = access(ctx)](auto& t, const auto& request, int16_t v, auto done) {
        // v2 (KIP-1152): only transactional ids the whole pattern matches. RE2 has the syntax
        // clients use for it and runs in linear time, so no pattern can stall the broker.
        std::shared_ptr<RE2> pattern;
        if (v >= 2 && request.transactional_id_pattern &&
            !request.transactional_id_pattern->empty()) {
          pattern = std::make_shared<RE2>(*request.transactional_id_pattern, RE2::Quiet);
          if (!pattern->ok()) {
            protocol::list_transactions_response r;
            r.error_code = static_cast<int16_t>(protocol::error_code::invalid_regular_expression);
            return done(std::move(r));
          }
        }
        t.list_transactions(
            request, v,
            [acl, pattern, done = std::move(done)](protocol::list_transactions_response r) mutable {
              std::erase_if(r.transaction_states, [&](const auto& state) {
                return !acl.allows_transactional_id(acl_operation::describe,
                                                    state.transactional_id) ||
                       (pattern && !RE2::FullMatch(state.transactional_id, *pattern));
              });
              done(std::move(r));
            });
      });
}

}  // namespace sluice::handlers
