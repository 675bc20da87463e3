// AlterShareGroupOffsets (91) and DeleteShareGroupOffsets (92), v0: resetting where an empty share
// group starts delivering a partition, and forgetting a topic's share state — and the share state
// DeleteGroups removes with a share group. Asked of the group's coordinator, which checks the
// group is a share group without members; the states are changed at their share coordinators
// through the persister, as Kafka's group coordinator does with InitializeShareGroupState and
// DeleteShareGroupState.
//
// A reset starts each share partition afresh at the given offset under the next state epoch, so
// a partition leader still holding the old state is fenced at its next write and loads the new
// one (Kafka reuses the group epoch, which a leader's cached state may already carry).
// Authorization as Kafka: READ (alter) or DELETE (delete) on the group, else
// GROUP_AUTHORIZATION_FAILED for the request; READ on each topic, else TOPIC_AUTHORIZATION_FAILED.
#include "handlers/share_group_offset_changes.h"

#include <memory>
#include <set>

#include "coordinator/group_coordinator.h"
#include "handlers/authorization.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "handlers/handlers.h"
#include "handlers/response_join.h"
#include "protocol/generated/alter_share_group_offsets.h"
#include "protocol/generated/delete_share_group_offsets.h"
#include "share/state_persister.h"

namespace sluice::handlers {

using protocol::error_code;

namespace {

constexpr const char* unknown_topic_message = "This server does not host this topic-partition.";

// Kafka's messages for what the group coordinator refuses.
std::string refusal_message(error_code e, const std::string& group) {
  switch (e) {
    case error_code::non_empty_group:
      return "The group is not empty.";
    case error_code::group_id_not_found:
      return "Group " + group + " not found.";
    case error_code::group_authorization_failed:
      return "Group authorization failed.";
    default:
      return std::string(protocol::error_name(e));
  }
}

// Starts one share partition afresh at `start_offset`, under the state epoch after the kept one.
void reset_share_partition(share::state_persister& persister, const share::share_partition_key& key,
                           int64_t start_offset,
                           unique_function<void(std::optional<error_code>)> done) {
  auto shared_done = std::make_shared<decltype(done)>(std::move(done));
  persister.read(key, -1,
                 [&persister, key, start_offset,
                  shared_done](sluice::result<share::persisted_state, error_code> kept) {
                   if (!kept) return (*shared_done)(kept.error().code);
                   persister.initialize(
                       key, kept.value().state_epoch + 1, start_offset,
                       [shared_done](std::optional<error_code> e) { (*shared_done)(e); });
                 });
}

}  // namespace

void remove_share_state(broker_services& services, const std::string& group,
                        const std::set<std::string>& topics, unique_function<void()> then) {
  struct join {
    std::mutex mutex;
    size_t outstanding = 1;
    unique_function<void()> then;
    void done_one() {
      std::unique_lock lock(mutex);
      if (--outstanding > 0) return;
      lock.unlock();
      then();
    }
  };
  auto j = std::make_shared<join>();
  j->then = std::move(then);
  std::vector<share::share_partition_key> keys;
  if (services.share_persister != nullptr) {
    for (const auto& name : topics)
      if (auto meta = services.metadata.topic(name))
        for (int32_t p = 0; p < static_cast<int32_t>(meta->partitions.size()); ++p)
          keys.push_back({group, meta->id, p});
  }
  j->outstanding += keys.size();
  for (const auto& key : keys)
    services.share_persister->remove(key, [j](std::optional<error_code>) { j->done_one(); });
  j->done_one();
}

void handle_alter_share_group_offsets(request_context& ctx, protocol::reader& body,
                                      responder reply) {
  using response_t = protocol::alter_share_group_offsets_response;
  protocol::alter_share_group_offsets_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (ctx.services.groups == nullptr || ctx.services.share_persister == nullptr)
    return reply.close();
  const access acl(ctx);
  auto refuse = [&](error_code e) {
    response_t response;
    response.error_code = code_of(e);
    response.error_message = refusal_message(e, request.group_id);
    reply.send(response);
  };
  if (request.group_id.empty()) return refuse(error_code::invalid_group_id);
  if (!acl.allows_group(acl_operation::read, request.group_id))
    return refuse(error_code::group_authorization_failed);

  auto join = std::make_shared<response_join<response_t>>(std::move(reply));
  struct reset {
    size_t topic, partition;
    share::share_partition_key key;
    int64_t start_offset;
  };
  std::vector<reset> resets;
  std::set<std::string> topics;
  for (const auto& t : request.topics) {
    auto& out = join->response().responses.emplace_back();
    out.topic_name = t.topic_name;
    auto meta = ctx.services.metadata.topic(t.topic_name);
    if (meta) out.topic_id = meta->id;
    const bool allowed = acl.allows_topic(acl_operation::read, t.topic_name);
    for (const auto& p : t.partitions) {
      auto& po = out.partitions.emplace_back();
      po.partition_index = p.partition_index;
      if (!allowed) {
        po.error_code = code_of(error_code::topic_authorization_failed);
        po.error_message = "Topic authorization failed.";
      } else if (!meta || p.partition_index < 0 ||
                 p.partition_index >= static_cast<int32_t>(meta->partitions.size())) {
        po.error_code = code_of(error_code::unknown_topic_or_partition);
        po.error_message = unknown_topic_message;
      } else {
        topics.insert(t.topic_name);
        resets.push_back({join->response().responses.size() - 1, out.partitions.size() - 1,
                          share::share_partition_key{request.group_id, meta->id, p.partition_index},
                          p.start_offset});
      }
    }
  }
  if (auto e = ctx.services.groups->prepare_share_offsets_change(request.group_id, true, topics)) {
    response_t response;
    response.error_code = code_of(*e);
    response.error_message = refusal_message(*e, request.group_id);
    join->response() = std::move(response);
    return join->complete();
  }
  join->expect(resets.size());
  for (const auto& r : resets) {
    reset_share_partition(*ctx.services.share_persister, r.key, r.start_offset,
                          [join, r](std::optional<error_code> e) {
                            join->complete([&](response_t& out) {
                              if (!e) return;
                              auto& po = out.responses[r.topic].partitions[r.partition];
                              po.error_code = code_of(*e);
                              po.error_message = std::string(protocol::error_name(*e));
                            });
                          });
  }
  join->complete();
}

void handle_delete_share_group_offsets(request_context& ctx, protocol::reader& body,
                                       responder reply) {
  using response_t = protocol::delete_share_group_offsets_response;
  protocol::delete_share_group_offsets_request request;
  if (auto r = request.decode(body, ctx.api_version()); !r) return reply.close();
  if (ctx.services.groups == nullptr || ctx.services.share_persister == nullptr)
    return reply.close();
  const access acl(ctx);
  auto refusal = [&](error_code e) {
    response_t response;
    response.error_code = code_of(e);
    response.error_message = refusal_message(e, request.group_id);
    return response;
  };
  if (request.group_id.empty()) return reply.send(refusal(error_code::invalid_group_id));
  if (!acl.allows_group(acl_operation::remove, request.group_id))
    return reply.send(refusal(error_code::group_authorization_failed));

  // Per topic: whether any partition had a kept state, and the first error.
  struct outcome {
    bool had_state = false;
    std::optional<error_code> error;
  };
  auto outcomes = std::make_shared<std::vector<outcome>>();
  auto join =
      std::make_shared<response_join<response_t>>(std::move(reply), [outcomes](response_t& out) {
        for (size_t i = 0; i < out.responses.size(); ++i) {
          auto& t = out.responses[i];
          const outcome& o = (*outcomes)[i];
          if (t.error_code != 0) continue;
          if (o.error) {
            t.error_code = code_of(*o.error);
            t.error_message = std::string(protocol::error_name(*o.error));
          } else if (!o.had_state) {
            t.error_code = code_of(error_code::unknown_topic_or_partition);
            t.error_message = "There is no offset information to delete.";
          }
        }
      });
  std::vector<std::pair<size_t, share::share_partition_key>> keys;
  for (const auto& t : request.topics) {
    auto& out = join->response().responses.emplace_back();
    outcomes->emplace_back();
    out.topic_name = t.topic_name;
    auto meta = ctx.services.metadata.topic(t.topic_name);
    if (!acl.allows_topic(acl_operation::read, t.topic_name)) {
      out.error_code = code_of(error_code::topic_authorization_failed);
      out.error_message = "Topic authorization failed.";
    } else if (!meta) {
      out.error_code = code_of(error_code::unknown_topic_or_partition);
      out.error_message = unknown_topic_message;
    } else {
      out.topic_id = meta->id;
      for (int32_t p = 0; p < static_cast<int32_t>(meta->partitions.size()); ++p)
        keys.push_back({join->response().responses.size() - 1, {request.group_id, meta->id, p}});
    }
  }
  if (auto e = ctx.services.groups->prepare_share_offsets_change(request.group_id, false, {})) {
    join->response() = refusal(*e);
    outcomes->clear();
    return join->complete();
  }
  join->expect(keys.size());
  share::state_persister& persister = *ctx.services.share_persister;
  for (const auto& [topic, key] : keys) {
    auto record = [join, outcomes, topic](std::optional<error_code> e, bool had_state) {
      join->complete([&](response_t&) {
        auto& o = (*outcomes)[topic];
        o.had_state = o.had_state || had_state;
        if (e && !o.error) o.error = e;
      });
    };
    persister.read(
        key, -1,
        [&persister, key, record](sluice::result<share::persisted_state, error_code> kept) {
          if (!kept) return record(kept.error().code, false);
          if (kept.value().start_offset < 0 && kept.value().batches.empty())
            return record(std::nullopt, false);
          persister.remove(key, [record](std::optional<error_code> e) { record(e, true); });
        });
  }
  join->complete();
}

}  // namespace sluice::handlers
