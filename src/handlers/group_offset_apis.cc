// The consumer-group offset APIs (OffsetCommit, OffsetFetch, OffsetDelete, TxnOffsetCommit): each
// is decoded here, authorized as Kafka's KafkaApis does, and what is allowed goes to the group
// coordinator; topics refused are answered here and merged into the coordinator's response.
//
// Authorization:
//  - OffsetCommit: READ on the group (else every partition GROUP_AUTHORIZATION_FAILED), READ on
//    each topic (else its partitions TOPIC_AUTHORIZATION_FAILED).
//  - TxnOffsetCommit: as OffsetCommit, after WRITE on the transactional id (else every partition
//    TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
//  - OffsetDelete: DELETE on the group (else GROUP_AUTHORIZATION_FAILED), READ on each topic.
//  - OffsetFetch: DESCRIBE on each group (else that group's GROUP_AUTHORIZATION_FAILED); topics
//    the principal may not DESCRIBE are answered TOPIC_AUTHORIZATION_FAILED when named, and left
//    out of an all-topics answer.
#include <algorithm>

#include "cluster/metadata_store.h"
#include "coordinator/group_coordinator.h"
#include "coordinator/responses.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/forward.h"
#include "handlers/handlers.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::handlers {

namespace {

using protocol::error_code;

int16_t wire(error_code e) {
  return static_cast<int16_t>(e);
}

// Moves the topics the principal may not do `op` on out of `topics`, keeping the others' order.
template <class Topic>
std::vector<Topic> take_refused(const access& acl, acl_operation op, std::vector<Topic>& topics) {
  const auto allowed = acl.allowed(op, resource_type::topic, topics,
                                   [](const Topic& t) -> const std::string& { return t.name; });
  auto split = std::stable_partition(topics.begin(), topics.end(),
                                     [&](const Topic& t) { return allowed.contains(t.name); });
  std::vector<Topic> refused(std::make_move_iterator(split), std::make_move_iterator(topics.end()));
  topics.erase(split, topics.end());
  return refused;
}

// Appends `topics` with every partition failed with `e` (responses whose partitions carry only
// an index and an error: OffsetCommit, TxnOffsetCommit, OffsetDelete).
template <class Response, class Topic>
void add_failed(Response& response, const std::vector<Topic>& topics, error_code e) {
  for (const auto& t : topics) {
    auto& out = response.topics.emplace_back();
    out.name = t.name;
    if constexpr (requires { out.topic_id = t.topic_id; }) out.topic_id = t.topic_id;
    for (const auto& p : t.partitions) {
      auto& part = out.partitions.emplace_back();
      part.partition_index = p.partition_index;
      part.error_code = wire(e);
    }
  }
}

// The topic-id versions (OffsetCommit v10, OffsetFetch v10, TxnOffsetCommit v6) name topics by
// id: each id becomes its topic's name for the coordinator, and the topics of ids no topic has
// are moved out (to be answered UNKNOWN_TOPIC_ID).
template <class Topic>
std::vector<Topic> resolve_topic_ids(const cluster::metadata_store& store,
                                     std::vector<Topic>& topics) {
  std::vector<Topic> known, unknown;
  for (auto& t : topics) {
    if (auto md = store.topic_by_id(t.topic_id)) {
      t.name = md->name;
      known.push_back(std::move(t));
    } else {
      unknown.push_back(std::move(t));
    }
  }
  topics = std::move(known);
  return unknown;
}

// ... and the answer names its topics by id again; topics that no longer exist (an all-topics
// OffsetFetch) are left out, as Kafka does.
template <class Topics>
void name_topics_by_id(const cluster::metadata_store& store, Topics& topics) {
  std::erase_if(topics, [&](auto& t) {
    if (!t.topic_id.is_zero()) return false;
    auto md = store.topic(t.name);
    if (!md) return true;
    t.topic_id = md->id;
    return false;
  });
}

// OffsetCommit and TxnOffsetCommit: after the request-wide checks (`refusal`, if any), READ on
// each topic; with nothing left, the coordinator is not asked.
template <class Request, class Response, class Call>
void commit_offsets(const access& acl, const cluster::metadata_store& store, bool by_id,
                    Request request, int16_t v, std::optional<error_code> refusal,
                    unique_function<void(Response)> done, Call call) {
  decltype(request.topics) unknown;
  if (by_id) unknown = resolve_topic_ids(store, request.topics);
  auto finish = [&store, by_id, unknown = std::move(unknown)](Response& r) {
    add_failed(r, unknown, error_code::unknown_topic_id);
    if (by_id) name_topics_by_id(store, r.topics);
  };
  if (refusal) {
    Response response;
    add_failed(response, request.topics, *refusal);
    finish(response);
    return done(std::move(response));
  }
  auto refused = take_refused(acl, acl_operation::read, request.topics);
  if (request.topics.empty()) {
    Response response;
    add_failed(response, refused, error_code::topic_authorization_failed);
    finish(response);
    return done(std::move(response));
  }
  call(request, v,
       [refused = std::move(refused), finish = std::move(finish),
        done = std::move(done)](Response r) mutable {
         add_failed(r, refused, error_code::topic_authorization_failed);
         finish(r);
         done(std::move(r));
       });
}

// Named topics of an OffsetFetch answered with an error on each partition.
template <class Topics, class Answer>
void add_fetch_errors(const Topics& topics, error_code e, Answer& answer) {
  for (const auto& t : topics) {
    auto& out = answer.emplace_back();
    out.name = t.name;
    if constexpr (requires { out.topic_id = t.topic_id; }) out.topic_id = t.topic_id;
    for (int32_t p : t.partition_indexes) {
      auto& part = out.partitions.emplace_back();
      part.partition_index = p;
      part.committed_offset = -1;
      part.error_code = wire(e);
    }
  }
}

// One group's topics of an OffsetFetch: refused named topics are answered, an all-topics answer
// loses the topics the principal may not DESCRIBE.
template <class Topics, class Answer>
void finish_fetched_topics(const access& acl, const Topics& refused, bool all_topics,
                           Answer& answer) {
  if (all_topics) {
    std::erase_if(
        answer, [&](const auto& t) { return !acl.allows_topic(acl_operation::describe, t.name); });
    return;
  }
  add_fetch_errors(refused, error_code::topic_authorization_failed, answer);
}

}  // namespace

