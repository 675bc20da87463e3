// kafka-reassign-partitions: Kafka 3.9's ReassignPartitionsCommand — --generate proposes an
// assignment of some topics over some brokers (cluster/replica_assignment, Kafka's
// AdminUtils.assignReplicasToBrokers), --execute starts reassignments from a JSON file (with
// inter-broker and log-dir throttles), --verify reports them and clears the throttles when all are
// done, --cancel stops them, --list shows those under way. The requests go over raw connections
// (client/reassignment_admin: List/AlterPartitionReassignments to the controller); what is
// computed and printed is reassign_plan's. Options, usage errors, output lines, error text and
// exit codes are Kafka's: usage errors on stderr with the option table (exit 1), failures on
// stdout ("Error: ..." and the exception's line; a TerseException's message alone; exit 1).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "cli/client/kafka_exception.h"
#include "cli/client/reassignment_admin.h"
#include "cli/kafka/reassign_plan.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

using namespace reassign;  // NOLINT: this file is the tool over that module

constexpr const char* help_text = "This tool helps to move topic partitions between replicas.";
constexpr int16_t replica_not_available = 9;

struct options {
  std::string bootstrap_server, command_config, reassignment_json_file, topics_to_move_json_file,
      broker_list, throttle, log_dirs_throttle, timeout;
  bool verify = false, generate = false, execute = false, cancel = false, list = false,
       disable_rack_aware = false, additional = false, preserve_throttles = false;
};

void declare(kafka_tool_parser& p, options& o) {
  p.flag(o.verify, "--verify",
         "Verify if the reassignment completed as specified by the --reassignment-json-file "
         "option. If there is a throttle engaged for the replicas specified, and the rebalance "
         "has completed, the throttle will be removed");
  p.flag(o.generate, "--generate",
         "Generate a candidate partition reassignment configuration. Note that this only "
         "generates a candidate assignment, it does not execute it.");
  p.flag(o.execute, "--execute",
         "Kick off the reassignment as specified by the --reassignment-json-file option.");
  p.flag(o.cancel, "--cancel", "Cancel an active reassignment.");
  p.flag(o.list, "--list", "List all active partition reassignments.");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: Server(s) to use for bootstrapping",
         "REQUIRED: the server(s) to use for bootstrapping.");
  p.text(o.command_config, "--command-config", "String: Admin client property file",
         "Property file containing configs to be passed to Admin Client.");
  p.text(o.reassignment_json_file, "--reassignment-json-file",
         "String: manual assignment json file path",
         "The JSON file with the partition reassignment configurationThe format to use is - \n"
         "{\"partitions\":\n\t[{\"topic\": \"foo\",\n\t  \"partition\": 1,\n\t  \"replicas\": "
         "[1,2,3],\n\t  \"log_dirs\": [\"dir1\",\"dir2\",\"dir3\"] }],\n\"version\":1\n}\nNote "
         "that \"log_dirs\" is optional. When it is specified, its length must equal the length "
         "of the replicas list. The value in this list can be either \"any\" or the absolution "
         "path of the log directory on the broker. If absolute log directory path is specified, "
         "the replica will be moved to the specified log directory on the broker.");
  p.text(o.topics_to_move_json_file, "--topics-to-move-json-file",
         "String: topics to reassign json file path",
         "Generate a reassignment configuration to move the partitions of the specified topics "
         "to the list of brokers specified by the --broker-list option. The format to use is - \n"
         "{\"topics\":\n\t[{\"topic\": \"foo\"},{\"topic\": \"foo1\"}],\n\"version\":1\n}");
  p.text(o.broker_list, "--broker-list", "String: brokerlist",
         "The list of brokers to which the partitions need to be reassigned in the form "
         "\"0,1,2\". This is required if --topics-to-move-json-file is used to generate "
         "reassignment configuration");
  p.flag(o.disable_rack_aware, "--disable-rack-aware", "Disable rack aware replica assignment");
  p.text(o.throttle, "--throttle", "Long: throttle",
         "The movement of partitions between brokers will be throttled to this value "
         "(bytes/sec). This option can be included with --execute when a reassignment is "
         "started, and it can be altered by resubmitting the current reassignment along with the "
         "--additional flag. The throttle rate should be at least 1 KB/s.",
         "-1");
  p.text(o.log_dirs_throttle, "--replica-alter-log-dirs-throttle",
         "Long: replicaAlterLogDirsThrottle",
         "The movement of replicas between log directories on the same broker will be throttled "
         "to this value (bytes/sec). This option can be included with --execute when a "
         "reassignment is started, and it can be altered by resubmitting the current "
         "reassignment along with the --additional flag. The throttle rate should be at least 1 "
         "KB/s.",
         "-1");
  p.text(o.timeout, "--timeout", "Long: timeout",
         "The maximum time in ms to wait for log directory replica assignment to begin.", "10000");
  p.flag(o.additional, "--additional",
         "Execute this reassignment in addition to any other ongoing ones. This option can also "
         "be used to change the throttle of an ongoing reassignment.");
  p.flag(o.preserve_throttles, "--preserve-throttles", "Do not modify broker or topic throttles.");
}

