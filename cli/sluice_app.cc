// The modern `sluice` CLI's command tree (CLI11): global flags, one subcommand per action, shell
// completion generated from the same tree. Parsing only; the commands are in sluice_*.cc.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <map>

#include "cli/sluice_commands.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {
namespace {

// "30s", "500ms", "2m", or plain milliseconds.
std::optional<int64_t> parse_duration_ms(const std::string& text) {
  struct unit {
    std::string_view suffix;
    int64_t ms;
  };
  constexpr unit units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  for (const unit& u : units) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      auto n = parse_int<int64_t>(std::string_view(text).substr(0, text.size() - u.suffix.size()));
      if (n) return *n * u.ms;
      if (u.suffix == "ms") return std::nullopt;
    }
  }
  return parse_int<int64_t>(text);
}

void collect_words(const CLI::App& app, const std::string& path,
                   std::map<std::string, std::vector<std::string>>& words,
                   std::set<std::string>& value_options) {
  std::vector<std::string>& here = words[path];
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden
    here.push_back(sub->get_name());
    collect_words(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), words,
                  value_options);
  }
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& l : opt->get_lnames()) {
      here.push_back("--" + l);
      if (opt->get_type_size() != 0) value_options.insert("--" + l);
    }
    for (const std::string& s : opt->get_snames()) {
      if (opt->get_type_size() != 0) value_options.insert("-" + s);
    }
  }
}

std::string bash_completion(const CLI::App& app) {
  std::map<std::string, std::vector<std::string>> words;
  std::set<std::string> value_options;
  collect_words(app, "", words, value_options);
  std::string cases;
  for (const auto& [path, list] : words) {
    cases += fmt::format("    \"{}\") opts=\"{}\" ;;\n", path, fmt::join(list, " "));
  }
  return fmt::format(
      "# bash completion for sluice: source <(sluice completion bash)\n"
      "_sluice() {{\n"
      "  local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" path=\"\" skip=0 i w opts\n"
      "  local takes_value=\" {} \"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    w=\"${{COMP_WORDS[i]}}\"\n"
      "    if ((skip)); then skip=0; continue; fi\n"
      "    if [[ $w == -* ]]; then\n"
      "      [[ $takes_value == *\" $w \"* ]] && skip=1\n"
      "      continue\n"
      "    fi\n"
      "    path=\"${{path:+$path }}$w\"\n"
      "  done\n"
      "  case \"$path\" in\n"
      "{}"
      "    *) opts=\"\" ;;\n"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
      "}}\n"
      "complete -F _sluice sluice\n",
      fmt::join(value_options, " "), cases);
}

}  // namespace

