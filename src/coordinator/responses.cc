#include "coordinator/responses.h"

namespace sluice::coordinator {

error_code store_error(append_status s) {
  switch (s) {
    case append_status::ok:
      return error_code::none;
    case append_status::not_leader:
      return error_code::not_coordinator;
    case append_status::unavailable:
      return error_code::coordinator_not_available;
    case append_status::too_large:
    case append_status::fenced:
    case append_status::failed:
      return error_code::unknown_server_error;
  }
  return error_code::unknown_server_error;
}

error_code commit_error(append_status s) {
  switch (s) {
    case append_status::ok:
      return error_code::none;
    case append_status::not_leader:
      return error_code::not_coordinator;
    case append_status::unavailable:
      return error_code::coordinator_not_available;
    case append_status::too_large:
      return error_code::invalid_commit_offset_size;
    case append_status::fenced:
      return error_code::invalid_producer_epoch;
    case append_status::failed:
      return error_code::unknown_server_error;
  }
  return error_code::unknown_server_error;
}

protocol::join_group_response make_join_response(int16_t version, join_outcome o) {
  protocol::join_group_response r;
  r.error_code = code(o.error);
  r.generation_id = o.generation;
  r.protocol_type = std::move(o.protocol_type);
  // The protocol name may be null only from v7; older versions carry "" instead.
  if (version >= 7) {
    r.protocol_name = std::move(o.protocol_name);
  } else {
    r.protocol_name = o.protocol_name.value_or("");
  }
  r.leader = std::move(o.leader);
  r.skip_assignment = version >= 9 && o.skip_assignment;
  r.member_id = std::move(o.member_id);
  r.members = std::move(o.members);
  return r;
}

protocol::join_group_response join_error(int16_t version, std::string member_id, error_code e) {
  join_outcome o;
  o.error = e;
  o.member_id = std::move(member_id);
  return make_join_response(version, std::move(o));
}

protocol::sync_group_response make_sync_response(int16_t /*version*/, error_code e,
                                                 std::optional<std::string> protocol_type,
                                                 std::optional<std::string> protocol_name,
                                                 protocol::bytes assignment) {
  protocol::sync_group_response r;
  r.error_code = code(e);
  r.protocol_type = std::move(protocol_type);  // v5+, nullable there, ignorable below
  r.protocol_name = std::move(protocol_name);
  r.assignment = std::move(assignment);
  return r;
}

protocol::leave_group_response make_leave_response(
    int16_t version, error_code top_level,
    std::vector<protocol::leave_group_response::member_response> members) {
  protocol::leave_group_response r;
  if (version >= 3) {
    r.error_code = code(top_level);
    r.members = std::move(members);
    return r;
  }
  error_code e = top_level;
  if (e == error_code::none) {
    for (const auto& m : members) {
      if (m.error_code != code(error_code::none)) {
        e = static_cast<error_code>(m.error_code);
        break;
      }
    }
  }
  r.error_code = code(e);
  return r;
}

protocol::offset_fetch_response make_offset_fetch_response(int16_t version,
                                                           std::vector<fetched_group> groups) {
  protocol::offset_fetch_response r;
  if (version >= 8) {
    for (auto& g : groups) {
      protocol::offset_fetch_response::offset_fetch_response_group out;
      out.group_id = std::move(g.group_id);
      out.error_code = code(g.error);
      for (auto& t : g.topics) {
        protocol::offset_fetch_response::offset_fetch_response_group::offset_fetch_response_topics
            ot;
        ot.name = std::move(t.name);
        for (auto& p : t.partitions) {
          auto& op = ot.partitions.emplace_back();
          op.partition_index = p.partition;
          op.committed_offset = p.offset;
          op.committed_leader_epoch = p.leader_epoch;
          op.metadata = std::move(p.metadata);
          op.error_code = code(p.error);
        }
        out.topics.push_back(std::move(ot));
      }
      r.groups.push_back(std::move(out));
    }
    return r;
  }
  if (groups.empty()) return r;
  auto& g = groups.front();
  if (version >= 2) r.error_code = code(g.error);
  for (auto& t : g.topics) {
    protocol::offset_fetch_response::offset_fetch_response_topic ot;
    ot.name = std::move(t.name);
    for (auto& p : t.partitions) {
      auto& op = ot.partitions.emplace_back();
      op.partition_index = p.partition;
      op.committed_offset = p.offset;
      op.committed_leader_epoch = p.leader_epoch;
      op.metadata = std::move(p.metadata);
      op.error_code = code(p.error);
    }
    r.topics.push_back(std::move(ot));
  }
  return r;
}

}  // namespace sluice::coordinator