struct option_name {
  std::string_view name;
  bool takes_value;
};
constexpr option_name option_names[] = {
    {"verify", false},
    {"generate", false},
    {"execute", false},
    {"cancel", false},
    {"list", false},
    {"bootstrap-server", true},
    {"command-config", true},
    {"reassignment-json-file", true},
    {"topics-to-move-json-file", true},
    {"broker-list", true},
    {"disable-rack-aware", false},
    {"throttle", true},
    {"replica-alter-log-dirs-throttle", true},
    {"timeout", true},
    {"additional", false},
    {"preserve-throttles", false},
    {"help", false},
    {"version", false},
};

// joptsimple's reading of the command line: a unique prefix of an option names it, words that
// are neither options nor their values are ignored. Returns the arguments with full option names
// and the options in the order given (one entry per occurrence).
std::pair<args_t, std::vector<std::string>> normalize(const args_t& args) {
  args_t out;
  std::vector<std::string> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      if (a.rfind("-", 0) == 0) out.push_back(a);  // the parser refuses it
      continue;
    }
    const size_t eq = a.find('=');
    const std::string name = a.substr(2, eq == std::string::npos ? eq : eq - 2);
    const option_name* match = nullptr;
    int prefixes = 0;
    for (const option_name& o : option_names) {
      if (o.name == name) {
        match = &o;
        prefixes = 1;
        break;
      }
      if (o.name.starts_with(name)) {
        match = &o;
        ++prefixes;
      }
    }
    if (match == nullptr || prefixes != 1) {
      out.push_back(a);
      continue;
    }
    out.push_back("--" + std::string(match->name) + (eq == std::string::npos ? "" : a.substr(eq)));
    seen.emplace_back(match->name);
    if (match->takes_value && eq == std::string::npos && i + 1 < args.size())
      out.push_back(args[++i]);
  }
  return {out, seen};
}

