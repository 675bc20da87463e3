// Fetch (key 1), v0–v17. Consumers and (issue #7) followers. Records go out as file regions the
// network layer sends with sendfile. v0–v3 (old consumers) cannot read v2 batches: their records
// are read into memory and down-converted (protocol/legacy_records.h) to magic 0 (v0-1) or 1
// (v2-3), bounded by the partition's max bytes; a copying path, as Kafka's. With the topic's
// message.downconversion.enable false they get UNSUPPORTED_VERSION, and zstd batches
// UNSUPPORTED_COMPRESSION_TYPE, as in Kafka. Fetch sessions (KIP-227): this broker answers every
// fetch in full and never creates a session (session id 0), which the protocol allows and every
// client handles by sending full fetches; an incremental fetch for an unknown session gets
// FETCH_SESSION_ID_NOT_FOUND. Authorization as Kafka's: a follower (replica id >= 0) needs
// CLUSTER_ACTION, a consumer READ on each topic; refused partitions get
// TOPIC_AUTHORIZATION_FAILED. Client quotas (KIP-219) as Kafka's handleFetchRequest: a consumer's
// max_bytes is capped at what its consumer_byte_rate allows in one quota window; the response's
// record bytes are charged, and over the quota — or over its request_percentage — the consumer
// gets an empty response with throttle_time_ms and its connection is muted that long (the bytes
// are not charged). Followers are exempt (replication quotas are theirs).
#include "protocol/generated/fetch.h"

#include <unistd.h>

#include <map>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/registry.h"
#include "protocol/legacy_records.h"
#include "quota/client_quotas.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using response_t = protocol::fetch_response;

// The topic's message.downconversion.enable (its override, else the broker default).
bool down_conversion_enabled(const broker_services& services, const std::string& topic) {
  auto meta = services.metadata.topic(topic);
  if (!meta) return true;
  for (const auto& entry : services.configs.topic_configs(meta->configs))
    if (entry.name == "message.downconversion.enable") return entry.value != "false";
  return true;
}

// Fetch v0-3: the read batches as a magic 0/1 message set in `out`, or the partition's error.
std::optional<error_code> down_convert(const protocol::records& records, int16_t version,
                                       int64_t fetch_offset, int32_t max_bytes,
                                       std::vector<uint8_t>& out) {
  std::vector<uint8_t> raw;
  protocol::bytes_view data = records.data();
  if (records.is_file()) {
    const auto& region = records.region();
    raw.resize(static_cast<size_t>(region.size));
    size_t filled = 0;
    while (filled < raw.size()) {
      ssize_t got = ::pread(region.fd, raw.data() + filled, raw.size() - filled,
                            region.position + static_cast<int64_t>(filled));
      if (got <= 0) return error_code::unknown_server_error;
      filled += static_cast<size_t>(got);
    }
    data = raw;
  }
  protocol::legacy::down_convert_options options;
  options.magic = version <= 1 ? 0 : 1;
  options.fetch_offset = fetch_offset;
  options.max_bytes = static_cast<size_t>(std::max(max_bytes, 0));
  auto converted = protocol::legacy::down_convert(data, options);
  if (!converted) {
    return converted.error().code == protocol::legacy::legacy_errc::unsupported_compression
               ? error_code::unsupported_compression_type
               : error_code::unknown_server_error;
  }
  out = std::move(*converted);
  return std::nullopt;
}

sampled_rate::time_ms quota_clock_now() {
  return std::chrono::duration_cast<sampled_rate::time_ms>(
      std::chrono::steady_clock::now().time_since_epoch());
}

// The bytes a response charges to the fetch quota: its records (before down-conversion, as
// Kafka sizes the response before converting) and a few bytes of framing per partition.
double response_bytes(const std::vector<replication::fetch_partition_result>& results) {
  constexpr double per_partition = 40;  // index, error, offsets, aborted list, records length
  double total = 0;
  for (const auto& r : results)
    total += per_partition + (r.records.is_null() ? 0 : r.records.size());
  return total;
}

}  // namespace