int sluice_main(const args_t& args) {
  CLI::App app{
      "sluice: the command-line tool of Sluice, a Kafka-compatible commit log.\n"
      "Kafka's own tools are here too: sluice kafka-topics ..., or bin/kafka-*.sh."};
  app.name("sluice");
  app.require_subcommand(1);
  app.fallthrough();
  global_options g;
  std::string format = "text", timeout = "30s";
  app.add_option("-b,--brokers", g.brokers,
                 "Brokers host:port[,host:port] (default: $SLUICE_BROKERS, else localhost:9092)");
  app.add_option("-X,--set", g.settings, "A client setting key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--config", g.config_file, "A client .properties file");
  app.add_option("--format", format, "Output: text (tables) or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--timeout", timeout, "How long to wait for the cluster (30s, 500ms, 2m)");
  app.add_flag("-v,--verbose", g.verbose, "Print the client library's log lines");

  std::function<int()> action;
  auto leaf = [&](CLI::App* parent, const char* name, const char* help, std::function<int()> run) {
    CLI::App* sub = parent->add_subcommand(name, help);
    sub->callback([&action, run] { action = run; });
    return sub;
  };

  CLI::App* cluster = app.add_subcommand("cluster", "Cluster information")->require_subcommand(1);
  leaf(cluster, "info", "The cluster id, controller and brokers",
       [&] { return run_cluster_info(g); });

  CLI::App* topic = app.add_subcommand("topic", "Create, list, describe and change topics")
                        ->require_subcommand(1);
  topic_create_options tc;
  CLI::App* create =
      leaf(topic, "create", "Create topics", [&] { return run_topic_create(g, tc); });
  create->add_option("names", tc.names, "Topic names")->required();
  create->add_option("-p,--partitions", tc.partitions, "Partitions (default: the broker's)");
  create->add_option("-r,--replicas", tc.replicas, "Replication factor (default: the broker's)");
  create->add_option("-c,--config", tc.configs, "A topic config key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_flag("--if-not-exists", tc.if_not_exists, "Succeed when the topic exists already");
  topic_delete_options td;
  CLI::App* del = leaf(topic, "delete", "Delete topics", [&] { return run_topic_delete(g, td); });
  del->add_option("names", td.names, "Topic names")->required();
  del->add_flag("--if-exists", td.if_exists, "Succeed when the topic does not exist");
  topic_list_options tl;
  CLI::App* list = leaf(topic, "list", "List topics", [&] { return run_topic_list(g, tl); });
  list->add_flag("-i,--internal", tl.internal, "Include internal topics");
  topic_describe_options tdesc;
  CLI::App* describe = leaf(topic, "describe", "Describe topics: partitions and configs",
                            [&] { return run_topic_describe(g, tdesc); });
  describe->add_option("names", tdesc.names, "Topic names")->required();
  describe->add_flag("-a,--all-configs", tdesc.all_configs, "Show every config, defaults too");
  topic_alter_config_options ta;
  CLI::App* alter = leaf(topic, "alter-config", "Set or remove topic configs",
                         [&] { return run_topic_alter_config(g, ta); });
  alter->add_option("name", ta.name, "Topic name")->required();
  alter->add_option("-s,--set", ta.set, "A config key=value to set (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  alter->add_option("-d,--delete", ta.remove, "A config key to remove (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  produce_options po;
  CLI::App* produce = leaf(&app, "produce", "Produce records from arguments or stdin lines",
                           [&] { return run_produce(g, po); });
  produce->add_option("topic", po.topic, "Topic")->required();
  produce->add_option("values", po.values, "Record values (default: one per stdin line)");
  produce->add_option("-k,--key", po.key, "The key of every record");
  produce->add_option("-H,--header", po.headers, "A header key=value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  produce->add_option("-p,--partition", po.partition, "Partition (default: by key)");
  produce->add_option("-f,--input-format", po.input_format,
                      "How a stdin line splits into %k key and %v value, e.g. '%k:%v'");
  produce->add_option("-z,--compression", po.compression, "none, gzip, snappy, lz4 or zstd");
  produce->add_option("--acks", po.acks, "all, 1 or 0");
  produce->add_flag("--sync", po.sync, "Wait for each record's acknowledgement");

  consume_options co;
  CLI::App* consume =
      leaf(&app, "consume", "Print records of topics", [&] { return run_consume(g, co); });
  consume->add_option("topics", co.topics, "Topics")->required();
  consume->add_option("-o,--from", co.from, "start, end, an offset, -N (N before the end), @ms");
  consume->add_option("-n,--num", co.count, "Stop after this many records");
  consume->add_option("-g,--group", co.group, "Consume in this group (commits offsets)");
  consume->add_option("-p,--partition", co.partitions, "Only these partitions (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  consume->add_option("-f,--output-format", co.output_format,
                      "Record format: %t %p %o %k %v %T %h, \\n \\t (default '%v\\n')");
  consume->add_option("--idle-timeout", co.idle_timeout_ms,
                      "Stop after this many ms without records");
  CLI::Option* isolation =
      consume
          ->add_option("--isolation-level", co.isolation_level,
                       "read_uncommitted (default: every record) or read_committed (skip open and "
                       "aborted transactions)")
          ->check(CLI::IsMember({"read_uncommitted", "read_committed"}));
  consume
      ->add_flag("--read-committed", co.read_committed, "Same as --isolation-level read_committed")
      ->excludes(isolation);

  CLI::App* group = app.add_subcommand("group", "List, describe, reset and delete consumer groups")
                        ->require_subcommand(1);
  leaf(group, "list", "List groups", [&] { return run_group_list(g); });
  std::vector<std::string> describe_groups_names, delete_groups_names;
  leaf(group, "describe", "Describe groups: members, offsets and lag",
       [&] { return run_group_describe(g, describe_groups_names); })
      ->add_option("groups", describe_groups_names, "Group ids")
      ->required();
  group_reset_options gr;
  CLI::App* reset = leaf(group, "reset", "Move a group's committed offsets (dry run by default)",
                         [&] { return run_group_reset(g, gr); });
  reset->add_option("group", gr.group, "Group id")->required();
  reset->add_option("-t,--topic", gr.topics, "Topic or topic:0,1 (default: all the group's)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  reset->add_option("--to", gr.to, "earliest, latest, an offset, +N/-N, or @ms")->required();
  reset->add_flag("--execute", gr.execute, "Apply the new offsets");
  leaf(group, "delete", "Delete groups", [&] { return run_group_delete(g, delete_groups_names); })
      ->add_option("groups", delete_groups_names, "Group ids")
      ->required();

  CLI::App* txn =
      app.add_subcommand("txn", "List, describe and abort transactions; find hanging ones")
          ->require_subcommand(1);
  txn_list_options tl_opts;
  CLI::App* tlist = leaf(txn, "list", "Transactional ids and their state, from every coordinator",
                         [&] { return run_txn_list(g, tl_opts); });
  tlist->add_option("-s,--state", tl_opts.states, "Only this state (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  tlist->add_option("--producer-id", tl_opts.producer_ids, "Only this producer id (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  tlist->add_option("--older-than", tl_opts.older_than,
                    "Only transactions running longer than this (30s, 15m)");
  std::vector<std::string> txn_ids;
  leaf(txn, "describe", "A transactional id's producer, state and partitions",
       [&] { return run_txn_describe(g, txn_ids); })
      ->add_option("ids", txn_ids, "Transactional ids")
      ->required();
  txn_producers_options tp_opts;
  CLI::App* tprod = leaf(txn, "producers", "The active producers of a topic's partitions",
                         [&] { return run_txn_producers(g, tp_opts); });
  tprod->add_option("topic", tp_opts.topic, "Topic")->required();
  tprod->add_option("-p,--partition", tp_opts.partitions, "Only these partitions (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  tprod->add_option("--broker", tp_opts.broker, "Ask this broker instead of the leaders");
  txn_hanging_options th_opts;
  CLI::App* thang = leaf(txn, "hanging", "Open transactions their coordinator will not finish",
                         [&] { return run_txn_hanging(g, th_opts); });
  thang->add_option("topics", th_opts.topics, "Topics (default: all)");
  thang->add_option("-p,--partition", th_opts.partitions, "Only these partitions (one topic)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  thang->add_option("--broker", th_opts.broker, "Only the partitions this broker leads");
  thang->add_option("--older-than", th_opts.older_than,
                    "Only transactions open longer than this (default: 15m)");
  txn_abort_options ta_opts;
  CLI::App* tabort = leaf(txn, "abort", "Abort a hanging transaction by its first offset",
                          [&] { return run_txn_abort(g, ta_opts); });
  tabort->add_option("topic", ta_opts.topic, "Topic")->required();
  tabort->add_option("-p,--partition", ta_opts.partition, "Partition")->required();
  tabort->add_option("--start-offset", ta_opts.start_offset, "The transaction's first offset")
      ->required();

  CLI::App* perf = app.add_subcommand("perf", "Throughput runs")->require_subcommand(1);
  perf_produce_options pp;
  CLI::App* pprod = leaf(perf, "produce", "Produce records as fast as allowed",
                         [&] { return run_perf_produce(g, pp); });
  pprod->add_option("topic", pp.topic, "Topic")->required();
  pprod->add_option("-n,--records", pp.records, "How many records");
  pprod->add_option("-s,--size", pp.size, "Record size in bytes");
  pprod->add_option("-r,--rate", pp.rate, "Records per second (default: no limit)");
  pprod->add_option("--acks", pp.acks, "all, 1 or 0");
  pprod->add_option("-z,--compression", pp.compression, "none, gzip, snappy, lz4 or zstd");
  perf_consume_options pc;
  CLI::App* pcons = leaf(perf, "consume", "Consume records as fast as possible",
                         [&] { return run_perf_consume(g, pc); });
  pcons->add_option("topic", pc.topic, "Topic")->required();
  pcons->add_option("-n,--records", pc.records, "How many records");
  pcons->add_option("-g,--group", pc.group, "Consume in this group");
  pcons->add_option("--idle-timeout", pc.timeout_ms, "Give up after this many ms without records");

  CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script");
  std::string shell;
  completion->add_option("shell", shell, "bash")->required()->check(CLI::IsMember({"bash"}));
  completion->callback([&] {
    action = [&] {
      std::fputs(bash_completion(app).c_str(), stdout);
      return 0;
    };
  });

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  g.format = format == "json" ? output_format::json : output_format::text;
  auto ms = parse_duration_ms(timeout);
  if (!ms || *ms <= 0) {
    std::fprintf(stderr, "sluice: bad --timeout '%s' (use e.g. 30s, 500ms, 2m)\n", timeout.c_str());
    return 2;
  }
  g.timeout_ms = *ms;
  for (auto [text, out] : {std::pair{&tl_opts.older_than, &tl_opts.older_than_ms},
                           std::pair{&th_opts.older_than, &th_opts.older_than_ms}}) {
    if (text->empty()) continue;
    auto d = parse_duration_ms(*text);
    if (!d || *d < 0) {
      std::fprintf(stderr, "sluice: bad --older-than '%s' (use e.g. 30s, 15m)\n", text->c_str());
      return 2;
    }
    *out = *d;
  }
  po.has_key = produce->count("--key") > 0;
  return action ? action() : 2;
}

}  // namespace sluice::cli
