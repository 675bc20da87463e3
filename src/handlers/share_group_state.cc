// KIP-932's share-group state RPCs, served by the share coordinator of this broker
// (share/share_state_store) for the __share_group_state partitions it leads:
// ReadShareGroupState (84) and WriteShareGroupState (85). Partition leaders call them (another
// broker's share_persister; a leader that is this broker calls the store directly). They are
// inter-broker APIs: CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED for every
// partition. A share partition whose state partition is not led here gets NOT_COORDINATOR.
#include <memory>
#include <mutex>

#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "protocol/generated/read_share_group_state.h"
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

void handle_write_share_group_state(request_context& ctx, protocol::reader& body, responder reply) {
  protocol::write_share_group_state_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  share::share_state_store* store = ctx.services.share_states;
  if (store == nullptr) return reply.close();
  const bool allowed = access(ctx).allows_inter_broker();
  // The answer goes out when every partition's write is committed (or failed).
  struct join {
    explicit join(responder r) : reply(std::move(r)) {}
    std::mutex mutex;
    protocol::write_share_group_state_response response;  // mutex
    size_t outstanding = 1;                               // mutex
    responder reply;
    void done_one() {
      std::unique_lock lock(mutex);
      if (--outstanding > 0) return;
      lock.unlock();
      reply.send(response);
    }
  };
  auto state = std::make_shared<join>(std::move(reply));
  std::vector<std::pair<std::pair<size_t, size_t>, share::share_partition_key>> writes;
  std::vector<share::persisted_state> states;
  for (const auto& topic : request.topics) {
    auto& t = state->response.results.emplace_back();
    t.topic_id = topic.topic_id;
    for (const auto& part : topic.partitions) {
      auto& p = t.partitions.emplace_back();
      p.partition = part.partition;
      if (!allowed) {
        p.error_code = code_of(error_code::cluster_authorization_failed);
        continue;
      }
      share::persisted_state s;
      s.state_epoch = part.state_epoch;
      s.leader_epoch = part.leader_epoch;
      s.start_offset = part.start_offset;
      for (const auto& b : part.state_batches)
        s.batches.push_back({b.first_offset, b.last_offset, b.delivery_state, b.delivery_count});
      writes.push_back({{state->response.results.size() - 1, t.partitions.size() - 1},
                        {request.group_id, topic.topic_id, part.partition}});
      states.push_back(std::move(s));
    }
  }
  state->outstanding += writes.size();
  for (size_t i = 0; i < writes.size(); ++i) {
    const auto [at, key] = writes[i];
    store->write(key, states[i], [state, at](std::optional<error_code> e) {
      {
        std::lock_guard lock(state->mutex);
        if (e) state->response.results[at.first].partitions[at.second].error_code = code_of(*e);
      }
      state->done_one();
    });
  }
  state->done_one();
}

}  // namespace sluice::handlers
