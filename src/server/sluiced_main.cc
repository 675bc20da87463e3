// sluiced: the Sluice broker.
//
//   sluiced <server.properties> [--override key=value ...]
//   sluiced --print-config-docs          (writes docs/configuration.md's content to stdout)
//   sluiced --print-api-table            (writes docs/compatibility.md's API table to stdout)
//
// Logs go to stderr (SPDLOG_LEVEL=debug for more). SIGTERM or SIGINT stops accepting, finishes
// the requests in flight, runs the shutdown steps and exits 0; a second signal exits at once.
#include <signal.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "handlers/api_table_docs.h"
#include "server/broker.h"
#include "server/config.h"
#include "server/config_docs.h"
#include "server/properties.h"

namespace {

using namespace sluice::server;

void setup_logging() {
  auto logger = spdlog::stderr_color_mt("sluiced");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  spdlog::set_default_logger(logger);
  spdlog::cfg::load_env_levels();
}

result<server_config> load(const std::string& path, const std::vector<std::string>& args) {
  auto file = load_properties_file(path);
  if (!file.ok()) return std::move(file).error();
  std::vector<property> overrides;
  for (const auto& a : args) {
    auto o = parse_override(a);
    if (!o.ok()) return std::move(o).error();
    overrides.push_back(std::move(o).value());
  }
  return load_config(*file, overrides);
}

int wait_for_signal(const sigset_t& signals) {
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sluiced: the Sluice broker, a Kafka-compatible commit log"};
  std::string config_path;
  std::vector<std::string> overrides;
  bool print_docs = false;
  bool print_api_table = false;
  app.add_option("config", config_path, "Kafka-format server.properties file");
  app.add_option("--override", overrides, "key=value replacing the file's value (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--print-config-docs", print_docs,
               "Print the configuration reference (docs/configuration.md) and exit");
  app.add_flag("--print-api-table", print_api_table,
               "Print the API table of docs/compatibility.md and exit");
  CLI11_PARSE(app, argc, argv);

  if (print_api_table) {
    std::fputs(sluice::handlers::render_api_table().c_str(), stdout);
    return 0;
  }
  if (print_docs) {
    std::fputs(render_config_docs().c_str(), stdout);
    return 0;
  }
  setup_logging();
  if (config_path.empty()) {
    spdlog::error("usage: sluiced <server.properties> [--override key=value ...]");
    return 2;
  }
  auto config = load(config_path, overrides);
  if (!config.ok()) {
    spdlog::error("cannot start with {}:", config_path);
    size_t start = 0;
    const std::string& message = config.message();
    while (start <= message.size()) {
      size_t end = message.find('\n', start);
      spdlog::error("  {}", message.substr(start, end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return 1;
  }
  if (!config->unknown_keys().empty()) {
    std::string keys;
    for (const auto& k : config->unknown_keys()) keys += (keys.empty() ? "" : ", ") + k;
    spdlog::warn("unknown configuration keys, ignored: {}", keys);
  }
  if (!config->ignored_keys().empty()) {
    std::string keys;
    for (const auto& k : config->ignored_keys()) keys += (keys.empty() ? "" : ", ") + k;
    spdlog::info("configuration keys accepted for compatibility, without effect: {}", keys);
  }

  // Signals are taken synchronously by this thread; every thread started from here on inherits
  // the mask, so no handler runs on a network thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  broker b(std::move(config).value());
  if (auto started = b.start(); !started.ok()) {
    spdlog::error("cannot start: {}", started.message());
    return 1;
  }
  int received = wait_for_signal(signals);
  spdlog::info("received {}; shutting down (send it again to exit immediately)",
               received == SIGINT ? "SIGINT" : "SIGTERM");
  std::thread([signals] {
    wait_for_signal(signals);
    spdlog::error("second signal: exiting without a clean shutdown");
    std::_Exit(1);
  }).detach();
  b.stop();
  spdlog::info("shut down cleanly");
  return 0;
}