void handle_fetch(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::fetch_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();

  if (request.session_id != 0) {
    response_t response;
    response.error_code = code_of(error_code::fetch_session_id_not_found);
    response.session_id = 0;
    return reply.send(response);
  }

  replication::fetch_request_params params;
  params.replica_id = version >= 15 ? request.replica_state.replica_id : request.replica_id;
  params.max_wait_ms = request.max_wait_ms;
  params.min_bytes = request.min_bytes;
  params.max_bytes = request.max_bytes;
  params.read_committed = request.isolation_level == 1;
  // A follower needs CLUSTER_ACTION; a consumer READ on each topic. Refused partitions are
  // answered TOPIC_AUTHORIZATION_FAILED and not read.
  const access acl(ctx);
  const bool follower = params.replica_id >= 0;
  const bool follower_allowed = follower && acl.allows_inter_broker();
  // A consumer never asks for more than its fetch quota allows in one window, which would be
  // throttled however long it waited (Kafka's maxQuotaWindowBytes).
  quota::client_quotas* quotas = follower ? nullptr : ctx.services.quotas;
  if (follower) reply.exempt_from_request_quota();
  const std::string quota_user =
      quotas ? quota::quota_user(ctx.connection->session->principal()) : std::string();
  if (quotas) {
    if (auto most = quotas->fetch.max_value_in_window(quota_user, ctx.client_id())) {
      params.max_bytes =
          static_cast<int32_t>(std::min<double>(params.max_bytes, std::max(*most, 1.0)));
      params.min_bytes = std::min(params.min_bytes, params.max_bytes);
    }
  }
  std::map<std::string, bool> readable;
  auto refused = [&](const auto& topic) {
    if (follower) return !follower_allowed;
    if (!acl.enabled()) return false;
    std::optional<std::string> name = version >= 13 ? std::nullopt : std::optional(topic.topic);
    if (!name) {
      name = ctx.services.metadata.topic_name(topic.topic_id);
      if (!name) return false;  // the replica manager answers UNKNOWN_TOPIC_ID
    }
    auto [it, fresh] = readable.try_emplace(*name, false);
    if (fresh) it->second = acl.allows_topic(acl_operation::read, *name);
    return !it->second;
  };
  std::vector<bool> skipped;
  for (const auto& topic : request.topics) {
    const bool refuse = refused(topic);
    for (const auto& part : topic.partitions) {
      skipped.push_back(refuse);
      if (refuse) continue;
      replication::fetch_partition_request p;
      if (version >= 13) {
        p.topic_id = topic.topic_id;
      } else {
        p.topic = topic.topic;
      }
      p.partition = part.partition;
      p.fetch_offset = part.fetch_offset;
      p.max_bytes = part.partition_max_bytes;
      p.current_leader_epoch = version >= 9 ? part.current_leader_epoch : -1;
      p.last_fetched_epoch = part.last_fetched_epoch;
      p.log_start_offset = part.log_start_offset;
      params.partitions.push_back(std::move(p));
    }
  }

  struct pending {
    protocol::fetch_request request;
    int16_t version;
    bool read_committed;
    std::vector<bool> skipped;  // per partition in request order: refused, not fetched
    responder reply;
    const broker_services* services;  // for down-conversion settings (v0-3)
    quota::client_quotas* quotas;     // null for followers, which client quotas exempt
    std::string user, client_id;      // the quota entity's parts
  };
  const bool nothing_to_read = params.partitions.empty() && !skipped.empty();
  auto state = std::make_shared<pending>(
      pending{std::move(request), version, params.read_committed, std::move(skipped),
              std::move(reply), &ctx.services, quotas, quota_user, ctx.client_id()});
  auto finish = [state](std::vector<replication::fetch_partition_result> results) {
    response_t response;
    // Over the fetch quota or the request-time quota: an empty response that says how long to
    // wait (the longer of the two), the connection muted that long, and the bytes not sent not
    // charged (Kafka's unrecordQuotaSensor).
    auto throttle = state->reply.charge_request_time();
    if (state->quotas != nullptr) {
      const auto now = quota_clock_now();
      const double bytes = response_bytes(results);
      auto over_bytes = state->quotas->fetch.record(state->user, state->client_id, bytes, now);
      throttle = std::max(throttle, over_bytes);
      if (throttle.count() > 0)
        state->quotas->fetch.unrecord(state->user, state->client_id, bytes, now);
    }
    if (throttle.count() > 0) {
      response.throttle_time_ms = static_cast<int32_t>(throttle.count());
      response.session_id = 0;
      state->reply.throttle(throttle);
      return state->reply.send(response);
    }
    std::vector<std::vector<uint8_t>> converted;  // v0-3: alive until the response is encoded
    std::map<std::string, bool> convertible;
    size_t i = 0, slot = 0;
    for (const auto& topic : state->request.topics) {
      auto& topic_out = response.responses.emplace_back();
      if (state->version >= 13) {
        topic_out.topic_id = topic.topic_id;
      } else {
        topic_out.topic = topic.topic;
      }
      for (const auto& part : topic.partitions) {
        auto& out = topic_out.partitions.emplace_back();
        out.partition_index = part.partition;
        if (state->skipped[slot++]) {
          out.error_code = code_of(error_code::topic_authorization_failed);
          out.high_watermark = -1;
          out.last_stable_offset = -1;
          out.log_start_offset = -1;
          out.aborted_transactions = std::nullopt;
          out.records = protocol::records::view({});
          continue;
        }
        auto& r = results[i++];
        out.error_code = code_of(r.error);
        out.high_watermark = r.high_watermark;
        out.last_stable_offset = r.last_stable_offset;
        if (state->version >= 5) out.log_start_offset = r.log_start_offset;
        // read_committed gets the transactions aborted in the range; read_uncommitted null.
        if (state->read_committed) {
          out.aborted_transactions.emplace();
          for (const auto& a : r.aborted) {
            auto& t = out.aborted_transactions->emplace_back();
            t.producer_id = a.producer_id;
            t.first_offset = a.first_offset;
          }
        } else {
          out.aborted_transactions = std::nullopt;
        }
        out.records = r.records.is_null() ? protocol::records::view({}) : std::move(r.records);
        if (state->version <= 3 && !r.error) {
          auto [it, fresh] = convertible.try_emplace(topic.topic, true);
          if (fresh) it->second = down_conversion_enabled(*state->services, topic.topic);
          auto& set = converted.emplace_back();
          auto error = it->second ? down_convert(out.records, state->version, part.fetch_offset,
                                                 part.partition_max_bytes, set)
                                  : std::optional(error_code::unsupported_version);
          if (error) out.error_code = code_of(*error);
          out.records = protocol::records::view(set);
        }
        if (state->version >= 12 && r.diverging_epoch >= 0) {
          out.diverging_epoch.epoch = r.diverging_epoch;
          out.diverging_epoch.end_offset = r.diverging_end_offset;
        }
      }
    }
    state->reply.send(response);
  };
  if (nothing_to_read) return finish({});  // every partition refused: no need to wait
  ctx.services.replicas.fetch(std::move(params), std::move(finish));
}

}  // namespace sluice::handlers
