#include "handlers/api_versions.h"

#include "cluster/features.h"
#include "cluster/metadata_store.h"
#include "handlers/broker_services.h"
#include "handlers/registry.h"
#include "protocol/error_code.h"
#include "protocol/generated/api_versions.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;

protocol::api_versions_response supported_versions() {
  protocol::api_versions_response response;
  for (const auto& entry : handler_table()) {
    protocol::api_versions_response::api_version v;
    v.api_key = entry.api_key;
    v.min_version = entry.advertised_min.value_or(entry.min_version);
    v.max_version = entry.max_version;
    response.api_keys.push_back(v);
  }
  return response;
}

// Kafka's rule for ClientSoftwareName/Version: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
bool valid_software_token(const std::string& s) {
  if (s.empty()) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '.') return false;
  return true;
}

// The supported and finalized features (tagged fields, v3+). Below v4 a supported feature whose
// minimum level is 0 is left out: older clients cannot parse it (KAFKA-17492), as Kafka does.
void add_features(protocol::api_versions_response& response,
                  const cluster::finalized_features& finalized, int16_t version) {
  for (const auto& f : cluster::supported_features()) {
    if (version < 4 && f.min_level == 0) continue;
    auto& out = response.supported_features.emplace_back();
    out.name = std::string(f.name);
    out.min_version = f.min_level;
    out.max_version = f.max_level;
  }
  response.finalized_features_epoch = finalized.epoch;
  for (const auto& [name, level] : finalized.levels) {
    auto& out = response.finalized_features.emplace_back();
    out.name = name;
    out.min_version_level = level;
    out.max_version_level = level;
  }
}

}  // namespace

void handle_api_versions(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::api_versions_request request;
  auto response = supported_versions();
  if (auto r = request.decode(body, ctx.api_version()); !r) {
    response.error_code = static_cast<int16_t>(error_code::invalid_request);
  } else if (ctx.api_version() >= 3 && (!valid_software_token(request.client_software_name) ||
                                        !valid_software_token(request.client_software_version))) {
    response.error_code = static_cast<int16_t>(error_code::invalid_request);
  } else if (ctx.api_version() >= 5 &&
             ((request.cluster_id && *request.cluster_id != ctx.services.metadata.cluster_id()) ||
              (request.node_id >= 0 && request.node_id != ctx.services.settings.broker_id))) {
    // KIP-1242: the client meant another cluster or broker (an address now serves someone else):
    // it must bootstrap again rather than trust its metadata.
    response.error_code = static_cast<int16_t>(error_code::rebootstrap_required);
  }
  if (response.error_code == 0 && ctx.api_version() >= 3)
    ctx.connection->session->set_client_software(request.client_software_name,
                                                 request.client_software_version);
  add_features(response, ctx.services.metadata.features(), ctx.api_version());
  reply.send(response);
}

void answer_unsupported_api_versions(responder reply) {
  auto response = supported_versions();
  response.error_code = static_cast<int16_t>(error_code::unsupported_version);
  // The body goes out in v0, whatever the client asked for: it can parse nothing else yet.
  reply.override_version(0);
  reply.send(response);
}

}  // namespace sluice::handlers