// Kafka's validateAndParseArgs after parsing: one action, --bootstrap-server, the action's
// required options, and no option the action does not take.
std::optional<int> check_options(const kafka_tool_parser& p, const std::vector<std::string>& seen) {
  static const std::map<std::string_view, std::vector<std::string_view>> required = {
      {"verify", {"reassignment-json-file"}},
      {"generate", {"topics-to-move-json-file", "broker-list"}},
      {"execute", {"reassignment-json-file"}},
      {"cancel", {"reassignment-json-file"}},
      {"list", {}},
  };
  static const std::map<std::string_view, std::vector<std::string_view>> permitted = {
      {"verify", {"bootstrap-server", "command-config", "preserve-throttles"}},
      {"generate", {"bootstrap-server", "broker-list", "command-config", "disable-rack-aware"}},
      {"execute",
       {"additional", "bootstrap-server", "command-config", "throttle",
        "replica-alter-log-dirs-throttle", "timeout"}},
      {"cancel", {"bootstrap-server", "command-config", "preserve-throttles", "timeout"}},
      {"list", {"bootstrap-server", "command-config"}},
  };
  std::vector<std::string_view> actions;
  for (std::string_view a : {"generate", "execute", "verify", "cancel", "list"}) {
    if (p.has("--" + std::string(a))) actions.push_back(a);
  }
  if (actions.size() != 1) {
    return p.usage_error(
        "Command must include exactly one action: --generate, --execute, --verify, --cancel, "
        "--list");
  }
  const std::string_view action = actions.front();
  if (!p.has("--bootstrap-server")) return p.usage_error("Please specify --bootstrap-server");
  for (std::string_view r : required.at(action)) {
    if (!p.has("--" + std::string(r)))
      return p.usage_error(fmt::format("Missing required argument \"[{}]\"", r));
  }
  const auto& req = required.at(action);
  const auto& ok = permitted.at(action);
  for (const std::string& o : seen) {
    if (o == action || std::find(req.begin(), req.end(), o) != req.end() ||
        std::find(ok.begin(), ok.end(), o) != ok.end()) {
      continue;
    }
    return p.usage_error(
        fmt::format("Option \"[{}]\" can't be used with action \"[{}]\"", o, action));
  }
  return std::nullopt;
}

