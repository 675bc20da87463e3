// kafka-reassign-partitions' failures, Java's HashSet order, and its JSON files: parsed with the
// checks and messages of Kafka's Json/JsonValue/DecodeJson helpers, written as Jackson writes
// them (compact, fields in Kafka's order).
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/kafka/reassign_plan.h"

namespace sluice::cli::reassign {

failure<thrown> terse(std::string message) {
  return failure<thrown>{thrown{}, std::move(message)};
}

failure<thrown> thrown_as(std::string type, std::string message, std::string cause) {
  return failure<thrown>{thrown{std::move(type), std::move(cause)}, std::move(message)};
}

failure<thrown> execution_failed(std::string cause) {
  std::string message = cause;
  return thrown_as("java.util.concurrent.ExecutionException", std::move(message), std::move(cause));
}

std::string failure_text(const failure<thrown>& f) {
  if (f.code.type.empty()) return f.message + "\n";
  // Kafka prints "Error: " + getMessage() and then the stack trace, whose first line is the
  // exception itself (frames are Java's own and left out here).
  std::string out = fmt::format("Error: {}\n{}: {}\n", f.message, f.code.type, f.message);
  if (!f.code.cause.empty()) out += "Caused by: " + f.code.cause + "\n";
  return out;
}

// --- java.util.HashSet order ---------------------------------------------------------------------

int32_t java_hash(std::string_view utf8) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < utf8.size()) {
      cp = ((c & 0x07u) << 18) | ((utf8[i + 1] & 0x3Fu) << 12) | ((utf8[i + 2] & 0x3Fu) << 6) |
           (utf8[i + 3] & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < utf8.size()) {
      cp = ((c & 0x0Fu) << 12) | ((utf8[i + 1] & 0x3Fu) << 6) | (utf8[i + 2] & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < utf8.size()) {
      cp = ((c & 0x1Fu) << 6) | (utf8[i + 1] & 0x3Fu);
      len = 2;
    }
    if (cp >= 0x10000) {  // a surrogate pair in UTF-16
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
    i += len;
  }
  return static_cast<int32_t>(h);
}

int32_t java_hash(int32_t value) {
  return value;
}

int32_t java_hash(const topic_partition& tp) {
  // Kafka's TopicPartition.hashCode: 31 * (31 + partition) + topic.hashCode().
  const uint32_t h = 31u * (31u + static_cast<uint32_t>(tp.partition)) +
                     static_cast<uint32_t>(java_hash(std::string_view(tp.topic)));
  return static_cast<int32_t>(h);
}

std::vector<size_t> java_hash_order(const std::vector<int32_t>& hashes, size_t initial_capacity) {
  size_t capacity = 1;
  while (capacity < initial_capacity) capacity *= 2;  // HashMap.tableSizeFor
  for (size_t size = 1; size <= hashes.size(); ++size) {
    if (size > capacity * 3 / 4) capacity *= 2;  // resize when size exceeds the load factor
  }
  auto bucket = [&](size_t i) {
    const auto h = static_cast<uint32_t>(hashes[i]);
    return (h ^ (h >> 16)) & (capacity - 1);
  };
  std::vector<size_t> order(hashes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bucket(a) < bucket(b); });
  return order;
}

std::string java_collection_text(const std::vector<std::string>& items) {
  return fmt::format("[{}]", fmt::join(items, ", "));
}

