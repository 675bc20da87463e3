// KIP-932's record delivery APIs: ShareFetch (78) and ShareAcknowledge (79), answered from this
// broker's share partitions (share/share_partition_manager) for the partitions it leads.
//
// ShareFetch, as Kafka's handler orders it: (1) the share session epoch is checked (top-level
// SHARE_SESSION_NOT_FOUND / INVALID_SHARE_SESSION_EPOCH); (2) the acknowledgements it carries are
// applied (per-partition AcknowledgeErrorCode); (3) the session's partitions are read from the log
// through the replica manager's fetch — the same long-poll as Fetch, MaxWaitMs and MinBytes — at
// each share partition's first available offset, and what is available of the batches read is
// acquired for the member (AcquiredRecords). The batches go out whole and untouched (sendfile on
// plaintext); the client keeps only the records in its acquired ranges. Epoch -1 acknowledges and
// closes the session, releasing what the member still holds.
//
// Authorization as Kafka's: READ on the group (else GROUP_AUTHORIZATION_FAILED for the request)
// and READ on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions).
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/batch_header.h"
#include "protocol/generated/share_acknowledge.h"
#include "protocol/generated/share_fetch.h"
#include "replication/replica_manager.h"
#include "share/share_partition_manager.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;
using share::session_partition;

int64_t share_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The batches a fetch read, by offsets: their headers, from memory or with pread from the file.
std::vector<share::log_batch> batches_of(const protocol::records& records) {
  std::vector<share::log_batch> out;
  constexpr size_t header = protocol::batch_header::last_offset_delta_at + 4;
  const auto read_header = [&](int64_t at, uint8_t* into) -> bool {
    if (!records.is_file()) {
      auto data = records.data();
      if (static_cast<size_t>(at) + header > data.size()) return false;
      std::copy_n(data.begin() + at, header, into);
      return true;
    }
    const auto& region = records.region();
    if (at + static_cast<int64_t>(header) > region.size) return false;
    return ::pread(region.fd, into, header, region.position + at) == static_cast<ssize_t>(header);
  };
  const int64_t size =
      records.is_file() ? records.region().size : static_cast<int64_t>(records.data().size());
  uint8_t h[header];
  for (int64_t at = 0; read_header(at, h);) {
    protocol::reader r({h, header});
    const int64_t base = r.read_int64();
    const int32_t length = r.read_int32();
    if (length <= 0 || at + 12 + length > size) break;
    protocol::reader delta({h + protocol::batch_header::last_offset_delta_at, 4});
    const int32_t last_delta = delta.read_int32();
    if (r.ok() && delta.ok() && last_delta >= 0) out.push_back({base, base + last_delta});
    at += 12 + length;
  }
  return out;
}

std::vector<share::ack_type> ack_types(const std::vector<int8_t>& types) {
  std::vector<share::ack_type> out;
  out.reserve(types.size());
  for (auto t : types) out.push_back(static_cast<share::ack_type>(t));
  return out;
}

// Applies one partition's acknowledgement batches; the first error is the partition's.
template <class Batches>
error_code acknowledge_batches(share::share_partition_manager& shares,
                               const share::share_partition_key& key, const std::string& member,
                               const Batches& batches, int64_t now_ms) {
  error_code result = error_code::none;
  for (const auto& b : batches) {
    auto e = shares.acknowledge(key, member, b.first_offset, b.last_offset,
                                ack_types(b.acknowledge_types), now_ms);
    if (e && result == error_code::none) result = *e;
  }
  return result;
}

// Why a topic of a share request is not served: UNKNOWN_TOPIC_ID or TOPIC_AUTHORIZATION_FAILED.
std::optional<error_code> refuse_topic(const request_context& ctx, const access& acl,
                                       const protocol::uuid& topic_id,
                                       std::map<protocol::uuid, std::optional<error_code>>& seen) {
  auto [it, fresh] = seen.try_emplace(topic_id);
  if (!fresh) return it->second;
  auto name = ctx.services.metadata.topic_name(topic_id);
  if (!name)
    it->second = error_code::unknown_topic_id;
  else if (!acl.allows_topic(acl_operation::read, *name))
    it->second = error_code::topic_authorization_failed;
  return it->second;
}

}  // namespace

