// kafka-dump-log's readers, offline: a segment's .log file (v2 record batches back to back,
// FACTS.md §2), its .index, .timeindex and .txnindex, printed in the layout of Kafka's
// DumpLogSegments. Pure functions over bytes, so tests feed them segments they build.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::cli {

struct dump_log_options {
  bool print_data = false;            // --print-data-log: keys and payloads (implies deep)
  bool deep = false;                  // --deep-iteration: one line per record
  bool skip_record_metadata = false;  // --skip-record-metadata
  int64_t max_bytes = std::numeric_limits<int32_t>::max();  // --max-bytes
};

struct dump_output {
  std::string out;  // what goes to stdout
  std::string err;  // what goes to stderr
  // Records whose offset does not follow the previous one (deep iteration): (previous, next).
  std::vector<std::pair<int64_t, int64_t>> non_consecutive;
};

// The segment's base offset from its file name ("00000000000000000042.log" -> 42), or 0.
int64_t base_offset_of(std::string_view file_name);

// Dumps a .log segment named `file_name` whose bytes are `data`.
dump_output dump_log_segment(std::span<const uint8_t> data, std::string_view file_name,
                             const dump_log_options& options);
// Dumps an offset index (.index): "offset: N position: P" per entry.
dump_output dump_offset_index(std::span<const uint8_t> data, std::string_view file_name);
// Dumps a time index (.timeindex): "timestamp: T offset: N" per entry.
dump_output dump_time_index(std::span<const uint8_t> data, std::string_view file_name);
// Dumps an aborted-transaction index (.txnindex).
dump_output dump_txn_index(std::span<const uint8_t> data);

}  // namespace sluice::cli
