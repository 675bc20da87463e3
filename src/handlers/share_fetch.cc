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

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "coordinator/group_configs.h"
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

// Why a ShareFetch or ShareAcknowledge is refused as a whole, with Kafka's message: an empty group
// or member id (INVALID_REQUEST), or no READ on the group.
std::optional<std::pair<error_code, std::string>> refuse_share_request(const access& acl,
                                                                       const std::string& group,
                                                                       const std::string& member) {
  if (group.empty()) return std::pair(error_code::invalid_request, "GroupId can't be empty.");
  if (member.empty()) return std::pair(error_code::invalid_request, "MemberId can't be empty.");
  if (!acl.allows_group(acl_operation::read, group))
    return std::pair(error_code::group_authorization_failed, "");
  return std::nullopt;
}

// A ShareFetch answer that goes out when everything it waits for is done (see below).
struct share_fetch_join {
  explicit share_fetch_join(responder r) : reply(std::move(r)) {}
  using partition_data =
      protocol::share_fetch_response::share_fetchable_topic_response::partition_data;
  std::mutex mutex;
  std::map<session_partition, partition_data> out;  // mutex
  size_t outstanding = 0;                           // mutex
  std::string group, member;
  int32_t max_records = 1;
  int32_t lock_ms = 0;
  std::vector<session_partition> reading;  // the fetch's partitions, in its order
  share::share_partition_manager* shares = nullptr;
  int32_t broker_id = -1;
  responder reply;

