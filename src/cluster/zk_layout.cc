#include "cluster/zk_layout.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

namespace sluice::cluster::zk_layout {

namespace {

// Jackson keeps the order in which Kafka puts keys; ordered_json does the same for our output.
using ordered_json = nlohmann::ordered_json;
using json = nlohmann::json;

failure<errc> bad(std::string_view what, std::string_view why) {
  return fail(errc::invalid_request, fmt::format("bad {} JSON: {}", what, why));
}

// Parses without exceptions; nullopt-like discarded value on syntax errors.
json parse(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

bool is_int32(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= INT32_MAX;
  if (!v.is_number_integer()) return false;
  auto n = v.get<int64_t>();
  return n >= INT32_MIN && n <= INT32_MAX;
}

std::optional<int32_t> parse_int32(std::string_view text) {
  int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A JSON array of int32 (broker ids), or nullopt.
std::optional<std::vector<int32_t>> int32_array(const json& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<int32_t> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!is_int32(e)) return std::nullopt;
    out.push_back(e.get<int32_t>());
  }
  return out;
}

// "LISTENER://host:port" (host may be empty or a bracketed IPv6 address).
std::optional<broker_endpoint> parse_endpoint(std::string_view text) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return std::nullopt;
  broker_endpoint e;
  e.listener_name = std::string(text.substr(0, scheme_end));
  auto rest = text.substr(scheme_end + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = parse_int32(rest.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  e.host = std::string(host);
  e.port = *port;
  return e;
}

std::string format_endpoint(const broker_endpoint& e) {
  bool ipv6 = e.host.find(':') != std::string::npos;
  return ipv6 ? fmt::format("{}://[{}]:{}", e.listener_name, e.host, e.port)
              : fmt::format("{}://{}:{}", e.listener_name, e.host, e.port);
}

}  // namespace

std::vector<std::string> persistent_paths() {
  return {"/consumers", std::string(broker_ids), std::string(broker_topics), "/brokers/seqid",
          std::string(config_changes), std::string(delete_topics),
          std::string(isr_change_notification), std::string(latest_producer_id_block),
          "/log_dir_event_notification", std::string(config_topics), "/config/clients",
          "/config/users", std::string(config_brokers), "/config/ips",
          // Kafka creates these when delegation tokens are on (createDelegationTokenPaths); they
          // exist here from the start so every broker's watches are set before a token is made.
          std::string(delegation_tokens), std::string(delegation_token_changes)};
}

std::string sanitize_entity_name(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::optional<std::string> desanitize_entity_name(std::string_view znode) {
  std::string out;
  for (size_t i = 0; i < znode.size(); ++i) {
    char c = znode[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= znode.size()) return std::nullopt;
      int value = 0;
      for (size_t k = i + 1; k <= i + 2; ++k) {
        char h = znode[k];
        int d = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
        if (d < 0) return std::nullopt;
        value = value * 16 + d;
      }
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string delegation_token_path(const std::string& token_id) {
  return fmt::format("{}/{}", delegation_tokens, token_id);
}

std::string user_config_path(const std::string& user) {
  return fmt::format("{}/{}", config_users, sanitize_entity_name(user));
}

std::string broker_path(int32_t broker_id) {
  return fmt::format("{}/{}", broker_ids, broker_id);
}
std::string topic_path(const std::string& topic) {
  return fmt::format("{}/{}", broker_topics, topic);
}
std::string partitions_path(const std::string& topic) {
  return topic_path(topic) + "/partitions";
}
std::string partition_path(const std::string& topic, int32_t p) {
  return fmt::format("{}/{}", partitions_path(topic), p);
}
std::string partition_state_path(const std::string& topic, int32_t p) {
  return partition_path(topic, p) + "/state";
}
std::string topic_config_path(const std::string& topic) {
  return fmt::format("{}/{}", config_topics, topic);
}
std::string broker_config_entity(std::optional<int32_t> broker) {
  return broker ? std::to_string(*broker) : std::string("<default>");
}
std::string broker_config_path(std::optional<int32_t> broker) {
  return fmt::format("{}/{}", config_brokers, broker_config_entity(broker));
}
std::string delete_topic_path(const std::string& topic) {
  return fmt::format("{}/{}", delete_topics, topic);
}

std::string encode_broker(const broker_info& broker, int64_t timestamp_ms) {
  ordered_json protocols = ordered_json::object();
  ordered_json endpoints = ordered_json::array();
  const broker_endpoint* plaintext = nullptr;
  for (const auto& e : broker.endpoints) {
    protocols[e.listener_name] = e.security_protocol;
    endpoints.push_back(format_endpoint(e));
    if (!plaintext && e.security_protocol == "PLAINTEXT") plaintext = &e;
  }
  ordered_json doc = {{"features", ordered_json::object()},
                      {"listener_security_protocol_map", protocols},
                      {"endpoints", endpoints},
                      {"jmx_port", -1},
                      {"port", plaintext ? plaintext->port : -1},
                      {"host", plaintext ? ordered_json(plaintext->host) : ordered_json(nullptr)},
                      {"version", 5},
                      {"timestamp", std::to_string(timestamp_ms)}};
  if (broker.rack) doc["rack"] = *broker.rack;
  return doc.dump();
}

result<broker_info> decode_broker(int32_t broker_id, std::string_view text) {
  const auto what = fmt::format("broker {} registration", broker_id);
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  broker_info b;
  b.id = broker_id;
  std::map<std::string, std::string> protocols;
  if (auto it = doc.find("listener_security_protocol_map"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return bad(what, "listener_security_protocol_map is not an object");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return bad(what, "a security protocol is not a string");
      protocols[k] = v.get<std::string>();
    }
  }
  if (auto it = doc.find("endpoints"); it != doc.end() && it->is_array()) {
    for (const auto& e : *it) {
      if (!e.is_string()) return bad(what, "an endpoint is not a string");
      auto endpoint = parse_endpoint(e.get<std::string>());
      if (!endpoint) return bad(what, fmt::format("bad endpoint {}", e.get<std::string>()));
      auto p = protocols.find(endpoint->listener_name);
      endpoint->security_protocol = p != protocols.end() ? p->second : endpoint->listener_name;
      b.endpoints.push_back(std::move(*endpoint));
    }
  } else {
    // Version 1 registrations have only host and port.
    auto host = doc.find("host");
    auto port = doc.find("port");
    if (host == doc.end() || !host->is_string() || port == doc.end() || !is_int32(*port))
      return bad(what, "no endpoints and no host/port");
    b.endpoints.push_back(
        {"PLAINTEXT", "PLAINTEXT", host->get<std::string>(), port->get<int32_t>()});
  }
  if (auto it = doc.find("rack"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return bad(what, "rack is not a string");
    b.rack = it->get<std::string>();
  }
  return b;
}

std::string encode_topic_assignment(const topic_assignment& assignment) {
  auto by_partition = [](const std::map<int32_t, std::vector<int32_t>>& lists) {
    ordered_json out = ordered_json::object();
    for (const auto& [p, replicas] : lists) out[std::to_string(p)] = replicas;
    return out;
  };
  ordered_json doc = {{"version", 3},
                      {"topic_id", assignment.topic_id.to_base64()},
                      {"partitions", by_partition(assignment.partitions)},
                      {"adding_replicas", by_partition(assignment.adding_replicas)},
                      {"removing_replicas", by_partition(assignment.removing_replicas)}};
  return doc.dump();
}

result<topic_assignment> decode_topic_assignment(std::string_view text) {
  constexpr std::string_view what = "topic assignment";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  topic_assignment out;
  if (auto it = doc.find("topic_id"); it != doc.end() && !it->is_null()) {
    if (!it->is_string()) return bad(what, "topic_id is not a string");
    auto id = protocol::uuid::from_base64(it->get<std::string>());
    if (!id) return bad(what, fmt::format("topic_id {} is not a base64 uuid", it->dump()));
    out.topic_id = *id;
  }
  auto parts = doc.find("partitions");
  if (parts == doc.end() || !parts->is_object()) return bad(what, "partitions is not an object");
  for (const auto& [key, replicas] : parts->items()) {
    auto p = parse_int32(key);
    if (!p || *p < 0) return bad(what, fmt::format("partition key \"{}\" is not a number", key));
    auto list = int32_array(replicas);
    if (!list) return bad(what, fmt::format("replicas of partition {} are not a list of ids", *p));
    out.partitions[*p] = std::move(*list);
  }
  // Version 3 (Kafka 2.4+): the replicas being added and removed by a reassignment under way.
  for (auto [key, target] : {std::pair{"adding_replicas", &out.adding_replicas},
                             std::pair{"removing_replicas", &out.removing_replicas}}) {
    auto it = doc.find(key);
    if (it == doc.end() || it->is_null()) continue;
    if (!it->is_object()) return bad(what, fmt::format("{} is not an object", key));
    for (const auto& [partition, replicas] : it->items()) {
      auto p = parse_int32(partition);
      auto list = int32_array(replicas);
      if (!p || !out.partitions.contains(*p) || !list)
        return bad(what, fmt::format("{} of partition \"{}\" are not a list of ids of a known "
                                     "partition",
                                     key, partition));
      if (!list->empty()) (*target)[*p] = std::move(*list);
    }
  }
  // Partitions are numbered 0..n-1; a gap would shift every later partition's index.
  int32_t expected = 0;
  for (const auto& [p, replicas] : out.partitions)
    if (p != expected++) return bad(what, fmt::format("partition {} is missing", expected - 1));
  return out;
}

std::string encode_partition_state(const leader_and_isr& state) {
  ordered_json doc = {{"controller_epoch", state.controller_epoch},
                      {"leader", state.leader},
                      {"version", 1},
                      {"leader_epoch", state.leader_epoch},
                      {"isr", state.isr}};
  return doc.dump();
}

result<leader_and_isr> decode_partition_state(std::string_view text) {
  constexpr std::string_view what = "partition state";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  leader_and_isr out;
  for (auto [key, field] :
       {std::pair{"leader", &out.leader}, std::pair{"leader_epoch", &out.leader_epoch},
        std::pair{"controller_epoch", &out.controller_epoch}}) {
    auto it = doc.find(key);
    if (it == doc.end() || !is_int32(*it)) return bad(what, fmt::format("{} is not a number", key));
    *field = it->get<int32_t>();
  }
  auto isr = doc.find("isr");
  auto list = isr == doc.end() ? std::nullopt : int32_array(*isr);
  if (!list) return bad(what, "isr is not a list of broker ids");
  out.isr = std::move(*list);
  return out;
}

std::string encode_controller(int32_t broker_id, int64_t timestamp_ms) {
  ordered_json doc = {
      {"version", 1}, {"brokerid", broker_id}, {"timestamp", std::to_string(timestamp_ms)}};
  return doc.dump();
}

result<int32_t> decode_controller(std::string_view text) {
  constexpr std::string_view what = "controller";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  auto it = doc.find("brokerid");
  if (it == doc.end() || !is_int32(*it)) return bad(what, "brokerid is not a number");
  return it->get<int32_t>();
}

std::string encode_entity_config(const config_map& configs) {
  ordered_json config = ordered_json::object();
  for (const auto& [k, v] : configs) config[k] = v;
  ordered_json doc = {{"version", 1}, {"config", config}};
  return doc.dump();
}

result<config_map> decode_entity_config(std::string_view text) {
  constexpr std::string_view what = "topic config";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  config_map out;
  auto it = doc.find("config");
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_object()) return bad(what, "config is not an object");
  for (const auto& [k, v] : it->items()) {
    if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_number() || v.is_boolean())
      out[k] = v.dump();  // Kafka writes strings; tolerate hand-written numbers.
    else
      return bad(what, fmt::format("config {} is not a string", k));
  }
  return out;
}

std::string encode_config_change(const std::string& entity_path) {
  ordered_json doc = {{"version", 2}, {"entity_path", entity_path}};
  return doc.dump();
}

std::string encode_producer_id_block(const producer_id_block& block) {
  ordered_json doc = {{"version", 1},
                      {"broker", block.broker},
                      {"block_start", std::to_string(block.first)},
                      {"block_end", std::to_string(block.last)}};
  return doc.dump();
}

result<producer_id_block> decode_producer_id_block(std::string_view text) {
  constexpr std::string_view what = "producer id block";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  auto broker = doc.find("broker");
  if (broker == doc.end() || !is_int32(*broker)) return bad(what, "broker is not a number");
  auto id_of = [&](const char* key) -> std::optional<int64_t> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    const auto& s = it->get_ref<const std::string&>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size() || value < 0) return std::nullopt;
    return value;
  };
  auto first = id_of("block_start");
  auto last = id_of("block_end");
  if (!first || !last || *last < *first)
    return bad(what, "block_start and block_end are not a range of ids");
  return producer_id_block{broker->get<int32_t>(), *first, *last};
}

result<producer_id_block> next_producer_id_block(const std::optional<producer_id_block>& previous,
                                                 int32_t broker) {
  int64_t first = previous ? previous->last + 1 : 0;
  if (previous && previous->last > INT64_MAX - producer_id_block_size)
    return fail(errc::invalid_request,
                fmt::format("every producer id has been handed out (the last block ends at {})",
                            previous->last));
  return producer_id_block{broker, first, first + producer_id_block_size - 1};
}

std::string encode_cluster_id(const std::string& id) {
  ordered_json doc = {{"version", "1"}, {"id", id}};
  return doc.dump();
}

result<std::string> decode_cluster_id(std::string_view text) {
  constexpr std::string_view what = "cluster id";
  json doc = parse(text);
  if (!doc.is_object()) return bad(what, "not a JSON object");
  auto it = doc.find("id");
  if (it == doc.end() || !it->is_string() || it->get<std::string>().empty())
    return bad(what, "id is not a string");
  return it->get<std::string>();
}

}  // namespace sluice::cluster::zk_layout
