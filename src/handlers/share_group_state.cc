// KIP-932's share-group state RPCs, served by the share coordinator of this broker
// (share/share_state_store) for the __share_group_state partitions it leads:
// InitializeShareGroupState (83), ReadShareGroupState (84), WriteShareGroupState (85),
// DeleteShareGroupState (86) and ReadShareGroupStateSummary (87). Partition leaders read and
// write (another broker's share_persister; a leader that is this broker calls the store
// directly); the group coordinator initializes (an offset reset) and deletes. They are
// inter-broker APIs: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED for every
// partition. A share partition whose state partition is not led here gets NOT_COORDINATOR.
#include <memory>
#include <mutex>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "handlers/response_join.h"
#include "protocol/generated/delete_share_group_state.h"
#include "protocol/generated/initialize_share_group_state.h"
#include "protocol/generated/read_share_group_state.h"
#include "protocol/generated/read_share_group_state_summary.h"
#include "protocol/generated/write_share_group_state.h"
#include "share/share_state_store.h"

namespace sluice::handlers {

using protocol::error_code;

void handle_read_share_group_state(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::read_share_group_state_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  share::share_state_store* store = ctx.services.share_states;
  if (store == nullptr) return reply.close();
  const bool allowed = access(ctx).allows_inter_broker();
  protocol::read_share_group_state_response response;
  for (const auto& topic : request.topics) {
    auto& t = response.results.emplace_back();
    t.topic_id = topic.topic_id;
    for (const auto& part : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition = part.partition;
      p.start_offset = -1;
      if (!allowed) {
        p.error_code = code_of(error_code::cluster_authorization_failed);
        continue;
      }
      auto state =
          store->read({request.group_id, topic.topic_id, part.partition}, part.leader_epoch);
      if (!state) {
        p.error_code = code_of(state.error().code);
        continue;
      }
      p.state_epoch = state.value().state_epoch;
      p.start_offset = state.value().start_offset;
      for (const auto& b : state.value().batches) {
        auto& w = p.state_batches.emplace_back();
        w.first_offset = b.first_offset;
        w.last_offset = b.last_offset;
        w.delivery_state = b.delivery_state;
        w.delivery_count = b.delivery_count;
      }
    }
  }
  reply.send(response);
}

namespace {

// Serves a request that changes share partitions' state (Write, Initialize,
// DeleteShareGroupState): `change(store, key, partition_data, done)` for each partition, and the
// answer once every change is committed or failed.
template <class Response, class Request, class Change>
void serve_state_changes(request_context& ctx, const Request& request, responder reply,
                         Change change) {
  share::share_state_store* store = ctx.services.share_states;
  if (store == nullptr) return reply.close();
  const bool allowed = access(ctx).allows_inter_broker();
  auto join = std::make_shared<response_join<Response>>(std::move(reply));
  struct part {
    size_t topic, partition;
    share::share_partition_key key;
    const void* data;
  };
  std::vector<part> parts;
  for (const auto& topic : request.topics) {
    auto& t = join->response().results.emplace_back();
    t.topic_id = topic.topic_id;
    for (const auto& in : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition = in.partition;
      if (!allowed) {
        p.error_code = code_of(error_code::cluster_authorization_failed);
        continue;
      }
      parts.push_back({join->response().results.size() - 1,
                       t.partitions.size() - 1,
                       {request.group_id, topic.topic_id, in.partition},
                       &in});
    }
  }
  join->expect(parts.size());
  for (const auto& at : parts) {
    using partition_data = std::remove_cvref_t<decltype(request.topics[0].partitions[0])>;
    change(*store, at.key, *static_cast<const partition_data*>(at.data),
           [join, at](std::optional<error_code> e) {
             join->complete([&](Response& r) {
               if (e) r.results[at.topic].partitions[at.partition].error_code = code_of(*e);
             });
           });
  }
  join->complete();
}

}  // namespace

void handle_write_share_group_state(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::write_share_group_state_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  serve_state_changes<protocol::write_share_group_state_response>(
      ctx, request, std::move(reply),
      [](share::share_state_store& store, const share::share_partition_key& key, const auto& part,
         auto done) {
        share::persisted_state s;
        s.state_epoch = part.state_epoch;
        s.leader_epoch = part.leader_epoch;
        s.start_offset = part.start_offset;
        for (const auto& b : part.state_batches)
          s.batches.push_back({b.first_offset, b.last_offset, b.delivery_state, b.delivery_count});
        store.write(key, s, std::move(done));
      });
}

void handle_initialize_share_group_state(request_context& ctx, protocol::reader& body,
                                         responder reply) {
  protocol::initialize_share_group_state_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  serve_state_changes<protocol::initialize_share_group_state_response>(
      ctx, request, std::move(reply),
      [](share::share_state_store& store, const share::share_partition_key& key, const auto& part,
         auto done) {
        store.initialize(key, part.state_epoch, part.start_offset, std::move(done));
      });
}

void handle_delete_share_group_state(request_context& ctx, protocol::reader& body,
                                     responder reply) {
  protocol::delete_share_group_state_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  serve_state_changes<protocol::delete_share_group_state_response>(
      ctx, request, std::move(reply),
      [](share::share_state_store& store, const share::share_partition_key& key, const auto&,
         auto done) { store.remove(key, std::move(done)); });
}

void handle_read_share_group_state_summary(request_context& ctx, protocol::reader& body,
                                           responder reply) {
  protocol::read_share_group_state_summary_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  share::share_state_store* store = ctx.services.share_states;
  if (store == nullptr) return reply.close();
  const bool allowed = access(ctx).allows_inter_broker();
  protocol::read_share_group_state_summary_response response;
  for (const auto& topic : request.topics) {
    auto& t = response.results.emplace_back();
    t.topic_id = topic.topic_id;
    for (const auto& part : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition = part.partition;
      p.start_offset = -1;
      p.leader_epoch = -1;
      if (!allowed) {
        p.error_code = code_of(error_code::cluster_authorization_failed);
        continue;
      }
      auto state = store->read({request.group_id, topic.topic_id, part.partition}, -1);
      if (!state) {
        p.error_code = code_of(state.error().code);
        continue;
      }
      p.state_epoch = state.value().state_epoch;
      p.leader_epoch = state.value().leader_epoch;
      p.start_offset = state.value().start_offset;
      if (p.start_offset >= 0)
        p.delivery_complete_count = static_cast<int32_t>(std::min<int64_t>(
            share::delivery_complete_count(state.value()), std::numeric_limits<int32_t>::max()));
    }
  }
  reply.send(response);
}

}  // namespace sluice::handlers
