// The console consumer's formatter and the console producer's line reader.
#include "cli/record_format.h"

#include <fmt/format.h>

namespace sluice::cli {

message_formatter message_formatter::from_properties(const property_map& props) {
  message_formatter f;
  f.print_timestamp = property_true(props, "print.timestamp", f.print_timestamp);
  f.print_key = property_true(props, "print.key", f.print_key);
  f.print_value = property_true(props, "print.value", f.print_value);
  f.print_partition = property_true(props, "print.partition", f.print_partition);
  f.print_offset = property_true(props, "print.offset", f.print_offset);
  f.print_headers = property_true(props, "print.headers", f.print_headers);
  auto text = [&](const char* key, std::string& out) {
    if (auto it = props.find(key); it != props.end()) out = it->second;
  };
  text("key.separator", f.key_separator);
  text("line.separator", f.line_separator);
  text("headers.separator", f.headers_separator);
  text("null.literal", f.null_literal);
  return f;
}

std::string message_formatter::format(const console_record& r) const {
  std::string out;
  // Each printed field is followed by the key separator when another field follows it.
  auto separate = [&](bool more) { out += more ? key_separator : line_separator; };
  if (print_timestamp) {
    switch (r.timestamp_type) {
      case console_record::ts_kind::create_time:
        out += fmt::format("CreateTime:{}", r.timestamp);
        break;
      case console_record::ts_kind::log_append_time:
        out += fmt::format("LogAppendTime:{}", r.timestamp);
        break;
      case console_record::ts_kind::none:
        out += "NO_TIMESTAMP";
        break;
    }
    separate(print_partition || print_offset || print_headers || print_key || print_value);
  }
  if (print_partition) {
    out += fmt::format("Partition:{}", r.partition);
    separate(print_offset || print_headers || print_key || print_value);
  }
  if (print_offset) {
    out += fmt::format("Offset:{}", r.offset);
    separate(print_headers || print_key || print_value);
  }
  if (print_headers) {
    if (r.headers.empty()) {
      out += "NO_HEADERS";
    } else {
      for (size_t i = 0; i < r.headers.size(); ++i) {
        if (i > 0) out += headers_separator;
        out += r.headers[i].first + ":" + r.headers[i].second.value_or(null_literal);
      }
    }
    separate(print_key || print_value);
  }
  if (print_key) {
    out += r.key.value_or(null_literal);
    separate(print_value);
  }
  if (print_value) {
    out += r.value.value_or(null_literal);
    out += line_separator;
  }
  return out;
}

result<line_reader> line_reader::from_properties(const property_map& props) {
  line_reader r;
  r.parse_key = property_true(props, "parse.key");
  r.parse_headers = property_true(props, "parse.headers");
  r.ignore_error = property_true(props, "ignore.error");
  auto text = [&](const char* key, std::string& out) {
    if (auto it = props.find(key); it != props.end()) out = it->second;
  };
  text("key.separator", r.key_separator);
  text("headers.delimiter", r.headers_delimiter);
  text("headers.separator", r.headers_separator);
  text("headers.key.separator", r.headers_key_separator);
  if (auto it = props.find("null.marker"); it != props.end()) r.null_marker = it->second;

  auto clash = [](std::string_view a, std::string_view b) {
    return fail(errc::usage, fmt::format("{} and {} may not be equal", a, b));
  };
  if (r.headers_delimiter == r.headers_separator)
    return clash("headers.delimiter", "headers.separator");
  if (r.headers_delimiter == r.headers_key_separator)
    return clash("headers.delimiter", "headers.key.separator");
  if (r.headers_separator == r.headers_key_separator)
    return clash("headers.separator", "headers.key.separator");
  if (r.null_marker) {
    if (r.key_separator == *r.null_marker) return clash("null.marker", "key.separator");
    if (r.headers_separator == *r.null_marker) return clash("null.marker", "headers.separator");
    if (r.headers_delimiter == *r.null_marker) return clash("null.marker", "headers.delimiter");
    if (r.headers_key_separator == *r.null_marker)
      return clash("null.marker", "headers.key.separator");
  }
  return r;
}

result<console_record> line_reader::parse(std::string_view line, int64_t line_number) const {
  console_record rec;
  auto is_null = [&](std::string_view s) { return null_marker && s == *null_marker; };
  // The text from `start` up to `demarcation`; nullopt when parsing is off or (ignore.error)
  // the demarcation is missing.
  auto field = [&](bool enabled, size_t start, const std::string& demarcation,
                   std::string_view name) -> result<std::optional<std::string_view>> {
    if (!enabled) return std::optional<std::string_view>();
    size_t at = line.find(demarcation, start);
    if (at == std::string_view::npos) {
      if (ignore_error) return std::optional<std::string_view>();
      return fail(errc::invalid_input,
                  fmt::format("No {} found on line number {}: '{}'", name, line_number, line));
    }
    return std::optional<std::string_view>(line.substr(start, at - start));
  };

  auto headers = field(parse_headers, 0, headers_delimiter, "headers delimiter");
  if (!headers) return std::move(headers).error();
  size_t header_end = *headers ? (*headers)->size() + headers_delimiter.size() : 0;
  auto key = field(parse_key, header_end, key_separator, "key separator");
  if (!key) return std::move(key).error();
  size_t key_end = *key ? (*key)->size() + key_separator.size() : 0;
  std::string_view value = line.substr(header_end + key_end);

  if (*key && !is_null(**key)) rec.key = std::string(**key);
  if (!is_null(value)) rec.value = std::string(value);
  if (*headers && !is_null(**headers)) {
    std::string_view rest = **headers;
    for (;;) {
      size_t sep = rest.find(headers_separator);
      std::string_view pair = rest.substr(0, sep);
      size_t k = pair.find(headers_key_separator);
      if (k == std::string_view::npos) {
        if (!ignore_error) {
          return fail(errc::invalid_input,
                      fmt::format("No header key separator found in pair '{}' on line number {}",
                                  pair, line_number));
        }
        rec.headers.emplace_back(std::string(pair), std::nullopt);
      } else {
        std::string_view hkey = pair.substr(0, k);
        std::string_view hvalue = pair.substr(k + headers_key_separator.size());
        if (is_null(hkey)) {
          return fail(errc::invalid_input,
                      fmt::format("Header keys should not be equal to the null marker '{}' as "
                                  "they can't be null",
                                  *null_marker));
        }
        rec.headers.emplace_back(
            std::string(hkey), is_null(hvalue) ? std::nullopt : std::optional<std::string>(hvalue));
      }
      if (sep == std::string_view::npos) break;
      rest = rest.substr(sep + headers_separator.size());
    }
  }
  return rec;
}

}  // namespace sluice::cli