  void touch(const session_partition& p) {
    std::lock_guard lock(mutex);
    out[p].partition_index = p.partition;
  }
  void error(const session_partition& p, error_code e) {
    std::lock_guard lock(mutex);
    auto& d = out[p];
    d.partition_index = p.partition;
    if (d.error_code == 0) d.error_code = code_of(e);
  }
  void acknowledge_error(const session_partition& p, error_code e) {
    std::lock_guard lock(mutex);
    auto& d = out[p];
    if (d.acknowledge_error_code == 0) d.acknowledge_error_code = code_of(e);
  }
  // What is available of the batches read is acquired for the member.
  void acquire(std::vector<replication::fetch_partition_result> results) {
    const int64_t now = share_clock_ms();
    int32_t left = max_records;
    std::lock_guard lock(mutex);
    for (size_t i = 0; i < results.size() && i < reading.size(); ++i) {
      const auto& p = reading[i];
      auto& d = out[p];
      d.partition_index = p.partition;
      auto& r = results[i];
      if (r.error) {
        d.error_code = code_of(r.error);
        continue;
      }
      d.current_leader.leader_id = broker_id;
      if (r.records.is_null() || left <= 0) continue;
      auto acquired = shares->acquire({group, p.topic_id, p.partition}, member,
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
  }
  void done_one() {
    std::unique_lock lock(mutex);
    if (--outstanding > 0) return;
    protocol::share_fetch_response response;
    response.acquisition_lock_timeout_ms = lock_ms;
    std::map<protocol::uuid, size_t> topic_at;
    for (auto& [p, d] : out) {
      auto [it, fresh] = topic_at.try_emplace(p.topic_id, response.responses.size());
      if (fresh) response.responses.emplace_back().topic_id = p.topic_id;
      if (d.records.is_null()) d.records = protocol::records::view({});
      response.responses[it->second].partitions.push_back(std::move(d));
    }
    lock.unlock();
    reply.send(response);
  }
};

// A ShareAcknowledge answer that goes out once the acknowledged state is kept.
struct share_ack_join {
  explicit share_ack_join(responder r) : reply(std::move(r)) {}
  using partition_data =
      protocol::share_acknowledge_response::share_acknowledge_topic_response::partition_data;
  std::mutex mutex;
  std::map<session_partition, partition_data> out;  // mutex
  size_t outstanding = 0;                           // mutex
  int16_t version = 1;
  int32_t lock_ms = 0;
  responder reply;

  void acknowledge_error(const session_partition& p, error_code e) {
    std::lock_guard lock(mutex);
    auto& d = out[p];
    if (d.error_code == 0) d.error_code = code_of(e);
  }
  void done_one() {
    std::unique_lock lock(mutex);
    if (--outstanding > 0) return;
    protocol::share_acknowledge_response response;
    if (version >= 2) response.acquisition_lock_timeout_ms = lock_ms;
    std::map<protocol::uuid, size_t> topic_at;
    for (auto& [p, d] : out) {
      auto [it, fresh] = topic_at.try_emplace(p.topic_id, response.responses.size());
      if (fresh) response.responses.emplace_back().topic_id = p.topic_id;
      response.responses[it->second].partitions.push_back(std::move(d));
    }
    lock.unlock();
    reply.send(response);
  }
};

// Keeps the state of the partitions acknowledgements changed; each write's outcome counts down
// `join` (a failed write becomes the partition's acknowledgement error).
template <class Join>
void persist_acknowledged(share::share_partition_manager& shares, const std::string& group,
                          const std::vector<session_partition>& acked,
                          const std::shared_ptr<Join>& join) {
  for (const auto& p : acked) {
    shares.persist({group, p.topic_id, p.partition}, [join, p](std::optional<error_code> e) {
      if (e) join->acknowledge_error(p, *e);
      join->done_one();
    });
  }
}

// The group's share.auto.offset.reset (group_configs.h), Kafka's default latest without one.
std::string share_auto_offset_reset(const broker_services& services, const std::string& group) {
  if (services.group_configs == nullptr) return "latest";
  return services.group_configs->value(group, "share.auto.offset.reset").value_or("latest");
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
  const access acl(ctx);
  if (auto bad = refuse_share_request(acl, group, member))
    return top_error(bad->first, bad->second);
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
  std::vector<session_partition> acked;  // their new state is kept before the answer goes out
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
      acked.push_back(p);
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

  // What is answered waits for three things: the acknowledged partitions' state kept, the
  // session's share partitions loaded, and the fetch from the log.
  auto state = std::make_shared<share_fetch_join>(std::move(reply));
  state->group = group;
  state->member = member;
  state->max_records = std::max(request.max_records, 1);
  state->lock_ms = shares->config().delivery.record_lock_duration_ms;
  state->out = std::move(out);
  state->shares = shares;
  state->broker_id = ctx.services.settings.broker_id;
  state->outstanding = 1 + acked.size();
  persist_acknowledged(*shares, group, acked, state);

  // The session's partitions to read, each loaded first (its kept state, or its start).
  std::vector<std::pair<session_partition, replication::fetch_partition_request>> candidates;
  if (epoch != share::close_session_epoch) {
    for (const auto& p : session.value()) {
      if (refused.contains(p.topic_id) && refused[p.topic_id]) continue;
      auto name = ctx.services.metadata.topic_name(p.topic_id);
      if (!name) {
        state->error(p, error_code::unknown_topic_id);
        continue;
      }
      auto view = ctx.services.replicas.describe(*name, p.partition);
      if (!view || !view->leader) {
        state->error(p, error_code::not_leader_or_follower);
        continue;
      }
      replication::fetch_partition_request f;
      f.topic_id = p.topic_id;
      f.topic = *name;
      f.partition = p.partition;
      f.current_leader_epoch = view->leader_epoch;
      f.max_bytes = request.max_bytes;
      candidates.emplace_back(p, std::move(f));
    }
  }
  replication::fetch_request_params params;
  params.max_wait_ms = request.max_wait_ms;
  params.min_bytes = request.min_bytes;
  params.max_bytes = request.max_bytes;
  auto fetch = [state, params = std::move(params), candidates,
                replicas = &ctx.services.replicas]() mutable {
    const int64_t now = share_clock_ms();
    for (auto& [p, f] : candidates) {
      auto offset = state->shares->next_fetch_offset({state->group, p.topic_id, p.partition}, now);
      if (!offset) {
        state->touch(p);  // not loaded, or every record it may lock is locked: nothing now
        continue;
      }
      f.fetch_offset = *offset;
      params.partitions.push_back(f);
      state->reading.push_back(p);
    }
    if (params.partitions.empty()) return state->done_one();
    replicas->fetch(std::move(params), [state](std::vector<replication::fetch_partition_result> r) {
      state->acquire(std::move(r));
      state->done_one();
    });
  };
  if (candidates.empty()) return fetch();
  auto loads = std::make_shared<std::atomic<size_t>>(candidates.size());
  auto run_fetch = std::make_shared<decltype(fetch)>(std::move(fetch));
  for (const auto& [p, f] : candidates) {
    const share::share_partition_key key{group, p.topic_id, p.partition};
    shares->load(
        key, f.current_leader_epoch,
        [replicas = &ctx.services.replicas, topic = f.topic, partition = p.partition,
         reset = share_auto_offset_reset(ctx.services, group)] {
          // share.auto.offset.reset (the group's config; latest, Kafka's default, starts delivery
          // at the end). A time with no record at or after it starts at the end too, as Kafka.
          const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
          const int64_t timestamp = coordinator::share_reset_timestamp(reset, now);
          auto found = replicas->list_offset(topic, partition, timestamp, false, -1);
          if (found && found.value().offset >= 0) return found.value().offset;
          auto latest = replicas->list_offset(topic, partition, -1, false, -1);
          return latest ? latest.value().offset : 0;
        },
        [state, p, loads, run_fetch](std::optional<error_code> e) {
          if (e) state->error(p, *e);
          if (loads->fetch_sub(1) == 1) (*run_fetch)();
        });
  }
}

void handle_share_acknowledge(request_context& ctx, protocol::reader& body, responder reply) {
  const int16_t version = ctx.api_version();
  protocol::share_acknowledge_request request;
  if (auto r = request.decode(body, version); !r) return reply.close();
  share::share_partition_manager* shares = ctx.services.shares;
  if (shares == nullptr) return reply.close();
  using response_t = protocol::share_acknowledge_response;
  auto top_error = [&](error_code e, std::string message = {}) {
    response_t response;
    if (version >= 2)
      response.acquisition_lock_timeout_ms = shares->config().delivery.record_lock_duration_ms;
    response.error_code = code_of(e);
    if (!message.empty()) response.error_message = std::move(message);
    return reply.send(response);
  };
  const std::string group = request.group_id.value_or("");
  const std::string member = request.member_id.value_or("");
  const access acl(ctx);
  if (auto bad = refuse_share_request(acl, group, member))
    return top_error(bad->first, bad->second);
  const int32_t epoch = request.share_session_epoch;
  // Acknowledgements belong to an open session: epoch 0 would open one.
  if (epoch == share::open_session_epoch) return top_error(error_code::invalid_share_session_epoch);
  if (auto e = shares->check_session(group, member, epoch)) return top_error(*e);
  const int64_t now = share_clock_ms();
  std::map<protocol::uuid, std::optional<error_code>> refused;
  std::map<session_partition, share_ack_join::partition_data> out;
  std::vector<session_partition> acked;
  for (const auto& topic : request.topics) {
    const auto bad = refuse_topic(ctx, acl, topic.topic_id, refused);
    for (const auto& part : topic.partitions) {
      const session_partition p{topic.topic_id, part.partition_index};
      auto& d = out[p];
      d.partition_index = part.partition_index;
      d.current_leader.leader_id = ctx.services.settings.broker_id;
      d.error_code =
          code_of(bad ? *bad
                      : acknowledge_batches(*shares, {group, topic.topic_id, part.partition_index},
                                            member, part.acknowledgement_batches, now));
      if (!bad) acked.push_back(p);
    }
  }
  if (auto session = shares->update_session(group, member, epoch, {}, {}, now); !session)
    return top_error(session.error().code);
  auto state = std::make_shared<share_ack_join>(std::move(reply));
  state->version = version;
  state->lock_ms = shares->config().delivery.record_lock_duration_ms;
  state->out = std::move(out);
  state->outstanding = 1 + acked.size();
  persist_acknowledged(*shares, group, acked, state);
  state->done_one();
}

}  // namespace sluice::handlers
