// What kafka-verifiable-producer and kafka-verifiable-consumer share: their JSON event lines
// ({"timestamp":..., "name":..., ...}, one per line, flushed at once so a test harness reading
// the pipe sees each as it happens), their connection options, and the parse that prints help
// when no broker is given, as Kafka's tools do.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "cli/kafka/argparse.h"
#include "cli/tools.h"

namespace sluice::cli {

// An event that starts with "timestamp" (now, ms) and "name".
nlohmann::ordered_json verifiable_event(std::string_view name);
void print_event(const nlohmann::ordered_json& event);

// --bootstrap-server (with `bootstrap_help`) and the deprecated --broker-list.
void add_connection_options(argparse_parser& parser, std::string bootstrap_help);

// The parsed arguments and the brokers to use, or the exit code once help or an error was
// printed.
struct verifiable_args {
  parsed_args args;
  std::string brokers;
};
std::variant<verifiable_args, int> parse_verifiable_args(const argparse_parser& parser,
                                                         const args_t& args);

}  // namespace sluice::cli
