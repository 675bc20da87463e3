// The consumer-group membership and admin APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// ListGroups, DescribeGroups, DeleteGroups): each is decoded here, authorized as Kafka's KafkaApis
// does, and handed to the group coordinator, which answers — now or when the rebalance completes —
// with a response already shaped for the request's version. The offset APIs are in
// group_offset_apis.cc.
//
// Authorization: membership needs READ on the group (else GROUP_AUTHORIZATION_FAILED for the
// request); DescribeGroups DESCRIBE and DeleteGroups DELETE per group (refused groups answered
// GROUP_AUTHORIZATION_FAILED, the others go to the coordinator); ListGroups lists every group with
// DESCRIBE on the cluster, else only those the principal may DESCRIBE.
#include <map>

#include "coordinator/group_coordinator.h"
#include "coordinator/responses.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/forward.h"
#include "handlers/handlers.h"
#include "handlers/share_group_offset_changes.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/sync_group.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
constexpr auto group_refused = error_code::group_authorization_failed;

// Kafka's answer to a request refused for its group, per API.
protocol::join_group_response refused(const protocol::join_group_request&, int16_t v) {
  return coordinator::join_error(v, "", group_refused);
}
protocol::sync_group_response refused(const protocol::sync_group_request&, int16_t v) {
  return coordinator::make_sync_response(v, group_refused);
}
protocol::heartbeat_response refused(const protocol::heartbeat_request&, int16_t) {
  protocol::heartbeat_response r;
  r.error_code = static_cast<int16_t>(group_refused);
  return r;
}
protocol::leave_group_response refused(const protocol::leave_group_request&, int16_t v) {
  return coordinator::make_leave_response(v, group_refused, {});
}

// The membership APIs: READ on the request's group, then the coordinator.
template <class Request, class Call>
void forward_member_api(request_context& ctx, protocol::reader& body, responder reply, Call call) {
  forward<Request>(ctx, body, std::move(reply), ctx.services.groups,
                   [&ctx, &call](auto& g, Request request, int16_t v, auto done) {
                     if (!access(ctx).allows_group(acl_operation::read, request.group_id))
                       return done(refused(request, v));
                     call(g, std::move(request), v, std::move(done));
                   });
}

}  // namespace

void handle_join_group(request_context& ctx, protocol::reader& body, responder reply) {
  coordinator::client_info client{ctx.client_id(), "/" + ctx.connection->client_host};
  forward_member_api<protocol::join_group_request>(
      ctx, body, std::move(reply), [&client](auto& g, auto request, int16_t v, auto done) {
        g.join_group(std::move(request), v, std::move(client), std::move(done));
      });
}

void handle_sync_group(request_context& ctx, protocol::reader& body, responder reply) {
  forward_member_api<protocol::sync_group_request>(
      ctx, body, std::move(reply), [](auto& g, auto request, int16_t v, auto done) {
        g.sync_group(std::move(request), v, std::move(done));
      });
}

void handle_heartbeat(request_context& ctx, protocol::reader& body, responder reply) {
  forward_member_api<protocol::heartbeat_request>(ctx, body, std::move(reply),
                                                  [](auto& g, auto request, int16_t v, auto done) {
                                                    g.heartbeat(request, v, std::move(done));
                                                  });
}

void handle_leave_group(request_context& ctx, protocol::reader& body, responder reply) {
  forward_member_api<protocol::leave_group_request>(
      ctx, body, std::move(reply), [](auto& g, auto request, int16_t v, auto done) {
        g.leave_group(request, v, std::move(done));
      });
}

void handle_list_groups(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::list_groups_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx)](auto& g, auto request, int16_t v, auto done) {
        g.list_groups(request, v,
                      [acl, done = std::move(done)](protocol::list_groups_response r) mutable {
                        if (!acl.allows_cluster(acl_operation::describe))
                          std::erase_if(r.groups, [&](const auto& group) {
                            return !acl.allows_group(acl_operation::describe, group.group_id);
                          });
                        done(std::move(r));
                      });
      });
}

void handle_describe_groups(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::describe_groups_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx)](auto& g, protocol::describe_groups_request request, int16_t v,
                          auto done) {
        // Refused groups are answered here; the others, in request order, by the coordinator.
        std::vector<std::string> wanted = std::move(request.groups);
        std::vector<bool> allowed;
        for (const auto& id : wanted) {
          allowed.push_back(acl.allows_group(acl_operation::describe, id));
          if (allowed.back()) request.groups.push_back(id);
        }
        const bool with_ops = v >= 3 && request.include_authorized_operations;
        g.describe_groups(
            request, v,
            [acl, wanted = std::move(wanted), allowed = std::move(allowed), with_ops,
             done = std::move(done)](protocol::describe_groups_response described) mutable {
              protocol::describe_groups_response out;
              out.throttle_time_ms = described.throttle_time_ms;
              size_t next = 0;
              for (size_t i = 0; i < wanted.size(); ++i) {
                if (allowed[i]) {
                  if (next >= described.groups.size()) continue;
                  auto& group = out.groups.emplace_back(std::move(described.groups[next++]));
                  if (with_ops && group.error_code == 0)
                    group.authorized_operations =
                        acl.operations(resource_type::group, group.group_id);
                  continue;
                }
                auto& group = out.groups.emplace_back();
                group.group_id = wanted[i];
                group.error_code = static_cast<int16_t>(group_refused);
              }
              done(std::move(out));
            });
      });
}

namespace {

// Removes the share state of each group in `groups` in turn, then runs `then`.
void remove_share_states(broker_services& services,
                         const std::map<std::string, std::set<std::string>>& topics,
                         std::vector<std::string> groups, unique_function<void()> then) {
  if (groups.empty()) return then();
  const std::string group = std::move(groups.back());
  groups.pop_back();
  remove_share_state(
      services, group, topics.at(group),
      [&services, topics, groups = std::move(groups), then = std::move(then)]() mutable {
        remove_share_states(services, topics, std::move(groups), std::move(then));
      });
}

}  // namespace

void handle_delete_groups(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::delete_groups_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx), &services = ctx.services](
          auto& g, protocol::delete_groups_request request, int16_t v, auto done) {
        std::vector<std::string> refused_groups;
        std::erase_if(request.groups_names, [&](const std::string& id) {
          if (acl.allows_group(acl_operation::remove, id)) return false;
          refused_groups.push_back(id);
          return true;
        });
        // A share group's state at the share coordinators goes with it (as Kafka deletes it
        // before the group): the topics whose share partitions may have state.
        auto share_topics = std::make_shared<std::map<std::string, std::set<std::string>>>();
        for (const auto& id : request.groups_names)
          if (auto topics = g.share_group_topics(id); topics && !topics.value().empty())
            (*share_topics)[id] = std::move(topics).value();
        g.delete_groups(
            request, v,
            [refused_groups = std::move(refused_groups), share_topics, &services,
             done = std::move(done)](protocol::delete_groups_response r) mutable {
              for (const auto& id : refused_groups) {
                auto& result = r.results.emplace_back();
                result.group_id = id;
                result.error_code = static_cast<int16_t>(group_refused);
              }
              std::vector<std::string> deleted_share_groups;
              for (const auto& result : r.results)
                if (result.error_code == 0 && share_topics->contains(result.group_id))
                  deleted_share_groups.push_back(result.group_id);
              remove_share_states(
                  services, *share_topics, std::move(deleted_share_groups),
                  [r = std::move(r), done = std::move(done)]() mutable { done(std::move(r)); });
            });
      });
}

}  // namespace sluice::handlers
