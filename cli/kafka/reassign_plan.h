// reassign_plan: what kafka-reassign-partitions (Kafka 3.9's ReassignPartitionsCommand) computes
// and prints, as pure functions: the reassignment and topics-to-move JSON files (parsed with
// Kafka's checks and messages), the reassignment JSON it writes, the move map and the throttle
// config values it derives, and the status lines of --verify and --list.
//
// Failures are values shaped like the Java exceptions Kafka's command throws (`thrown`), so the
// tool prints what Kafka's prints: a TerseException's message alone, anything else as
// "Error: <message>" and the exception's own line. Where Kafka prints a java.util.HashSet, the
// elements come in the HashSet's iteration order (java_hash_set). No I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "cli/client/reassignment_admin.h"
#include "cli/client/topic_partition.h"

namespace sluice::cli::reassign {

// --- Failures, as Kafka's command throws them ------------------------------------------------

// The Java exception: its class (empty for Kafka's TerseException, whose message is printed
// alone) and the "Caused by" exception's text, if any. The message is the failure's.
struct thrown {
  std::string type;
  std::string cause;
};
template <class T>
using outcome = sluice::result<T, thrown>;

failure<thrown> terse(std::string message);
failure<thrown> thrown_as(std::string type, std::string message, std::string cause = {});
// An Admin future's failure, as ExecutionException carries it: `cause` is
// "<exception class>: <message>", and is the ExecutionException's message too.
failure<thrown> execution_failed(std::string cause);
// What Kafka's main prints to stdout for a failure (each line ends in a newline).
std::string failure_text(const failure<thrown>& f);

inline constexpr std::string_view admin_command_failed =
    "org.apache.kafka.server.common.AdminCommandFailedException";
inline constexpr std::string_view admin_operation_failed =
    "org.apache.kafka.server.common.AdminOperationException";

// --- java.util.HashSet order -----------------------------------------------------------------

int32_t java_hash(std::string_view utf8);  // String.hashCode of the UTF-16 text
int32_t java_hash(int32_t value);          // Integer.hashCode
int32_t java_hash(const topic_partition& tp);

// The order a java.util.HashSet iterates `added` (duplicates dropped) after adding them in turn
// to a set created with `initial_capacity` buckets.
template <class T>
std::vector<T> java_hash_set(const std::vector<T>& added, size_t initial_capacity = 16);
// The bucket order behind it: indexes into `hashes`, by bucket, ties in insertion order.
std::vector<size_t> java_hash_order(const std::vector<int32_t>& hashes, size_t initial_capacity);
// AbstractCollection.toString: "[a, b]".
std::string java_collection_text(const std::vector<std::string>& items);

// --- The JSON files --------------------------------------------------------------------------

using replica_list = std::vector<int32_t>;
using assignment = std::map<topic_partition, replica_list>;
using log_dir_moves = std::map<topic_partition_replica, std::string>;

// A reassignment JSON file as written: its partitions in file order (repeats kept) and the
// replicas given a log directory other than "any".
struct reassignment_file {
  std::vector<std::pair<topic_partition, replica_list>> partitions;
  log_dir_moves log_dirs;
};
outcome<reassignment_file> parse_reassignment_json(std::string_view text);
// --execute's further checks: at least one partition, none twice, no replica list empty or
// naming a broker twice.
outcome<assignment> checked_for_execute(const reassignment_file& file);

// --generate's inputs: the --broker-list ids and the topics of the topics-to-move file.
struct generate_args {
  std::vector<int32_t> brokers;
  std::vector<std::string> topics;
};
outcome<generate_args> parse_generate_args(std::string_view topics_json,
                                           std::string_view broker_list);

// Kafka's reassignment JSON, partitions sorted: {"version":1,"partitions":[...]}.
std::string reassignment_json(const assignment& partitions, const log_dir_moves& log_dirs = {});

// --- --generate ------------------------------------------------------------------------------

// The brokers to assign to: those of `wanted` the cluster has, with their racks when
// `rack_aware`; refused when only some of them have a rack.
outcome<std::vector<cluster_node>> brokers_to_assign(const std::vector<cluster_node>& cluster,
                                                     const std::vector<int32_t>& wanted,
                                                     bool rack_aware);
// A new assignment of every partition of `current`, topic by topic, with each topic's
// replication factor, by Kafka's AdminUtils.assignReplicasToBrokers (cluster/replica_assignment).
// `start_index`/`shift` -1: random, as Kafka's.
outcome<assignment> propose_assignment(const assignment& current,
                                       const std::vector<cluster_node>& brokers,
                                       int32_t start_index = -1, int32_t shift = -1);

// --- --execute -------------------------------------------------------------------------------

// "Current partition replica assignment\n\n<json>\n\nSave this to use as ... rollback": the
// current replicas of the partitions `proposed` moves.
std::string current_assignment_text(const assignment& proposed, const assignment& current);
// The first id of `brokers` (in HashSet order) the cluster lacks: "Unknown broker id N".
outcome<void> check_broker_ids(const assignment& proposed,
                               const std::vector<cluster_node>& cluster);
// The current replicas of `partitions`, or "Unable to find partition: ..." for those missing.
outcome<assignment> find_partitions(const std::set<topic_partition>& partitions,
                                    const std::map<std::string, topic_replicas>& topics);

// Where replicas move: sources (current replicas) and destinations (new ones), by topic and
// partition — ongoing reassignments first, then the proposed ones over them.
struct partition_move {
  std::set<int32_t> sources, destinations;
  bool operator==(const partition_move&) const = default;
};
using move_map = std::map<std::string, std::map<int32_t, partition_move>>;
move_map proposed_move_map(const std::map<topic_partition, partition_reassignment>& ongoing,
                           const assignment& proposed, const assignment& current);
// The topic configs leader.replication.throttled.replicas and follower...: "0:1,0:2,..."
// ("partition:broker", sorted as text), by topic.
std::map<std::string, std::string> leader_throttles(const move_map& moves);
std::map<std::string, std::string> follower_throttles(const move_map& moves);
std::set<int32_t> reassigning_brokers(const move_map& moves);

inline constexpr std::string_view leader_rate = "leader.replication.throttled.rate";
inline constexpr std::string_view follower_rate = "follower.replication.throttled.rate";
inline constexpr std::string_view log_dirs_rate = "replica.alter.log.dirs.io.max.bytes.per.second";
inline constexpr std::string_view leader_replicas = "leader.replication.throttled.replicas";
inline constexpr std::string_view follower_replicas = "follower.replication.throttled.replicas";

// The config changes --execute makes for --throttle and --replica-alter-log-dirs-throttle.
std::vector<config_change> topic_throttle_changes(const move_map& moves);
std::vector<config_change> broker_rate_changes(const std::set<int32_t>& brokers, int64_t rate);
std::vector<config_change> log_dir_rate_changes(const std::set<int32_t>& brokers, int64_t rate);

// "Successfully started partition reassignment(s) for a-0,b-1".
std::string started_text(const assignment& proposed);
// "Error reassigning partition(s):\n<tp>: <message>..." (and for --cancel, cancelling).
std::string partition_errors_text(const std::map<topic_partition, api_error>& errors);

// --- --verify, --cancel, --list --------------------------------------------------------------

struct reassignment_state {
  replica_list current, target;
  bool done = false;
  bool operator==(const reassignment_state&) const = default;
};
using reassignment_states = std::map<topic_partition, reassignment_state>;
// Each partition of the file: still moving (an ongoing reassignment), or done with the replicas
// its topic has now (none when the topic or partition is gone); and whether any reassignment at
// all is ongoing. `topics`: the topics of the partitions not being reassigned.
outcome<std::pair<reassignment_states, bool>> find_reassignment_states(
    const reassignment_file& file, const std::map<topic_partition, partition_reassignment>& ongoing,
    const std::map<std::string, topic_replicas>& topics);
// "Status of partition reassignment:" and a line per partition, sorted (no final newline).
std::string reassignment_states_text(const reassignment_states& states);

// A replica's log-directory move, as --verify sees it.
struct log_dir_state {
  enum kind_t { missing_replica, missing_log_dir, active, cancelled, completed } kind;
  std::string current, target, future;
};
log_dir_state log_dir_state_of(const std::optional<replica_log_dir_info>& info,
                               const std::string& target);
std::string log_dir_states_text(const std::map<topic_partition_replica, log_dir_state>& states);

// The throttles --verify and --cancel clear: every broker of the cluster and of the file, and the
// file's topics, each in Kafka's HashSet order, with the lines announcing them.
std::vector<int32_t> throttled_brokers(const std::vector<cluster_node>& cluster,
                                       const reassignment_file& file);
std::vector<std::string> throttled_topics(const reassignment_file& file);
std::string clearing_brokers_line(const std::vector<int32_t>& brokers);
std::string clearing_topics_line(const std::vector<std::string>& topics);
std::vector<config_change> clear_broker_changes(const std::vector<int32_t>& brokers);
std::vector<config_change> clear_topic_changes(const std::vector<std::string>& topics);

// --list: "No partition reassignments found." or "Current partition reassignments:" and a line
// per partition ("t-0: replicas: 1,2. adding: 2. removing: 3.").
std::string current_reassignments_text(
    const std::map<topic_partition, partition_reassignment>& ongoing);

// --- Templates -------------------------------------------------------------------------------

template <class T>
std::vector<T> java_hash_set(const std::vector<T>& added, size_t initial_capacity) {
  std::vector<T> unique;
  std::set<T> seen;
  for (const T& x : added) {
    if (seen.insert(x).second) unique.push_back(x);
  }
  std::vector<int32_t> hashes;
  hashes.reserve(unique.size());
  for (const T& x : unique) hashes.push_back(java_hash(x));
  std::vector<T> out;
  out.reserve(unique.size());
  for (size_t i : java_hash_order(hashes, initial_capacity)) out.push_back(unique[i]);
  return out;
}

}  // namespace sluice::cli::reassign
