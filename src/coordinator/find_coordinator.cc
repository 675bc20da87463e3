#include "coordinator/find_coordinator.h"

#include "coordinator/partitioner.h"
#include "protocol/error_code.h"

namespace sluice::coordinator {
namespace {

using protocol::error_code;

struct lookup {
  error_code error = error_code::none;
  coordinator_endpoint node;  // id -1, host "", port -1 unless found
};

lookup locate(int8_t key_type, const std::string& key, const internal_topic_view& offsets,
              const internal_topic_view& transactions, find_coordinator_answer& answer) {
  const internal_topic_view* topic = nullptr;
  if (key_type == key_type_group) {
    topic = &offsets;
  } else if (key_type == key_type_transaction) {
    topic = &transactions;
  } else {
    return lookup{error_code::invalid_request, {}};  // share groups (2) are not served
  }
  if (!topic->exists || topic->partitions <= 0) {
    (key_type == key_type_group ? answer.offsets_topic_missing : answer.transaction_topic_missing) =
        true;
    return lookup{error_code::coordinator_not_available, {}};
  }
  int32_t partition = partition_for(key, topic->partitions);
  std::optional<coordinator_endpoint> leader;
  if (topic->leader) leader = topic->leader(partition);
  if (!leader) return lookup{error_code::coordinator_not_available, {}};
  return lookup{error_code::none, *leader};
}

std::string message_of(error_code e) {
  switch (e) {
    case error_code::none:
      return "NONE";
    case error_code::coordinator_not_available:
      return "The coordinator is not available.";
    case error_code::invalid_request:
      return "Unsupported coordinator key type.";
    default:
      return std::string(protocol::error_name(e));
  }
}

}  // namespace

find_coordinator_answer find_coordinator(const protocol::find_coordinator_request& request,
                                         int16_t version, const internal_topic_view& offsets,
                                         const internal_topic_view& transactions) {
  find_coordinator_answer answer;
  auto& r = answer.response;
  if (version >= 4) {
    for (const auto& key : request.coordinator_keys) {
      lookup l = locate(request.key_type, key, offsets, transactions, answer);
      auto& c = r.coordinators.emplace_back();
      c.key = key;
      c.node_id = l.node.node_id;
      c.host = l.node.host;
      c.port = l.node.port;
      c.error_code = static_cast<int16_t>(l.error);
      c.error_message = std::nullopt;
    }
    return answer;
  }
  lookup l = locate(request.key_type, request.key, offsets, transactions, answer);
  r.error_code = static_cast<int16_t>(l.error);
  if (version >= 1) r.error_message = message_of(l.error);
  r.node_id = l.node.node_id;
  r.host = l.node.host;
  r.port = l.node.port;
  return answer;
}

}  // namespace sluice::coordinator
