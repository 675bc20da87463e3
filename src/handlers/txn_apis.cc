// The transaction coordinator's APIs (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// DescribeTransactions, ListTransactions; InitProducerId with a transactional id comes through
// init_producer_id.cc): each is decoded here and handed to the transaction coordinator, which
// answers with a response shaped for the request's version once its record is written.
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

#define SLUICE_FORWARD_TXN_API(handler, request_type, method)                                \
  void handler(request_context& ctx, protocol::reader& body, responder reply) {              \
    forward<protocol::request_type>(ctx, body, std::move(reply), ctx.services.transactions,  \
                                    [](auto& t, const auto& request, int16_t v, auto done) { \
                                      t.method(request, v, std::move(done));                 \
                                    });                                                      \
  }

SLUICE_FORWARD_TXN_API(handle_add_partitions_to_txn, add_partitions_to_txn_request,
                       add_partitions_to_txn)
SLUICE_FORWARD_TXN_API(handle_add_offsets_to_txn, add_offsets_to_txn_request, add_offsets_to_txn)
SLUICE_FORWARD_TXN_API(handle_end_txn, end_txn_request, end_txn)
SLUICE_FORWARD_TXN_API(handle_describe_transactions, describe_transactions_request,
                       describe_transactions)
SLUICE_FORWARD_TXN_API(handle_list_transactions, list_transactions_request, list_transactions)

#undef SLUICE_FORWARD_TXN_API

}  // namespace sluice::handlers