void handle_share_fetch(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::share_fetch_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  share::share_partition_manager* shares = ctx.services.shares;
  if (shares == nullptr) return reply.close();
  using response_t = protocol::share_fetch_response;
  auto top_error = [&](error_code e, std::string message = {}) {
    response_t response;
    response.error_code = code_of(e);
    if (!message.empty()) response.error_message = std::move(message);
    return reply.send(response);
  };
  const std::string group = request.group_id.value_or("");
  const std::string member = request.member_id.value_or("");
  if (group.empty()) return top_error(error_code::invalid_request, "GroupId can't be empty.");
  if (member.empty()) return top_error(error_code::invalid_request, "MemberId can't be empty.");
  const access acl(ctx);
  if (!acl.allows_group(acl_operation::read, group))
    return top_error(error_code::group_authorization_failed);
  const int32_t epoch = request.share_session_epoch;
  const int64_t now = share_clock_ms();
  if (auto e = shares->check_session(group, member, epoch)) return top_error(*e);

  std::map<protocol::uuid, std::optional<error_code>> refused;
  std::map<session_partition, response_t::share_fetchable_topic_response::partition_data> out;
  auto slot = [&](const session_partition& p) -> auto& {
    auto& d = out[p];
    d.partition_index = p.partition;
    return d;
  };
  std::vector<session_partition> added;
  bool has_acks = false;
  for (const auto& topic : request.topics) {
    const auto bad = refuse_topic(ctx, acl, topic.topic_id, refused);
    for (const auto& part : topic.partitions) {
      const session_partition p{topic.topic_id, part.partition_index};
      if (bad) {
        slot(p).error_code = code_of(*bad);
        continue;
      }
      added.push_back(p);
      if (part.acknowledgement_batches.empty()) continue;
      has_acks = true;
      if (epoch == share::open_session_epoch) continue;  // refused below
      slot(p).acknowledge_error_code = code_of(acknowledge_batches(
          *shares, {group, p.topic_id, p.partition}, member, part.acknowledgement_batches, now));
    }
  }
  if (has_acks && epoch == share::open_session_epoch)
    return top_error(error_code::invalid_request,
                     "Acknowledge data present on initial fetch request.");
  std::vector<session_partition> forgotten;
  for (const auto& topic : request.forgotten_topics_data)
    for (auto p : topic.partitions) forgotten.push_back({topic.topic_id, p});
  auto session = shares->update_session(group, member, epoch, added, forgotten, now);
  if (!session) return top_error(session.error().code);

  // The session's partitions to read, each from its first available record.
  replication::fetch_request_params params;
  params.max_wait_ms = request.max_wait_ms;
  params.min_bytes = request.min_bytes;
  params.max_bytes = request.max_bytes;
  std::vector<session_partition> reading;
  for (const auto& p : session.value()) {
    if (refused.contains(p.topic_id) && refused[p.topic_id]) continue;
    auto name = ctx.services.metadata.topic_name(p.topic_id);
    if (!name) {
      slot(p).error_code = code_of(error_code::unknown_topic_id);
      continue;
    }
    auto view = ctx.services.replicas.describe(*name, p.partition);
    if (!view || !view->leader) {
      slot(p).error_code = code_of(error_code::not_leader_or_follower);
      continue;
    }
    auto& replicas = ctx.services.replicas;
    auto offset = shares->next_fetch_offset(
        {group, p.topic_id, p.partition},
        [&] {
          // share.auto.offset.reset=latest, Kafka's default: delivery starts at the end.
          auto latest = replicas.list_offset(*name, p.partition, -1, false, -1);
          return latest ? latest.value().offset : view->high_watermark;
        },
        now);
    if (!offset) {
      slot(p);  // every record it may lock is locked: nothing to read now
      continue;
    }
    replication::fetch_partition_request f;
    f.topic_id = p.topic_id;
    f.topic = *name;
    f.partition = p.partition;
    f.fetch_offset = *offset;
    f.max_bytes = request.max_bytes;
    params.partitions.push_back(std::move(f));
    reading.push_back(p);
  }

  struct pending {
    std::string group, member;
    int32_t max_records;
    int32_t lock_ms;
    std::vector<session_partition> reading;
    std::map<session_partition, response_t::share_fetchable_topic_response::partition_data> out;
    share::share_partition_manager* shares;
    int32_t broker_id;
    responder reply;
  };
  auto state = std::make_shared<pending>(
      pending{group, member, std::max(request.max_records, 1),
              shares->config().delivery.record_lock_duration_ms, std::move(reading), std::move(out),
              shares, ctx.services.settings.broker_id, std::move(reply)});
  auto finish = [state](std::vector<replication::fetch_partition_result> results) {
    const int64_t now = share_clock_ms();
    int32_t left = state->max_records;
    for (size_t i = 0; i < results.size() && i < state->reading.size(); ++i) {
      const auto& p = state->reading[i];
      auto& d = state->out[p];
      d.partition_index = p.partition;
      auto& r = results[i];
      if (r.error) {
        d.error_code = code_of(r.error);
        continue;
      }
      d.current_leader.leader_id = state->broker_id;
      if (r.records.is_null() || left <= 0) continue;
      auto acquired = state->shares->acquire({state->group, p.topic_id, p.partition}, state->member,
                                             batches_of(r.records), left, now);
      if (acquired.empty()) continue;
      for (const auto& a : acquired) {
        auto& ar = d.acquired_records.emplace_back();
        ar.first_offset = a.first_offset;
        ar.last_offset = a.last_offset;
        ar.delivery_count = a.delivery_count;
        left -= static_cast<int32_t>(a.last_offset - a.first_offset + 1);
      }
      d.records = std::move(r.records);
    }
    response_t response;
    response.acquisition_lock_timeout_ms = state->lock_ms;
    std::map<protocol::uuid, size_t> topic_at;
    for (auto& [p, d] : state->out) {
      auto [it, fresh] = topic_at.try_emplace(p.topic_id, response.responses.size());
      if (fresh) response.responses.emplace_back().topic_id = p.topic_id;
      if (d.records.is_null()) d.records = protocol::records::view({});
      response.responses[it->second].partitions.push_back(std::move(d));
    }
    state->reply.send(response);
  };
  if (epoch == share::close_session_epoch || params.partitions.empty()) return finish({});
  ctx.services.replicas.fetch(std::move(params), std::move(finish));
}

