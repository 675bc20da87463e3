// describe_authorized_groups: the whole of a handler that describes KIP-848/KIP-932 groups
// (ConsumerGroupDescribe, ShareGroupDescribe), as Kafka's KafkaApis does: DESCRIBE is checked per
// group, the allowed ones go to the coordinator, the refused ones are answered
// GROUP_AUTHORIZATION_FAILED in their place, and the authorized operations are filled in when
// asked for.
#pragma once

#include "coordinator/group_coordinator.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/forward.h"

namespace sluice::handlers {

// `describe(coordinator, request, version, completion<Response>)`.
template <class Request, class Response, class Describe>
void describe_authorized_groups(request_context& ctx, protocol::reader& body, responder reply,
                                Describe describe) {
  forward<Request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx), describe](auto& g, Request request, int16_t v, auto done) {
        std::vector<std::string> wanted = std::move(request.group_ids);
        std::vector<bool> allowed;
        for (const auto& id : wanted) {
          allowed.push_back(acl.allows_group(acl_operation::describe, id));
          if (allowed.back()) request.group_ids.push_back(id);
        }
        const bool with_ops = request.include_authorized_operations;
        describe(g, request, v,
                 [acl, wanted = std::move(wanted), allowed = std::move(allowed), with_ops,
                  done = std::move(done)](Response described) mutable {
                   Response out;
                   size_t next = 0;
                   for (size_t i = 0; i < wanted.size(); ++i) {
                     if (allowed[i] && next < described.groups.size()) {
                       auto& group = out.groups.emplace_back(std::move(described.groups[next++]));
                       if (with_ops && group.error_code == 0)
                         group.authorized_operations =
                             acl.operations(resource_type::group, group.group_id);
                       continue;
                     }
                     auto& group = out.groups.emplace_back();
                     group.group_id = wanted[i];
                     group.error_code =
                         static_cast<int16_t>(protocol::error_code::group_authorization_failed);
                   }
                   done(std::move(out));
                 });
      });
}

}  // namespace sluice::handlers
