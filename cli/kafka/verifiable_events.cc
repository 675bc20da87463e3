#include "cli/kafka/verifiable_events.h"

#include <cstdio>

#include "cli/tool_support.h"

namespace sluice::cli {

nlohmann::ordered_json verifiable_event(std::string_view name) {
  nlohmann::ordered_json j;
  j["timestamp"] = now_ms();
  j["name"] = name;
  return j;
}

void print_event(const nlohmann::ordered_json& event) {
  std::printf("%s\n", event.dump().c_str());
  std::fflush(stdout);
}

void add_connection_options(argparse_parser& parser, std::string bootstrap_help) {
  parser.add({.flags = {"--bootstrap-server"},
              .metavar = "HOST1:PORT1[,HOST2:PORT2[...]]",
              .help = std::move(bootstrap_help),
              .group = "Connection Group",
              .group_description = "Group of arguments for connection to brokers"});
  parser.add({.flags = {"--broker-list"},
              .metavar = "HOST1:PORT1[,HOST2:PORT2[...]]",
              .help = "DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server "
                      "is specified.  Comma-separated list of Kafka brokers in the form "
                      "HOST1:PORT1,HOST2:PORT2,...",
              .group = "Connection Group"});
}

std::variant<verifiable_args, int> parse_verifiable_args(const argparse_parser& parser,
                                                         const args_t& args) {
  if (args.empty()) {
    std::fputs(parser.help().c_str(), stdout);
    return 0;
  }
  parse_outcome parsed = parser.parse(args);
  std::fputs(parsed.out.c_str(), stdout);
  std::fputs(parsed.err.c_str(), stderr);
  if (!parsed.args) return parsed.exit_code;
  verifiable_args out{std::move(*parsed.args), {}};
  out.brokers =
      out.args.text("bootstrap-server").value_or(out.args.text("broker-list").value_or(""));
  if (out.brokers.empty()) {
    std::fputs(parser.help().c_str(), stdout);
    return 0;
  }
  return out;
}

}  // namespace sluice::cli
