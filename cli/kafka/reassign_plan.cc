// kafka-reassign-partitions' plans and reports: proposed assignments, moves and throttles, and
// the status lines, as Kafka 3.9's ReassignPartitionsCommand computes and words them.
#include "cli/kafka/reassign_plan.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/client/kafka_exception.h"
#include "cluster/replica_assignment.h"

namespace sluice::cli::reassign {
namespace {

constexpr int16_t unknown_topic_or_partition = 3;

std::string ids_text(const std::vector<int32_t>& ids) {
  return fmt::format("{}", fmt::join(ids, ","));
}

std::vector<topic_partition> keys_of(const assignment& a) {
  std::vector<topic_partition> keys;
  for (const auto& [tp, replicas] : a) keys.push_back(tp);
  return keys;
}

failure<thrown> unknown_partition(const std::string& message) {
  return execution_failed(kafka_exception_text(unknown_topic_or_partition, message));
}

const char* plural(size_t n) {
  return n == 1 ? "" : "s";
}

}  // namespace

outcome<std::vector<cluster_node>> brokers_to_assign(const std::vector<cluster_node>& cluster,
                                                     const std::vector<int32_t>& wanted,
                                                     bool rack_aware) {
  std::vector<cluster_node> out;
  size_t rackless = 0;
  for (const cluster_node& n : cluster) {
    if (std::find(wanted.begin(), wanted.end(), n.id) == wanted.end()) continue;
    out.push_back({n.id, rack_aware ? n.rack : std::nullopt});
    if (!out.back().rack) ++rackless;
  }
  if (rack_aware && rackless != 0 && rackless != out.size()) {
    return thrown_as(std::string(admin_operation_failed),
                     "Not all brokers have rack information. Add --disable-rack-aware in command "
                     "line to make replica assignment without rack information.");
  }
  return out;
}

outcome<assignment> propose_assignment(const assignment& current,
                                       const std::vector<cluster_node>& brokers,
                                       int32_t start_index, int32_t shift) {
  // Kafka takes each topic's replication factor from its first partition in HashMap order.
  std::map<std::string, size_t> replication_factor;
  std::map<std::string, int32_t> partition_count;
  for (const topic_partition& tp : java_hash_set(keys_of(current))) {
    replication_factor.emplace(tp.topic, current.at(tp).size());
    ++partition_count[tp.topic];
  }
  std::vector<cluster::assignable_broker> assignable;
  for (const cluster_node& b : brokers) assignable.push_back({b.id, b.rack});
  assignment out;
  for (const auto& [topic, count] : partition_count) {
    cluster::assignment_request request;
    request.partitions = count;
    request.replication_factor = static_cast<int16_t>(replication_factor.at(topic));
    request.start_index = start_index;
    request.start_partition_shift = shift;
    auto assigned = cluster::assign_replicas(assignable, request);
    if (!assigned) {
      const char* type = assigned.code() == cluster::errc::invalid_partitions
                             ? "org.apache.kafka.common.errors.InvalidPartitionsException"
                             : "org.apache.kafka.common.errors.InvalidReplicationFactorException";
      return thrown_as(type, assigned.message());
    }
    for (size_t p = 0; p < assigned->size(); ++p)
      out[{topic, static_cast<int32_t>(p)}] = (*assigned)[p];
  }
  return out;
}

std::string current_assignment_text(const assignment& proposed, const assignment& current) {
  assignment moving;
  for (const auto& [tp, replicas] : current) {
    if (proposed.contains(tp)) moving[tp] = replicas;
  }
  return fmt::format(
      "Current partition replica assignment\n\n{}\n\nSave this to use as the "
      "--reassignment-json-file option during rollback",
      reassignment_json(moving));
}

outcome<void> check_broker_ids(const assignment& proposed,
                               const std::vector<cluster_node>& cluster) {
  std::vector<int32_t> named;
  for (const topic_partition& tp : java_hash_set(keys_of(proposed))) {
    const auto& replicas = proposed.at(tp);
    named.insert(named.end(), replicas.begin(), replicas.end());
  }
  for (int32_t id : java_hash_set(named)) {
    const bool known = std::any_of(cluster.begin(), cluster.end(),
                                   [id](const cluster_node& n) { return n.id == id; });
    if (!known)
      return thrown_as(std::string(admin_command_failed), fmt::format("Unknown broker id {}", id));
  }
  return ok_v;
}

outcome<assignment> find_partitions(const std::set<topic_partition>& partitions,
                                    const std::map<std::string, topic_replicas>& topics) {
  std::vector<std::string> names;
  for (const topic_partition& tp : partitions) names.push_back(tp.topic);
  for (const std::string& name : java_hash_set(names)) {
    auto it = topics.find(name);
    if (it == topics.end() || (it->second.error && it->second.error->code == 3))
      return unknown_partition(fmt::format("Topic {} not found.", name));
    if (it->second.error)
      return execution_failed(
          kafka_exception_text(it->second.error->code, it->second.error->message));
  }
  assignment out;
  std::vector<topic_partition> missing;
  for (const topic_partition& tp : partitions) {
    const auto& known = topics.at(tp.topic).partitions;
    if (auto p = known.find(tp.partition); p != known.end())
      out[tp] = p->second;
    else
      missing.push_back(tp);
  }
  if (missing.empty()) return out;
  // new HashSet<>(partitions), filled in the proposal HashMap's order, minus those found.
  const std::vector<topic_partition> in_map_order =
      java_hash_set(std::vector<topic_partition>(partitions.begin(), partitions.end()));
  const size_t capacity =
      std::max<size_t>(static_cast<size_t>(static_cast<float>(partitions.size()) / 0.75f) + 1, 16);
  std::vector<std::string> texts;
  for (const topic_partition& tp : java_hash_set(in_map_order, capacity)) {
    if (!out.contains(tp)) texts.push_back(tp.to_string());
  }
  return unknown_partition(fmt::format("Unable to find partition: {}", fmt::join(texts, ", ")));
}

move_map proposed_move_map(const std::map<topic_partition, partition_reassignment>& ongoing,
                           const assignment& proposed, const assignment& current) {
  move_map moves;
  for (const auto& [tp, r] : ongoing) {
    partition_move m;
    m.sources.insert(r.replicas.begin(), r.replicas.end());
    for (int32_t a : r.adding) m.sources.erase(a);  // adding replicas are listed in replicas too
    m.destinations.insert(r.adding.begin(), r.adding.end());
    moves[tp.topic][tp.partition] = std::move(m);
  }
  for (const auto& [tp, replicas] : proposed) {
    auto& topic_moves = moves[tp.topic];
    std::set<int32_t> sources;
    if (auto it = topic_moves.find(tp.partition); it != topic_moves.end()) {
      sources = it->second.sources;
    } else if (auto c = current.find(tp); c != current.end()) {
      sources.insert(c->second.begin(), c->second.end());
    }
    std::set<int32_t> destinations(replicas.begin(), replicas.end());
    for (int32_t s : sources) destinations.erase(s);
    topic_moves[tp.partition] = {std::move(sources), std::move(destinations)};
  }
  return moves;
}

namespace {

// "partition:broker" for each broker `pick` gives, sorted as text (Kafka's TreeSet<String>).
template <class Pick>
std::map<std::string, std::string> throttles(const move_map& moves, Pick pick) {
  std::map<std::string, std::string> out;
  for (const auto& [topic, partitions] : moves) {
    std::set<std::string> components;
    for (const auto& [partition, move] : partitions) {
      for (int32_t broker : pick(move)) components.insert(fmt::format("{}:{}", partition, broker));
    }
    out[topic] = fmt::format("{}", fmt::join(components, ","));
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> leader_throttles(const move_map& moves) {
  return throttles(moves, [](const partition_move& m) { return m.sources; });
}

std::map<std::string, std::string> follower_throttles(const move_map& moves) {
  return throttles(moves, [](const partition_move& m) {
    std::set<int32_t> out;
    for (int32_t d : m.destinations) {
      if (!m.sources.contains(d)) out.insert(d);
    }
    return out;
  });
}

std::set<int32_t> reassigning_brokers(const move_map& moves) {
  std::set<int32_t> out;
  for (const auto& [topic, partitions] : moves) {
    for (const auto& [partition, move] : partitions) {
      out.insert(move.sources.begin(), move.sources.end());
      out.insert(move.destinations.begin(), move.destinations.end());
    }
  }
  return out;
}

std::vector<config_change> topic_throttle_changes(const move_map& moves) {
  const auto leaders = leader_throttles(moves);
  const auto followers = follower_throttles(moves);
  std::vector<config_change> out;
  for (const auto& [topic, value] : leaders) {
    out.push_back({false,
                   topic,
                   {{std::string(leader_replicas), value},
                    {std::string(follower_replicas), followers.at(topic)}}});
  }
  return out;
}

std::vector<config_change> broker_rate_changes(const std::set<int32_t>& brokers, int64_t rate) {
  std::vector<config_change> out;
  for (int32_t id : brokers) {
    out.push_back({true,
                   std::to_string(id),
                   {{std::string(leader_rate), std::to_string(rate)},
                    {std::string(follower_rate), std::to_string(rate)}}});
  }
  return out;
}

std::vector<config_change> log_dir_rate_changes(const std::set<int32_t>& brokers, int64_t rate) {
  std::vector<config_change> out;
  for (int32_t id : brokers)
    out.push_back({true, std::to_string(id), {{std::string(log_dirs_rate), std::to_string(rate)}}});
  return out;
}

std::string started_text(const assignment& proposed) {
  std::vector<std::string> names;
  for (const auto& [tp, replicas] : proposed) names.push_back(tp.to_string());
  return fmt::format("Successfully started partition reassignment{} for {}",
                     plural(proposed.size()), fmt::join(names, ","));
}

std::string partition_errors_text(const std::map<topic_partition, api_error>& errors) {
  std::vector<std::string> lines;
  for (const auto& [tp, e] : errors)
    lines.push_back(tp.to_string() + ": " + kafka_exception_message(e.code, e.message));
  return fmt::format("{}", fmt::join(lines, "\n"));
}

outcome<std::pair<reassignment_states, bool>> find_reassignment_states(
    const reassignment_file& file, const std::map<topic_partition, partition_reassignment>& ongoing,
    const std::map<std::string, topic_replicas>& topics) {
  reassignment_states states;
  for (const auto& [tp, target] : file.partitions) {
    if (auto it = ongoing.find(tp); it != ongoing.end()) {
      states[tp] = {it->second.replicas, target, false};
      continue;
    }
    auto t = topics.find(tp.topic);
    if (t == topics.end() ||
        (t->second.error && t->second.error->code == unknown_topic_or_partition)) {
      states[tp] = {{}, target, true};
      continue;
    }
    if (t->second.error)
      return execution_failed(
          kafka_exception_text(t->second.error->code, t->second.error->message));
    const auto& known = t->second.partitions;
    const auto size = static_cast<int64_t>(known.size());
    if (size < tp.partition) {  // Kafka's check, one short: partition == size falls through
      states[tp] = {{}, target, true};
      continue;
    }
    if (tp.partition < 0 || tp.partition >= size) {
      return thrown_as("java.lang.IndexOutOfBoundsException",
                       fmt::format("Index {} out of bounds for length {}", tp.partition, size));
    }
    states[tp] = {std::next(known.begin(), tp.partition)->second, target, true};
  }
  return std::make_pair(std::move(states), !ongoing.empty());
}

std::string reassignment_states_text(const reassignment_states& states) {
  std::string out = "Status of partition reassignment:";
  for (const auto& [tp, s] : states) {
    if (!s.done) {
      out += fmt::format("\nReassignment of partition {} is still in progress.", tp.to_string());
    } else if (s.current == s.target) {
      out += fmt::format("\nReassignment of partition {} is completed.", tp.to_string());
    } else {
      out += fmt::format(
          "\nThere is no active reassignment of partition {}, but replica set is {} rather than "
          "{}.",
          tp.to_string(), ids_text(s.current), ids_text(s.target));
    }
  }
  return out;
}

log_dir_state log_dir_state_of(const std::optional<replica_log_dir_info>& info,
                               const std::string& target) {
  if (!info) return {log_dir_state::missing_replica, {}, target, {}};
  if (!info->current) return {log_dir_state::missing_log_dir, {}, target, {}};
  if (!info->future) {
    if (*info->current == target) return {log_dir_state::completed, *info->current, target, {}};
    return {log_dir_state::cancelled, *info->current, target, {}};
  }
  return {log_dir_state::active, *info->current, target, *info->future};
}

std::string log_dir_states_text(const std::map<topic_partition_replica, log_dir_state>& states) {
  std::vector<std::string> lines;
  for (const auto& [r, s] : states) {
    const std::string tp = r.partition_of().to_string();
    switch (s.kind) {
      case log_dir_state::missing_log_dir:
        lines.push_back(fmt::format(
            "Partition {} is not found in any live log dir on broker {}. There is likely an "
            "offline log directory on the broker.",
            tp, r.broker));
        break;
      case log_dir_state::missing_replica:
        lines.push_back(fmt::format(
            "Partition {} cannot be found in any live log directory on broker {}.", tp, r.broker));
        break;
      case log_dir_state::active:
        if (s.target == s.future) {
          lines.push_back(
              fmt::format("Reassignment of replica {} is still in progress.", r.to_string()));
        } else {
          lines.push_back(
              fmt::format("Partition {} on broker {} is being moved to log dir {} instead of {}.",
                          tp, r.broker, s.future, s.target));
        }
        break;
      case log_dir_state::cancelled:
        lines.push_back(
            fmt::format("Partition {} on broker {} is not being moved from log dir {} to {}.", tp,
                        r.broker, s.current, s.target));
        break;
      case log_dir_state::completed:
        lines.push_back(
            fmt::format("Reassignment of replica {} completed successfully.", r.to_string()));
        break;
    }
  }
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::vector<int32_t> throttled_brokers(const std::vector<cluster_node>& cluster,
                                       const reassignment_file& file) {
  std::vector<int32_t> ids;
  for (const cluster_node& n : cluster) ids.push_back(n.id);
  for (const auto& [tp, replicas] : file.partitions)
    ids.insert(ids.end(), replicas.begin(), replicas.end());
  return java_hash_set(ids);
}

std::vector<std::string> throttled_topics(const reassignment_file& file) {
  std::vector<std::string> topics;
  for (const auto& [tp, replicas] : file.partitions) topics.push_back(tp.topic);
  return java_hash_set(topics);
}

std::string clearing_brokers_line(const std::vector<int32_t>& brokers) {
  return fmt::format("Clearing broker-level throttles on broker{} {}", plural(brokers.size()),
                     ids_text(brokers));
}

std::string clearing_topics_line(const std::vector<std::string>& topics) {
  return fmt::format("Clearing topic-level throttles on topic{} {}", plural(topics.size()),
                     fmt::join(topics, ","));
}

std::vector<config_change> clear_broker_changes(const std::vector<int32_t>& brokers) {
  std::vector<config_change> out;
  for (int32_t id : brokers) {
    out.push_back({true,
                   std::to_string(id),
                   {{std::string(leader_rate), std::nullopt},
                    {std::string(follower_rate), std::nullopt},
                    {std::string(log_dirs_rate), std::nullopt}}});
  }
  return out;
}

std::vector<config_change> clear_topic_changes(const std::vector<std::string>& topics) {
  std::vector<config_change> out;
  for (const std::string& t : topics) {
    out.push_back({false,
                   t,
                   {{std::string(leader_replicas), std::nullopt},
                    {std::string(follower_replicas), std::nullopt}}});
  }
  return out;
}

std::string current_reassignments_text(
    const std::map<topic_partition, partition_reassignment>& ongoing) {
  if (ongoing.empty()) return "No partition reassignments found.";
  std::string out = "Current partition reassignments:";
  for (const auto& [tp, r] : ongoing) {
    out += fmt::format("\n{}: replicas: {}.", tp.to_string(), ids_text(r.replicas));
    if (!r.adding.empty()) out += fmt::format(" adding: {}.", ids_text(r.adding));
    if (!r.removing.empty()) out += fmt::format(" removing: {}.", ids_text(r.removing));
  }
  return out;
}

}  // namespace sluice::cli::reassign