namespace {

using json = nlohmann::json;

constexpr std::string_view json_mapping_failed =
    "com.fasterxml.jackson.databind.JsonMappingException";
constexpr std::string_view any_log_dir = "any";

// JsonNode.toString: compact JSON.
std::string node_text(const json& node) {
  return node.dump(-1, ' ', false, json::error_handler_t::replace);
}

failure<thrown> mapping_failed(std::string message) {
  return thrown_as(std::string(json_mapping_failed), std::move(message));
}

failure<thrown> expected(std::string_view type, const json& node) {
  return mapping_failed(fmt::format("Expected `{}` value, received {}", type, node_text(node)));
}

// Jackson's IntNode: an integer literal that fits an int.
bool is_int(const json& node) {
  if (node.is_number_unsigned()) return node.get<uint64_t>() <= INT32_MAX;
  if (node.is_number_integer()) {
    const auto v = node.get<int64_t>();
    return v >= INT32_MIN && v <= INT32_MAX;
  }
  return false;
}

outcome<int32_t> decode_int(const json& node) {
  if (!is_int(node)) return expected("Integer", node);
  return node.get<int32_t>();
}

outcome<std::string> decode_string(const json& node) {
  if (!node.is_string()) return expected("String", node);
  return node.get<std::string>();
}

template <class T, class Decode>
outcome<std::vector<T>> to_list(const json& node, Decode decode) {
  if (!node.is_array()) return expected("JSON array", node);
  std::vector<T> out;
  for (const json& e : node) {
    auto v = decode(e);
    if (!v) return std::move(v).error();
    out.push_back(std::move(*v));
  }
  return out;
}

outcome<const json*> field(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return mapping_failed(fmt::format("No such field exists: `{}`", name));
  return &*it;
}

// What Jackson says of text it cannot parse: the character (or the end) it stopped at, and where.
std::string parse_error_text(std::string_view text, size_t bytes_read) {
  const size_t at = bytes_read == 0 ? 0 : bytes_read - 1;  // the offending byte
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < at && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string what;
  if (at >= text.size() || text[at] == '\0') {
    what = "Unexpected end-of-input";
  } else {
    const auto c = static_cast<unsigned char>(text[at]);
    what = fmt::format("Unexpected character ('{}' (code {}))", static_cast<char>(c), c);
  }
  return fmt::format(
      "{}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: "
      "{}, column: {}]",
      what, line, at - line_start + 2);
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Json.tryParseFull: the empty string and unparsable text are refused (JsonParseException); blank
// text is Jackson's MissingNode, which no caller accepts.
outcome<json> parse_full(std::string_view text) {
  if (text.empty()) {
    return thrown_as(std::string(admin_operation_failed),
                     "The input string shouldn't be empty\n at [Source: UNKNOWN; byte offset: "
                     "#UNKNOWN]");
  }
  if (blank(text)) return mapping_failed("Expected JSON object, received ");
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    return thrown_as(std::string(admin_operation_failed), parse_error_text(text, e.byte));
  }
}

outcome<const json*> as_object(const json& node) {
  if (!node.is_object())
    return mapping_failed(fmt::format("Expected JSON object, received {}", node_text(node)));
  return &node;
}

// The "version" field: 1 when absent, anything else refused.
outcome<void> check_version(const json& object) {
  auto it = object.find("version");
  if (it == object.end()) return ok_v;
  auto version = decode_int(*it);
  if (!version) return std::move(version).error();
  if (*version != 1) {
    return thrown_as(std::string(admin_operation_failed),
                     fmt::format("Not supported version field value {}", *version));
  }
  return ok_v;
}

// The elements of an optional array field.
outcome<std::vector<const json*>> array_field(const json& object, const char* name) {
  std::vector<const json*> out;
  auto it = object.find(name);
  if (it == object.end()) return out;
  if (!it->is_array())
    return mapping_failed(fmt::format("Expected JSON array, received {}", node_text(*it)));
  for (const json& e : *it) {
    auto o = as_object(e);
    if (!o) return std::move(o).error();
    out.push_back(*o);
  }
  return out;
}

std::string ints_text(const std::vector<int32_t>& ids, std::string_view sep) {
  return fmt::format("{}", fmt::join(ids, sep));
}

// Jackson's string escaping: quotes, backslashes and control characters (\uXXXX, upper case).
std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04X}", c);
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// Integer.parseInt: an optional sign and decimal digits, within int's range.
std::optional<int32_t> java_parse_int(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return std::nullopt;
  int64_t value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
    if (value > int64_t{INT32_MAX} + 1) return std::nullopt;
  }
  if (negative) value = -value;
  if (value > INT32_MAX || value < INT32_MIN) return std::nullopt;
  return static_cast<int32_t>(value);
}

