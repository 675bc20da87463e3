// sluice: the command-line tools. `sluice <command>` is the modern CLI; `sluice kafka-topics ...`
// (what bin/kafka-topics.sh runs) or a link named kafka-topics[.sh] runs a Kafka-compatible tool.
#include <string>
#include <string_view>
#include <vector>

#include "cli/tools.h"

int main(int argc, char** argv) {
  using sluice::cli::find_kafka_tool;
  std::string_view program = argc > 0 ? argv[0] : "sluice";
  if (size_t slash = program.rfind('/'); slash != std::string_view::npos) {
    program.remove_prefix(slash + 1);
  }
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (const auto* tool = find_kafka_tool(program)) return tool->run(args);
  if (!args.empty()) {
    if (const auto* tool = find_kafka_tool(args.front())) {
      args.erase(args.begin());
      return tool->run(args);
    }
  }
  return sluice::cli::sluice_main(args);
}
