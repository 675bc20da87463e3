// forward: the whole of a handler whose API a coordinator answers (the group and transaction
// APIs): decode the request at its version, hand it to the coordinator with a completion that
// sends the response, which the coordinator shapes for that version. A request that does not
// decode, or a broker without that coordinator, closes the connection.
#pragma once

#include "handlers/request_context.h"

namespace sluice::handlers {

// `call(coordinator, request, version, done)`.
template <class Request, class Coordinator, class Call>
void forward(request_context& ctx, protocol::reader& body, responder reply,
             Coordinator* coordinator, Call call) {
  Request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (coordinator == nullptr) return reply.close();
  call(*coordinator, std::move(request), ctx.api_version(),
       [reply = std::move(reply)](auto response) mutable { reply.send(response); });
}

}  // namespace sluice::handlers
