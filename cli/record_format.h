// How the console tools turn records into text and lines into records, with Kafka's properties:
// the console consumer's formatter (print.key, print.timestamp, key.separator, ...) and the console
// producer's line reader (parse.key, key.separator, parse.headers, null.marker, ...).
// Pure value types and functions: no I/O, so they are unit-tested directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/errors.h"
#include "cli/properties.h"

namespace sluice::cli {

// A record as the tools see it: bytes as strings; nullopt is null.
struct console_record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  enum class ts_kind { none, create_time, log_append_time } timestamp_type = ts_kind::none;
  int64_t timestamp = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// The console consumer's default formatter (Kafka's DefaultMessageFormatter properties).
struct message_formatter {
  bool print_timestamp = false;
  bool print_key = false;
  bool print_value = true;
  bool print_partition = false;
  bool print_offset = false;
  bool print_headers = false;
  std::string key_separator = "\t";
  std::string line_separator = "\n";
  std::string headers_separator = ",";
  std::string null_literal = "null";

  static message_formatter from_properties(const property_map& props);
  // The text printed for one record, line separator included (when the value is printed).
  std::string format(const console_record& r) const;
};

// The console producer's line reader (Kafka's LineMessageReader properties).
struct line_reader {
  bool parse_key = false;
  bool parse_headers = false;
  bool ignore_error = false;
  std::string key_separator = "\t";
  std::string headers_delimiter = "\t";
  std::string headers_separator = ",";
  std::string headers_key_separator = ":";
  std::optional<std::string> null_marker;

  // Fails (errc::usage) when separators collide as Kafka forbids.
  static result<line_reader> from_properties(const property_map& props);
  // Parses one input line (without its newline); `line_number` counts from 1 for messages.
  result<console_record> parse(std::string_view line, int64_t line_number) const;
};

}  // namespace sluice::cli
