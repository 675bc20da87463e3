// ApiVersions (key 18): the versions of every API this broker serves, from the handler table.
#pragma once

#include "handlers/request_context.h"

namespace sluice::handlers {

void handle_api_versions(request_context& ctx, protocol::reader& body, responder reply);

// An ApiVersions request at a version this broker does not know: answered in v0 with
// UNSUPPORTED_VERSION and the full table, so the client can retry at a version both know.
void answer_unsupported_api_versions(responder reply);

}  // namespace sluice::handlers