void handle_share_acknowledge(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::share_acknowledge_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  share::share_partition_manager* shares = ctx.services.shares;
  if (shares == nullptr) return reply.close();
  using response_t = protocol::share_acknowledge_response;
  response_t response;
  if (version >= 2)
    response.acquisition_lock_timeout_ms = shares->config().delivery.record_lock_duration_ms;
  auto top_error = [&](error_code e, std::string message = {}) {
    response.error_code = code_of(e);
    if (!message.empty()) response.error_message = std::move(message);
    return reply.send(response);
  };
  const std::string group = request.group_id.value_or("");
  const std::string member = request.member_id.value_or("");
  if (group.empty()) return top_error(error_code::invalid_request, "GroupId can't be empty.");
  if (member.empty()) return top_error(error_code::invalid_request, "MemberId can't be empty.");
  const access acl(ctx);
  if (!acl.allows_group(acl_operation::read, group))
    return top_error(error_code::group_authorization_failed);
  const int32_t epoch = request.share_session_epoch;
  // Acknowledgements belong to an open session: epoch 0 would open one.
  if (epoch == share::open_session_epoch) return top_error(error_code::invalid_share_session_epoch);
  if (auto e = shares->check_session(group, member, epoch)) return top_error(*e);
  const int64_t now = share_clock_ms();
  std::map<protocol::uuid, std::optional<error_code>> refused;
  for (const auto& topic : request.topics) {
    auto& topic_out = response.responses.emplace_back();
    topic_out.topic_id = topic.topic_id;
    const auto bad = refuse_topic(ctx, acl, topic.topic_id, refused);
    for (const auto& part : topic.partitions) {
      auto& d = topic_out.partitions.emplace_back();
      d.partition_index = part.partition_index;
      d.error_code =
          code_of(bad ? *bad
                      : acknowledge_batches(*shares, {group, topic.topic_id, part.partition_index},
                                            member, part.acknowledgement_batches, now));
      d.current_leader.leader_id = ctx.services.settings.broker_id;
    }
  }
  if (auto session = shares->update_session(group, member, epoch, {}, {}, now); !session)
    return top_error(session.error().code);
  reply.send(response);
}

}  // namespace sluice::handlers
