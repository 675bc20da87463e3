#include "handlers/txn_markers.h"

#include <chrono>
#include <memory>

#include "cluster/topic_name.h"
#include "coordinator/group_coordinator.h"
#include "handlers/broker_services.h"
#include "handlers/error_mapping.h"
#include "protocol/record_batch.h"
#include "replication/replica_manager.h"

namespace sluice::handlers {

namespace {

using response_t = protocol::write_txn_markers_response;

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where each appended partition's outcome goes in the response.
struct slot {
  size_t marker;
  size_t topic;
  size_t partition;
  bool offsets_partition;  // a __consumer_offsets partition: the group coordinator is told
};

}  // namespace

void write_txn_markers(broker_services& services, protocol::write_txn_markers_request request,
                       int32_t timeout_ms, std::function<void(response_t)> done) {
  const int64_t now = wall_clock_ms();
  response_t response;
  std::vector<replication::append_entry> entries;
  std::vector<slot> slots;
  // The marker batches must outlive the appends: the completion below keeps them.
  auto batches = std::make_shared<std::vector<std::vector<uint8_t>>>();
  for (size_t m = 0; m < request.markers.size(); ++m) {
    const auto& marker = request.markers[m];
    auto& marker_out = response.markers.emplace_back();
    marker_out.producer_id = marker.producer_id;
    protocol::end_txn_marker_batch spec;
    spec.producer_id = marker.producer_id;
    spec.producer_epoch = marker.producer_epoch;
    spec.marker.type =
        marker.transaction_result ? protocol::control_type::commit : protocol::control_type::abort;
    spec.marker.coordinator_epoch = marker.coordinator_epoch;
    spec.timestamp_ms = now;
    for (size_t t = 0; t < marker.topics.size(); ++t) {
      const auto& topic = marker.topics[t];
      auto& topic_out = marker_out.topics.emplace_back();
      topic_out.name = topic.name;
      const bool offsets = topic.name == cluster::consumer_offsets_topic;
      for (size_t p = 0; p < topic.partition_indexes.size(); ++p) {
        auto& part_out = topic_out.partitions.emplace_back();
        part_out.partition_index = topic.partition_indexes[p];
        batches->push_back(protocol::build_end_txn_marker_batch(spec));
        slots.push_back({m, t, p, offsets});
        entries.push_back(
            {topic.name, part_out.partition_index, {}, replication::append_origin::coordinator});
      }
    }
  }
  // Now that `batches` no longer grows, its elements stay put.
  for (size_t i = 0; i < entries.size(); ++i) entries[i].batch = std::span<uint8_t>((*batches)[i]);

  struct pending {
    protocol::write_txn_markers_request request;
    response_t response;
    std::vector<slot> slots;
    std::shared_ptr<std::vector<std::vector<uint8_t>>> batches;
    std::function<void(response_t)> done;
  };
  auto state = std::make_shared<pending>(
      pending{std::move(request), std::move(response), std::move(slots), batches, std::move(done)});
  auto* groups = services.groups;
  auto finish = [state, groups](std::vector<replication::append_outcome> outcomes) {
    for (size_t i = 0; i < state->slots.size(); ++i) {
      const auto& s = state->slots[i];
      auto& out = state->response.markers[s.marker].topics[s.topic].partitions[s.partition];
      out.error_code = code_of(outcomes[i].error);
      if (outcomes[i].error || !s.offsets_partition || groups == nullptr) continue;
      const auto& marker = state->request.markers[s.marker];
      groups->complete_transaction(out.partition_index, marker.producer_id,
                                   marker.transaction_result);
    }
    state->done(std::move(state->response));
  };
  if (entries.empty()) return finish({});
  services.replicas.append(-1, timeout_ms, std::move(entries), std::move(finish));
}

}  // namespace sluice::handlers