void handle_offset_commit(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::offset_commit_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx), store = &ctx.services.metadata](
          auto& g, protocol::offset_commit_request request, int16_t v, auto done) {
        std::optional<error_code> refusal;
        if (!acl.allows_group(acl_operation::read, request.group_id))
          refusal = error_code::group_authorization_failed;
        commit_offsets<protocol::offset_commit_request, protocol::offset_commit_response>(
            acl, *store, v >= 10, std::move(request), v, refusal, std::move(done),
            [&g](const auto& r, int16_t version, auto finish) {
              g.offset_commit(r, version, std::move(finish));
            });
      });
}

void handle_txn_offset_commit(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::txn_offset_commit_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx), store = &ctx.services.metadata](
          auto& g, protocol::txn_offset_commit_request request, int16_t v, auto done) {
        std::optional<error_code> refusal;
        if (!acl.allows_transactional_id(acl_operation::write, request.transactional_id))
          refusal = error_code::transactional_id_authorization_failed;
        else if (!acl.allows_group(acl_operation::read, request.group_id))
          refusal = error_code::group_authorization_failed;
        commit_offsets<protocol::txn_offset_commit_request, protocol::txn_offset_commit_response>(
            acl, *store, v >= 6, std::move(request), v, refusal, std::move(done),
            [&g](const auto& r, int16_t version, auto finish) {
              g.txn_offset_commit(r, version, std::move(finish));
            });
      });
}