// String.split(","): trailing empty strings dropped.
std::vector<std::string> java_split(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t comma = s.find(',', start);
    parts.emplace_back(s.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (parts.size() == 1) return parts;  // no separator: the string itself, even if empty
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

template <class T>
std::vector<T> duplicates(const std::vector<T>& items) {
  std::set<T> seen;
  std::vector<T> repeated;
  for (const T& x : items) {
    if (!seen.insert(x).second) repeated.push_back(x);
  }
  return java_hash_set(repeated);
}

}  // namespace

outcome<reassignment_file> parse_reassignment_json(std::string_view text) {
  auto js = parse_full(text);
  if (!js) return std::move(js).error();
  auto root = as_object(*js);
  if (!root) return std::move(root).error();
  if (auto v = check_version(**root); !v) return std::move(v).error();
  auto entries = array_field(**root, "partitions");
  if (!entries) return std::move(entries).error();
  reassignment_file out;
  for (const json* p : *entries) {
    auto topic_node = field(*p, "topic");
    if (!topic_node) return std::move(topic_node).error();
    auto topic = decode_string(**topic_node);
    if (!topic) return std::move(topic).error();
    auto partition_node = field(*p, "partition");
    if (!partition_node) return std::move(partition_node).error();
    auto partition = decode_int(**partition_node);
    if (!partition) return std::move(partition).error();
    auto replicas_node = field(*p, "replicas");
    if (!replicas_node) return std::move(replicas_node).error();
    auto replicas = to_list<int32_t>(**replicas_node, decode_int);
    if (!replicas) return std::move(replicas).error();
    std::vector<std::string> dirs(replicas->size(), std::string(any_log_dir));
    if (auto it = p->find("log_dirs"); it != p->end()) {
      auto given = to_list<std::string>(*it, decode_string);
      if (!given) return std::move(given).error();
      dirs = std::move(*given);
    }
    const topic_partition tp{*topic, *partition};
    if (dirs.size() != replicas->size()) {
      std::vector<std::string> ids;
      for (int32_t r : *replicas) ids.push_back(std::to_string(r));
      return thrown_as(
          std::string(admin_command_failed),
          fmt::format("Size of replicas list {} is different from size of log dirs "
                      "list {} for partition {}",
                      java_collection_text(ids), java_collection_text(dirs), tp.to_string()));
    }
    for (size_t i = 0; i < dirs.size(); ++i) {
      if (dirs[i] != any_log_dir) out.log_dirs[{(*replicas)[i], tp.topic, tp.partition}] = dirs[i];
    }
    out.partitions.emplace_back(tp, std::move(*replicas));
  }
  return out;
}

outcome<assignment> checked_for_execute(const reassignment_file& file) {
  const auto failed = [](std::string message) {
    return thrown_as(std::string(admin_command_failed), std::move(message));
  };
  if (file.partitions.empty()) return failed("Partition reassignment list cannot be empty");
  for (const auto& [tp, replicas] : file.partitions) {
    if (replicas.empty()) return failed("Partition replica list cannot be empty");
  }
  std::vector<topic_partition> listed;
  for (const auto& [tp, replicas] : file.partitions) listed.push_back(tp);
  if (auto twice = duplicates(listed); !twice.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : twice) names.push_back(tp.to_string());
    return failed(fmt::format("Partition reassignment contains duplicate topic partitions: {}",
                              fmt::join(names, ",")));
  }
  std::vector<std::string> repeated;
  for (const auto& [tp, replicas] : file.partitions) {
    if (auto twice = duplicates(replicas); !twice.empty()) {
      repeated.push_back(fmt::format("{} contains multiple entries for {}", tp.to_string(),
                                     ints_text(twice, ",")));
    }
  }
  if (!repeated.empty()) {
    return failed(fmt::format("Partition replica lists may not contain duplicate entries: {}",
                              fmt::join(repeated, ". ")));
  }
  assignment out;
  for (const auto& [tp, replicas] : file.partitions) out[tp] = replicas;
  return out;
}

outcome<generate_args> parse_generate_args(std::string_view topics_json,
                                           std::string_view broker_list) {
  generate_args out;
  for (const std::string& part : java_split(broker_list)) {
    auto id = java_parse_int(part);
    if (!id) {
      return thrown_as("java.lang.NumberFormatException",
                       fmt::format("For input string: \"{}\"", part));
    }
    out.brokers.push_back(*id);
  }
  if (auto twice = duplicates(out.brokers); !twice.empty()) {
    return thrown_as(
        std::string(admin_command_failed),
        fmt::format("Broker list contains duplicate entries: [{}]", ints_text(twice, ", ")));
  }
  // Json.parseFull: text Jackson cannot parse is "not a valid JSON".
  if (topics_json.empty()) {
    return thrown_as(std::string(admin_operation_failed), "The input string is not a valid JSON");
  }
  auto js = parse_full(topics_json);
  if (!js) {
    if (js.error().code.type == admin_operation_failed) {
      return thrown_as(std::string(admin_operation_failed), "The input string is not a valid JSON");
    }
    return std::move(js).error();
  }
  auto root = as_object(*js);
  if (!root) return std::move(root).error();
  if (auto v = check_version(**root); !v) return std::move(v).error();
  auto entries = array_field(**root, "topics");
  if (!entries) return std::move(entries).error();
  for (const json* t : *entries) {
    auto topic_node = field(*t, "topic");
    if (!topic_node) return std::move(topic_node).error();
    auto topic = decode_string(**topic_node);
    if (!topic) return std::move(topic).error();
    out.topics.push_back(std::move(*topic));
  }
  if (auto twice = duplicates(out.topics); !twice.empty()) {
    return thrown_as(std::string(admin_command_failed),
                     fmt::format("List of topics to reassign contains duplicate entries: {}",
                                 java_collection_text(twice)));
  }
  return out;
}

std::string reassignment_json(const assignment& partitions, const log_dir_moves& log_dirs) {
  std::string out = "{\"version\":1,\"partitions\":[";
  bool first = true;
  for (const auto& [tp, replicas] : partitions) {
    if (!first) out += ",";
    first = false;
    std::vector<std::string> dirs;
    for (int32_t r : replicas) {
      auto it = log_dirs.find({r, tp.topic, tp.partition});
      dirs.push_back(
          json_string(it == log_dirs.end() ? any_log_dir : std::string_view(it->second)));
    }
    out += fmt::format(R"({{"topic":{},"partition":{},"replicas":[{}],"log_dirs":[{}]}})",
                       json_string(tp.topic), tp.partition, ints_text(replicas, ","),
                       fmt::join(dirs, ","));
  }
  return out + "]}";
}

}  // namespace sluice::cli::reassign