void print(const std::string& text) {
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

void println(const std::string& text) {
  print(text + "\n");
}

// Utils.readFileAsString.
outcome<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return thrown_as("java.nio.file.NoSuchFileException", path);
  if (std::filesystem::is_directory(path, ec))
    return thrown_as("java.io.IOException", "Is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return thrown_as("java.nio.file.AccessDeniedException", path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// joptsimple's valueOf for a Long option.
outcome<int64_t> long_value(const std::string& text, std::string_view option) {
  auto v = parse_int<int64_t>(text);
  if (!v) {
    return thrown_as("joptsimple.OptionArgumentConversionException",
                     fmt::format("Cannot parse argument '{}' of option {}", text, option));
  }
  return *v;
}

failure<thrown> from_admin(const failure<errc>& f) {
  return execution_failed(f.message);
}

// The Admin client, created on first use: Kafka's command reads and checks its files before it
// sends anything.
class session {
 public:
  explicit session(client_settings settings) : settings_(std::move(settings)) {}
  deadline next_deadline() const { return deadline::after(settings_.timeout); }
  outcome<reassignment_admin*> admin() {
    if (!admin_) {
      auto a = reassignment_admin::connect(settings_, next_deadline());
      if (!a) return from_admin(a.error());
      admin_.emplace(std::move(*a));
    }
    return &*admin_;
  }

 private:
  client_settings settings_;
  std::optional<reassignment_admin> admin_;
};

// Admin.describeTopics, as getReplicaAssignmentForTopics reads it: every partition of `names`,
// the first failing topic (in HashMap order) failing the whole.
outcome<std::map<std::string, topic_replicas>> describe(reassignment_admin& admin,
                                                        const std::set<std::string>& names,
                                                        deadline d) {
  for (const std::string& n : names) {
    if (n.empty()) {
      return execution_failed(
          "org.apache.kafka.common.errors.InvalidTopicException: The given topic name '' cannot "
          "be represented in a request.");
    }
  }
  auto topics = admin.describe_topics(names, d);
  if (!topics) return from_admin(topics.error());
  return std::move(*topics);
}

outcome<void> clear_all_throttles(reassignment_admin& admin, const reassignment_file& file,
                                  session& s) {
  const std::vector<int32_t> brokers = throttled_brokers(admin.nodes(), file);
  println(clearing_brokers_line(brokers));
  if (auto r = admin.alter_configs(clear_broker_changes(brokers), s.next_deadline()); !r)
    return from_admin(r.error());
  const std::vector<std::string> topics = throttled_topics(file);
  println(clearing_topics_line(topics));
  if (auto r = admin.alter_configs(clear_topic_changes(topics), s.next_deadline()); !r)
    return from_admin(r.error());
  return ok_v;
}

// executeMoves: asks for the log-directory moves until each has started (a replica not yet on
// its broker answers REPLICA_NOT_AVAILABLE), for at most `timeout_ms`.
outcome<void> execute_moves(reassignment_admin& admin, log_dir_moves pending, int64_t timeout_ms,
                            session& s) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto failed = admin.alter_replica_log_dirs(pending, s.next_deadline());
    if (!failed) return from_admin(failed.error());
    for (const auto& [replica, e] : *failed) {
      if (e.code == replica_not_available) continue;
      return thrown_as(
          std::string(admin_command_failed), "Failed to alter dir for " + replica.to_string(),
          "java.util.concurrent.ExecutionException: " + kafka_exception_text(e.code, e.message));
    }
    for (auto it = pending.begin(); it != pending.end();) {
      if (failed->contains(it->first)) {
        ++it;
        continue;
      }
      println(
          fmt::format("Successfully started moving log directory to {} for replica {}-{} with "
                      "broker {} ",
                      it->second, it->first.topic, it->first.partition, it->first.broker));
      it = pending.erase(it);
    }
    if (pending.empty()) return ok_v;
    if (std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(timeout_ms)) {
      std::vector<std::string> names;
      for (const auto& [replica, dir] : pending) names.push_back(replica.to_string());
      return terse(fmt::format("Timed out before log directory move{} could be started for: {}",
                               pending.size() == 1 ? "" : "s", fmt::join(names, ",")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

outcome<void> generate(const options& o, session& s) {
  auto text = read_file(o.topics_to_move_json_file);
  if (!text) return std::move(text).error();
  auto args = parse_generate_args(*text, o.broker_list);
  if (!args) return std::move(args).error();
  auto admin = s.admin();
  if (!admin) return std::move(admin).error();
  const std::set<std::string> names(args->topics.begin(), args->topics.end());
  auto topics = describe(**admin, names, s.next_deadline());
  if (!topics) return std::move(topics).error();
  assignment current;
  for (const std::string& name : java_hash_set(args->topics)) {
    auto t = topics->find(name);
    if (t == topics->end() || (t->second.error && t->second.error->code == 3)) {
      return execution_failed(kafka_exception_text(3, fmt::format("Topic {} not found.", name)));
    }
    if (t->second.error) {
      return execution_failed(
          kafka_exception_text(t->second.error->code, t->second.error->message));
    }
  }
  for (const auto& [name, t] : *topics) {
    for (const auto& [partition, replicas] : t.partitions) current[{name, partition}] = replicas;
  }
  auto brokers = brokers_to_assign((*admin)->nodes(), args->brokers, !o.disable_rack_aware);
  if (!brokers) return std::move(brokers).error();
  auto proposed = propose_assignment(current, *brokers);
  if (!proposed) return std::move(proposed).error();
  print(fmt::format("Current partition replica assignment\n{}\n\n", reassignment_json(current)));
  print(fmt::format("Proposed partition reassignment configuration\n{}\n",
                    reassignment_json(*proposed)));
  return ok_v;
}

outcome<void> execute(const options& o, session& s) {
  auto text = read_file(o.reassignment_json_file);
  if (!text) return std::move(text).error();
  auto throttle = long_value(o.throttle, "throttle");
  if (!throttle) return std::move(throttle).error();
  auto log_dirs_throttle = long_value(o.log_dirs_throttle, "replica-alter-log-dirs-throttle");
  if (!log_dirs_throttle) return std::move(log_dirs_throttle).error();
  auto timeout = long_value(o.timeout, "timeout");
  if (!timeout) return std::move(timeout).error();
  auto file = parse_reassignment_json(*text);
  if (!file) return std::move(file).error();
  auto proposed = checked_for_execute(*file);
  if (!proposed) return std::move(proposed).error();

  auto admin_or = s.admin();
  if (!admin_or) return std::move(admin_or).error();
  reassignment_admin& admin = **admin_or;
  auto ongoing = admin.list_reassignments(std::nullopt, s.next_deadline());
  if (!ongoing) return from_admin(ongoing.error());
  if (!o.additional && !ongoing->empty()) {
    return terse(
        "Cannot execute because there is an existing partition assignment.  Use --additional to "
        "override this and create a new partition assignment in addition to the existing one. "
        "The --additional flag can also be used to change the throttle by resubmitting the "
        "current reassignment.");
  }
  if (auto r = check_broker_ids(*proposed, admin.nodes()); !r) return std::move(r).error();
  std::set<std::string> names;
  std::set<topic_partition> partitions;
  for (const auto& [tp, replicas] : *proposed) {
    names.insert(tp.topic);
    partitions.insert(tp);
  }
  auto topics = describe(admin, names, s.next_deadline());
  if (!topics) return std::move(topics).error();
  auto current = find_partitions(partitions, *topics);
  if (!current) return std::move(current).error();
  println(current_assignment_text(*proposed, *current));

  if (*throttle >= 0 || *log_dirs_throttle >= 0) {
    println(
        "Warning: You must run --verify periodically, until the reassignment completes, to "
        "ensure the throttle is removed.");
    if (*throttle >= 0) {
      const move_map moves = proposed_move_map(*ongoing, *proposed, *current);
      if (auto r = admin.alter_configs(topic_throttle_changes(moves), s.next_deadline()); !r)
        return from_admin(r.error());
      auto rates = broker_rate_changes(reassigning_brokers(moves), *throttle);
      if (auto r = admin.alter_configs(rates, s.next_deadline()); !r) return from_admin(r.error());
      println(fmt::format("The inter-broker throttle limit was set to {} B/s", *throttle));
    }
    if (*log_dirs_throttle >= 0) {
      std::set<int32_t> moving;
      for (const auto& [replica, dir] : file->log_dirs) moving.insert(replica.broker);
      auto rates = log_dir_rate_changes(moving, *log_dirs_throttle);
      if (auto r = admin.alter_configs(rates, s.next_deadline()); !r) return from_admin(r.error());
      println(fmt::format("The replica-alter-dir throttle limit was set to {} B/s",
                          *log_dirs_throttle));
    }
  }

  std::map<topic_partition, std::optional<std::vector<int32_t>>> changes;
  for (const auto& [tp, replicas] : *proposed) changes[tp] = replicas;
  auto errors = admin.alter_reassignments(changes, s.next_deadline());
  if (!errors) return from_admin(errors.error());
  if (!errors->empty())
    return terse("Error reassigning partition(s):\n" + partition_errors_text(*errors));
  println(started_text(*proposed));
  if (!file->log_dirs.empty()) return execute_moves(admin, file->log_dirs, *timeout, s);
  return ok_v;
}

// The log-directory state of each replica the file places in a directory.
outcome<std::map<topic_partition_replica, log_dir_state>> log_dir_states(
    reassignment_admin& admin, const log_dir_moves& targets, session& s) {
  std::map<topic_partition_replica, log_dir_state> states;
  if (targets.empty()) return states;
  std::set<topic_partition_replica> replicas;
  for (const auto& [r, dir] : targets) replicas.insert(r);
  auto infos = admin.describe_replica_log_dirs(replicas, s.next_deadline());
  if (!infos) return from_admin(infos.error());
  for (const auto& [r, dir] : targets) {
    auto it = infos->find(r);
    states[r] = log_dir_state_of(
        it == infos->end() ? std::nullopt : std::optional<replica_log_dir_info>(it->second), dir);
  }
  return states;
}

outcome<void> verify(const options& o, session& s) {
  auto text = read_file(o.reassignment_json_file);
  if (!text) return std::move(text).error();
  auto file = parse_reassignment_json(*text);
  if (!file) return std::move(file).error();
  auto admin_or = s.admin();
  if (!admin_or) return std::move(admin_or).error();
  reassignment_admin& admin = **admin_or;
  auto ongoing = admin.list_reassignments(std::nullopt, s.next_deadline());
  if (!ongoing) return from_admin(ongoing.error());
  std::set<std::string> names;
  for (const auto& [tp, replicas] : file->partitions) {
    if (!ongoing->contains(tp)) names.insert(tp.topic);
  }
  auto topics = admin.describe_topics(names, s.next_deadline());
  if (!topics) return from_admin(topics.error());
  auto states = find_reassignment_states(*file, *ongoing, *topics);
  if (!states) return std::move(states).error();
  println(reassignment_states_text(states->first));
  auto moves = log_dir_states(admin, file->log_dirs, s);
  if (!moves) return std::move(moves).error();
  println(log_dir_states_text(*moves));
  const bool moves_ongoing = std::any_of(moves->begin(), moves->end(), [](const auto& m) {
    return m.second.kind != log_dir_state::completed && m.second.kind != log_dir_state::cancelled;
  });
  if (!states->second && !moves_ongoing && !o.preserve_throttles)
    return clear_all_throttles(admin, *file, s);
  return ok_v;
}

outcome<void> cancel(const options& o, session& s) {
  auto text = read_file(o.reassignment_json_file);
  if (!text) return std::move(text).error();
  auto timeout = long_value(o.timeout, "timeout");
  if (!timeout) return std::move(timeout).error();
  auto file = parse_reassignment_json(*text);
  if (!file) return std::move(file).error();
  auto admin_or = s.admin();
  if (!admin_or) return std::move(admin_or).error();
  reassignment_admin& admin = **admin_or;
  std::set<topic_partition> targets;
  for (const auto& [tp, replicas] : file->partitions) targets.insert(tp);
  auto ongoing = admin.list_reassignments(targets, s.next_deadline());
  if (!ongoing) return from_admin(ongoing.error());
  std::map<topic_partition, std::optional<std::vector<int32_t>>> cancelling;
  for (const auto& [tp, r] : *ongoing) {
    if (r.adding.empty() || !r.removing.empty()) cancelling[tp] = std::nullopt;
  }
  if (!cancelling.empty()) {
    auto errors = admin.alter_reassignments(cancelling, s.next_deadline());
    if (!errors) return from_admin(errors.error());
    if (!errors->empty()) {
      return terse(fmt::format("Error cancelling partition reassignment{} for:\n{}",
                               errors->size() == 1 ? "" : "s", partition_errors_text(*errors)));
    }
    std::vector<std::string> names;
    for (const auto& [tp, none] : cancelling) names.push_back(tp.to_string());
    println(fmt::format("Successfully cancelled partition reassignment{} for: {}",
                        cancelling.size() == 1 ? "" : "s", fmt::join(names, ",")));
  } else {
    println("None of the specified partition reassignments are active.");
  }
  auto moves = log_dir_states(admin, file->log_dirs, s);
  if (!moves) return std::move(moves).error();
  log_dir_moves back;
  for (const auto& [r, state] : *moves) {
    if (state.kind == log_dir_state::active) back[r] = state.current;
  }
  if (back.empty()) {
    print("None of the specified partition moves are active.");  // Kafka prints no newline
  } else if (auto r = execute_moves(admin, back, *timeout, s); !r) {
    return r;
  }
  if (!o.preserve_throttles) return clear_all_throttles(admin, *file, s);
  return ok_v;
}

outcome<void> list(session& s) {
  auto admin = s.admin();
  if (!admin) return std::move(admin).error();
  auto ongoing = (*admin)->list_reassignments(std::nullopt, s.next_deadline());
  if (!ongoing) return from_admin(ongoing.error());
  println(current_reassignments_text(*ongoing));
  return ok_v;
}

}  // namespace

int kafka_reassign_partitions_main(const args_t& args) {
  kafka_tool_parser p(help_text);
  options o;
  declare(p, o);
  auto [normalized, seen] = normalize(args);
  p.empty_is_help = args.empty();
  if (auto code = p.parse(normalized)) return *code;
  if (auto code = check_options(p, seen)) return *code;

  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) {
    println("Error: " + settings.message());
    return 1;
  }
  session s(std::move(*settings));
  outcome<void> done = o.generate  ? generate(o, s)
                       : o.execute ? execute(o, s)
                       : o.verify  ? verify(o, s)
                       : o.cancel  ? cancel(o, s)
                                   : list(s);
  if (done) return 0;
  print(failure_text(done.error()));
  return 1;
}

}  // namespace sluice::cli