void handle_offset_delete(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::offset_delete_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx)](auto& g, protocol::offset_delete_request request, int16_t v, auto done) {
        if (!acl.allows_group(acl_operation::remove, request.group_id)) {
          protocol::offset_delete_response refused;
          refused.error_code = wire(error_code::group_authorization_failed);
          return done(std::move(refused));
        }
        auto refused = take_refused(acl, acl_operation::read, request.topics);
        g.offset_delete(request, v,
                        [refused = std::move(refused),
                         done = std::move(done)](protocol::offset_delete_response r) mutable {
                          if (r.error_code == 0)
                            add_failed(r, refused, error_code::topic_authorization_failed);
                          done(std::move(r));
                        });
      });
}

void handle_offset_fetch(request_context& ctx, protocol::reader& body, responder reply) {
  forward<protocol::offset_fetch_request>(
      ctx, body, std::move(reply), ctx.services.groups,
      [acl = access(ctx), store = &ctx.services.metadata](
          auto& g, protocol::offset_fetch_request request, int16_t v, auto done) {
        using request_t = protocol::offset_fetch_request;
        if (v < 8) {
          if (!acl.allows_group(acl_operation::describe, request.group_id)) {
            // v0-v1 carry the error on each requested partition, v2+ at the top.
            coordinator::fetched_group group{
                request.group_id, error_code::group_authorization_failed, {}};
            if (v < 2 && request.topics)
              for (const auto& t : *request.topics) {
                auto& out = group.topics.emplace_back();
                out.name = t.name;
                for (int32_t p : t.partition_indexes)
                  out.partitions.push_back(
                      {.partition = p, .error = error_code::group_authorization_failed});
              }
            return done(coordinator::make_offset_fetch_response(v, {std::move(group)}));
          }
          const bool all = !request.topics.has_value();
          std::vector<request_t::offset_fetch_request_topic> refused;
          if (!all) refused = take_refused(acl, acl_operation::describe, *request.topics);
          return g.offset_fetch(request, v,
                                [acl, refused = std::move(refused), all, done = std::move(done)](
                                    protocol::offset_fetch_response r) mutable {
                                  if (r.error_code == 0)
                                    finish_fetched_topics(acl, refused, all, r.topics);
                                  done(std::move(r));
                                });
        }
        // v8+: several groups; the refused ones are answered in place, in request order.
        using group_t = request_t::offset_fetch_request_group;
        struct group_plan {
          std::string group_id;
          bool allowed = false;
          bool all = false;
          std::vector<group_t::offset_fetch_request_topics> refused;
          std::vector<group_t::offset_fetch_request_topics> unknown;  // v10: ids of no topic
        };
        std::vector<group_plan> plan;
        std::vector<group_t> allowed_groups;
        for (auto& group : request.groups) {
          auto& p = plan.emplace_back();
          p.group_id = group.group_id;
          p.allowed = acl.allows_group(acl_operation::describe, group.group_id);
          if (!p.allowed) continue;
          p.all = !group.topics.has_value();
          if (!p.all && v >= 10) p.unknown = resolve_topic_ids(*store, *group.topics);
          if (!p.all) p.refused = take_refused(acl, acl_operation::describe, *group.topics);
          allowed_groups.push_back(std::move(group));
        }
        request.groups = std::move(allowed_groups);
        g.offset_fetch(request, v,
                       [acl, store, v, plan = std::move(plan),
                        done = std::move(done)](protocol::offset_fetch_response r) mutable {
                         protocol::offset_fetch_response out;
                         out.throttle_time_ms = r.throttle_time_ms;
                         size_t next = 0;
                         for (auto& p : plan) {
                           if (!p.allowed) {
                             auto& group = out.groups.emplace_back();
                             group.group_id = p.group_id;
                             group.error_code = wire(error_code::group_authorization_failed);
                             continue;
                           }
                           if (next >= r.groups.size()) continue;
                           auto& group = out.groups.emplace_back(std::move(r.groups[next++]));
                           if (group.error_code != 0) continue;
                           finish_fetched_topics(acl, p.refused, p.all, group.topics);
                           if (v < 10) continue;
                           add_fetch_errors(p.unknown, error_code::unknown_topic_id, group.topics);
                           name_topics_by_id(*store, group.topics);
                         }
                         done(std::move(out));
                       });
      });
}

}  // namespace sluice::handlers
