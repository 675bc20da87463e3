#include "cli/kafka/client_quotas_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "cli/raw_client.h"
#include "cluster/client_quota_entity.h"
#include "protocol/generated/alter_client_quotas.h"
#include "protocol/generated/describe_client_quotas.h"

namespace sluice::cli {
namespace {

constexpr std::array<std::string_view, 4> quota_keys = {
    "producer_byte_rate", "consumer_byte_rate", "request_percentage", "controller_mutation_rate"};

int failed(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

std::string entity_type(const std::string& cli_type) {
  return cli_type == "users" ? "user" : cli_type == "ips" ? "ip" : "client-id";
}

result<raw_connection> connect(const client_settings& settings, deadline d) {
  return raw_connection::open_any(settings.brokers, settings.properties, d);
}

std::string error_text(int16_t code, const std::optional<std::string>& message) {
  if (message && !message->empty()) return *message;
  return fmt::format("error code {}", code);
}

}  // namespace

std::string java_double(double v) {
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  double a = std::fabs(v);
  if (a >= 1e-3 && a < 1e7) {
    std::string s = fmt::format("{}", v);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s;
  }
  // d.dddE<n>: the shortest digits, one before the point.
  std::string s = fmt::format("{:e}", v);  // 1.000000e+07
  int exponent = std::atoi(s.c_str() + s.find('e') + 1);
  double mantissa = v / std::pow(10.0, exponent);
  std::string m = fmt::format("{}", mantissa);
  if (m.find('.') == std::string::npos) m += ".0";
  return fmt::format("{}E{}", m, exponent);
}

int describe_client_quotas(const client_settings& settings,
                           const std::vector<quota_entity_arg>& entity) {
  using protocol::describe_client_quotas_request;
  using protocol::describe_client_quotas_response;
  deadline d = deadline::after(settings.timeout);
  auto conn = connect(settings, d);
  if (!conn) return failed(conn.message());
  auto version = conn->pick_version(describe_client_quotas_request::api_key, 0,
                                    describe_client_quotas_request::max_version);
  if (!version) return failed("The broker does not support DescribeClientQuotas");
  describe_client_quotas_request request;
  request.strict = true;  // ClientQuotaFilter.containsOnly, as ConfigCommand asks
  for (const auto& part : entity) {
    auto& c = request.components.emplace_back();
    c.entity_type = entity_type(part.type);
    if (!part.name) {
      c.match_type = 2;
      c.match = std::nullopt;
    } else if (part.name->empty()) {
      c.match_type = 1;
      c.match = std::nullopt;
    } else {
      c.match_type = 0;
      c.match = *part.name;
    }
  }
  auto response = conn->call<describe_client_quotas_request, describe_client_quotas_response>(
      request, *version, d);
  if (!response) return failed(response.message());
  if (response->error_code != 0)
    return failed(error_text(response->error_code, response->error_message));
  if (!response->entries) return 0;
  for (const auto& e : *response->entries) {
    auto part = [&](std::string_view type, std::string_view shown) -> std::optional<std::string> {
      for (const auto& p : e.entity) {
        if (p.entity_type != type) continue;
        if (p.entity_name) return fmt::format("{} '{}'", shown, *p.entity_name);
        return fmt::format("the default {}", shown);
      }
      return std::nullopt;
    };
    std::vector<std::string> parts;
    if (auto u = part("user", "user-principal")) parts.push_back(*u);
    if (auto c = part("client-id", "client-id")) parts.push_back(*c);
    if (auto i = part("ip", "ip")) parts.push_back(*i);
    std::map<std::string, double> values;
    for (const auto& v : e.values) values[v.key] = v.value;
    std::vector<std::string> shown;
    for (const auto& [k, v] : values) shown.push_back(k + "=" + java_double(v));
    std::printf("Quota configs for %s are %s\n", fmt::format("{}", fmt::join(parts, ", ")).c_str(),
                fmt::format("{}", fmt::join(shown, ", ")).c_str());
  }
  return 0;
}

int alter_client_quotas(const client_settings& settings,
                        const std::vector<quota_entity_arg>& entity,
                        const std::vector<std::pair<std::string, std::string>>& add,
                        const std::vector<std::string>& remove, bool report) {
  using protocol::alter_client_quotas_request;
  using protocol::alter_client_quotas_response;
  std::vector<std::string> unknown;
  alter_client_quotas_request request;
  auto& entry = request.entries.emplace_back();
  for (const auto& part : entity) {
    auto& p = entry.entity.emplace_back();
    p.entity_type = entity_type(part.type);
    if (part.name && !part.name->empty())
      p.entity_name = *part.name;
    else
      p.entity_name = std::nullopt;
  }
  const bool ips = entity.front().type == "ips";
  auto known = [&](const std::string& k) {
    if (ips) return k == cluster::ip_connection_rate_key;
    return std::find(quota_keys.begin(), quota_keys.end(), k) != quota_keys.end();
  };
  for (const auto& [key, text] : add) {
    if (!known(key)) {
      unknown.push_back(key);
      continue;
    }
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0')
      return failed(fmt::format("Cannot parse quota configuration value for {}: {}", key, text));
    entry.ops.push_back({key, v, false, {}});
  }
  for (const auto& key : remove) {
    if (!known(key)) {
      unknown.push_back(key);
      continue;
    }
    entry.ops.push_back({key, 0.0, true, {}});
  }
  if (!unknown.empty() && ips) {
    return failed(fmt::format(
        "Only connection quota configs can be added for 'ips' using --bootstrap-server. "
        "Unexpected config names: {}",
        fmt::join(unknown, ",")));
  }
  if (!unknown.empty()) {
    return failed(fmt::format(
        "Only quota configs can be added for '{}' using --bootstrap-server. Unexpected config "
        "names: Set({})",
        entity.front().type, fmt::join(unknown, ", ")));
  }
  deadline d = deadline::after(settings.timeout);
  auto conn = connect(settings, d);
  if (!conn) return failed(conn.message());
  auto version = conn->pick_version(alter_client_quotas_request::api_key, 0,
                                    alter_client_quotas_request::max_version);
  if (!version) return failed("The broker does not support AlterClientQuotas");
  auto response =
      conn->call<alter_client_quotas_request, alter_client_quotas_response>(request, *version, d);
  if (!response) return failed(response.message());
  for (const auto& e : response->entries) {
    if (e.error_code != 0) return failed(error_text(e.error_code, e.error_message));
  }
  if (!report) return 0;
  const auto& head = entity.front();
  std::string word = head.type.substr(0, head.type.size() - 1);
  if (head.name && !head.name->empty())
    std::printf("Completed updating config for %s %s.\n", word.c_str(), head.name->c_str());
  else
    std::printf("Completed updating default config for %s in the cluster.\n", head.type.c_str());
  return 0;
}

}  // namespace sluice::cli
