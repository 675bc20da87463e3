// kafka-dump-log: prints the batches and records of segment files offline, as Kafka's tool does.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "cli/dump_log.h"
#include "cli/kafka_args.h"
#include "cli/tool_support.h"
#include "cli/tools.h"

namespace sluice::cli {

int kafka_dump_log_main(const args_t& args) {
  kafka_tool_parser p(
      "This tool helps to parse a log file and dump its contents to the console, useful for "
      "debugging a seemingly corrupt log segment.");
  std::string files, key_decoder, value_decoder;
  bool print_data = false, deep = false, verify = false, sanity = false, skip_metadata = false;
  bool offsets_decoder = false, transaction_decoder = false, cluster_decoder = false;
  int32_t max_message_size = 5 * 1024 * 1024, max_bytes = std::numeric_limits<int32_t>::max();
  p.flag(cluster_decoder, "--cluster-metadata-decoder",
         "Parse records as cluster metadata (not supported by Sluice).");
  p.flag(deep, "--deep-iteration", "Print every record, not only batches.");
  p.text(files, "--files", "String: file1, file2, ...",
         "REQUIRED: the comma-separated data and index files to dump.");
  p.flag(sanity, "--index-sanity-check", "Only check the indexes are sane, print nothing else.");
  p.text(key_decoder, "--key-decoder-class", "String",
         "Accepted for compatibility; keys are printed as text.", "kafka.serializer.StringDecoder");
  p.integer(max_bytes, "--max-bytes", "Integer: size",
            "Read at most this many bytes of each .log file.", std::numeric_limits<int32_t>::max());
  p.integer(max_message_size, "--max-message-size", "Integer: size", "Size of the largest message.",
            5 * 1024 * 1024);
  p.flag(offsets_decoder, "--offsets-decoder",
         "Parse records as __consumer_offsets data (not supported by Sluice).");
  p.flag(print_data, "--print-data-log", "Print the keys and values of records (implies deep).");
  p.flag(skip_metadata, "--skip-record-metadata", "Leave out the metadata of each record.");
  p.flag(transaction_decoder, "--transaction-log-decoder",
         "Parse records as __transaction_state data (not supported by Sluice).");
  p.text(value_decoder, "--value-decoder-class", "String",
         "Accepted for compatibility; values are printed as text.",
         "kafka.serializer.StringDecoder");
  p.flag(verify, "--verify-index-only", "Only verify the indexes, print nothing else.");
  if (auto code = p.parse(args)) return *code;
  if (auto e = p.require({"--files"})) return *e;
  if (offsets_decoder || transaction_decoder || cluster_decoder) {
    std::fprintf(stderr,
                 "The offsets, transaction and cluster metadata decoders are not "
                 "supported; records are printed as text.\n");
  }
  dump_log_options options;
  options.print_data = print_data || p.has("--key-decoder-class") ||
                       p.has("--value-decoder-class") || offsets_decoder || transaction_decoder;
  options.deep = deep;
  options.skip_record_metadata = skip_metadata;
  options.max_bytes = max_bytes;

  int code = 0;
  std::vector<std::pair<std::string, dump_output>> gaps;
  for (const std::string& file : split(files, ',')) {
    std::string path = trim(file);
    std::printf("Dumping %s\n", path.c_str());
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s (No such file or directory)\n", path.c_str());
      code = 1;
      continue;
    }
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    std::string_view suffix = std::string_view(path).substr(std::min(path.size(), path.rfind('.')));
    dump_output d;
    if (suffix == ".log") {
      d = dump_log_segment(data, path, options);
    } else if (suffix == ".index") {
      d = dump_offset_index(data, path);
      if (verify || sanity) d.out = fmt::format("{} passed sanity check.\n", path);
    } else if (suffix == ".timeindex") {
      d = dump_time_index(data, path);
      if (verify || sanity) d.out = fmt::format("{} passed sanity check.\n", path);
    } else if (suffix == ".txnindex") {
      d = dump_txn_index(data);
    } else {
      std::fprintf(stderr, "Ignoring unknown file %s\n", path.c_str());
      continue;
    }
    std::fwrite(d.out.data(), 1, d.out.size(), stdout);
    std::fflush(stdout);
    std::fwrite(d.err.data(), 1, d.err.size(), stderr);
    if (!d.non_consecutive.empty()) gaps.emplace_back(path, std::move(d));
  }
  for (const auto& [path, d] : gaps) {
    std::fprintf(stderr, "Non-consecutive offsets in %s\n", path.c_str());
    for (const auto& [a, b] : d.non_consecutive) {
      std::fprintf(stderr, "  %lld is followed by %lld\n", static_cast<long long>(a),
                   static_cast<long long>(b));
    }
  }
  return code;
}

}  // namespace sluice::cli
