// The handler table: one entry per Kafka API this broker serves, with the versions it really
// implements. ApiVersions advertises exactly this table, so every advertised version must work.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "handlers/request_context.h"

namespace sluice::handlers {

using handler_fn = void (*)(request_context& ctx, protocol::reader& body, responder reply);

struct handler_entry {
  int16_t api_key;
  int16_t min_version;  // lowest version served
  int16_t max_version;
  handler_fn handle;
  // Lowest version advertised in ApiVersions when below min_version: Kafka 4 advertises Produce
  // from v0 (librdkafka turns compression off otherwise) while refusing v0-2 requests.
  std::optional<int16_t> advertised_min = std::nullopt;
  // May block (ZooKeeper round trips, metadata fsync): run on request_workers, not a network loop.
  bool blocking = false;
};

// Every handler, by ascending API key.
std::span<const handler_entry> handler_table();
const handler_entry* find_handler(int16_t api_key);

}  // namespace sluice::handlers
