// The consumer-group APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups, DeleteGroups, OffsetDelete, TxnOffsetCommit): each is
// decoded here and handed to the group coordinator, which answers — now or when the rebalance
// completes — with a response already shaped for the request's version.
#include "coordinator/group_coordinator.h"
#include "handlers/broker_services.h"
#include "handlers/forward.h"
#include "handlers/handlers.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/sync_group.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::handlers {

void handle_join_group(request_context& ctx, protocol::reader& body, responder reply) {
  coordinator::client_info client{ctx.client_id(), "/" + ctx.connection->client_host};
  forward<protocol::join_group_request>(ctx, body, std::move(reply), ctx.services.groups,
                                        [&client](auto& g, auto request, int16_t v, auto done) {
                                          g.join_group(std::move(request), v, std::move(client),
                                                       std::move(done));
                                        });
}

void handle_sync_group(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::sync_group_request>(ctx, body, std::move(reply), ctx.services.groups,
                                        [](auto& g, auto request, int16_t v, auto done) {
                                          g.sync_group(std::move(request), v, std::move(done));
                                        });
}

#define SLUICE_FORWARD_GROUP_API(handler, request_type, method)                       \
  void handler(request_context& ctx, protocol::reader& body, responder reply) {       \
    forward<protocol::request_type>(ctx, body, std::move(reply), ctx.services.groups, \
                                    [](auto& g, auto request, int16_t v, auto done) { \
                                      g.method(request, v, std::move(done));          \
                                    });                                               \
  }

SLUICE_FORWARD_GROUP_API(handle_heartbeat, heartbeat_request, heartbeat)
SLUICE_FORWARD_GROUP_API(handle_leave_group, leave_group_request, leave_group)
SLUICE_FORWARD_GROUP_API(handle_offset_commit, offset_commit_request, offset_commit)
SLUICE_FORWARD_GROUP_API(handle_offset_fetch, offset_fetch_request, offset_fetch)
SLUICE_FORWARD_GROUP_API(handle_txn_offset_commit, txn_offset_commit_request, txn_offset_commit)
SLUICE_FORWARD_GROUP_API(handle_list_groups, list_groups_request, list_groups)
SLUICE_FORWARD_GROUP_API(handle_describe_groups, describe_groups_request, describe_groups)
SLUICE_FORWARD_GROUP_API(handle_delete_groups, delete_groups_request, delete_groups)
SLUICE_FORWARD_GROUP_API(handle_offset_delete, offset_delete_request, offset_delete)

#undef SLUICE_FORWARD_GROUP_API

}  // namespace sluice::handlers
