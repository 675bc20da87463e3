// kafka-delegation-tokens: Kafka 3.9's DelegationTokenCommand — --create, --renew, --expire and
// --describe of delegation tokens, with its flags, checks and output. librdkafka 2.0.2 has no
// delegation-token API, so the requests go over raw_connection to any bootstrap broker (in
// ZooKeeper mode every broker answers them), secured from --command-config: token requests are
// refused on PLAINTEXT, so a real run always carries one.
//
// One improvement on Kafka: Kafka 3.9's Java port of the tool sends an empty owner list when
// --describe has no --owner-principal, and so lists no tokens at all, against its own help; this
// one sends none (null), which asks for every token the caller may see, as the help says and as
// the Scala tool of Kafka 3.5 did.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "cli/kafka_args.h"
#include "cli/raw_client.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "protocol/generated/create_delegation_token.h"
#include "protocol/generated/describe_delegation_token.h"
#include "protocol/generated/expire_delegation_token.h"
#include "protocol/generated/renew_delegation_token.h"
#include "security/base64.h"

namespace sluice::cli {
namespace {

using security::base64_decode;
using security::base64_encode;

struct principal {
  std::string type, name;
  std::string text() const { return type + ":" + name; }
};

// Kafka's SecurityUtils.parseKafkaPrincipal.
result<principal> parse_principal(const std::string& given) {
  std::string s = trim(given);
  size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0) {
    return fail(errc::usage,
                "expected a string in format principalType:principalName but got " + s);
  }
  return principal{s.substr(0, colon), s.substr(colon + 1)};
}

// Java's List.toString of principals: "[User:a, User:b]".
std::string list_text(const std::vector<std::string>& items) {
  return fmt::format("[{}]", fmt::join(items, ", "));
}

// Kafka's SimpleDateFormat("yyyy-MM-dd'T'HH:mm") in the local time zone.
std::string date_text(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M", &local);
  return out;
}

// The exception Kafka's Admin client raises for a delegation-token error code, as its message.
std::string token_error(int16_t code) {
  constexpr const char* pkg = "org.apache.kafka.common.errors.";
  switch (code) {
    case 61:
      return fmt::format(
          "{}DelegationTokenDisabledException: Delegation Token feature is not "
          "enabled.",
          pkg);
    case 62:
      return fmt::format(
          "{}DelegationTokenNotFoundException: Delegation Token is not found on "
          "server.",
          pkg);
    case 63:
      return fmt::format(
          "{}DelegationTokenOwnerMismatchException: Specified Principal is not "
          "valid Owner/Renewer.",
          pkg);
    case 64:
      return fmt::format(
          "{}UnsupportedByAuthenticationException: Delegation Token requests are "
          "not allowed on PLAINTEXT/1-way SSL channels and on delegation token "
          "authenticated channels.",
          pkg);
    case 65:
      return fmt::format(
          "{}DelegationTokenAuthorizationException: Delegation Token "
          "authorization failed.",
          pkg);
    case 66:
      return fmt::format("{}DelegationTokenExpiredException: Delegation Token is expired.", pkg);
    case 67:
      return fmt::format(
          "{}InvalidPrincipalTypeException: Request contains a invalid principal "
          "type",
          pkg);
    default:
      return kafka_error_message(static_cast<rd_kafka_resp_err_t>(code), "");
  }
}

int failed(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return 1;
}

struct token_row {
  std::string id, hmac, owner, requester;
  std::vector<std::string> renewers;
  int64_t issued = 0, expires = 0, max = 0;
};

void print_tokens(const std::vector<token_row>& tokens) {
  constexpr const char* row = "\n{:<15} {:<30} {:<15} {:<15} {:<25} {:<15} {:<15} {:<15}\n";
  std::string out = fmt::format(row, "TOKENID", "HMAC", "OWNER", "REQUESTER", "RENEWERS",
                                "ISSUEDATE", "EXPIRYDATE", "MAXDATE");
  for (const token_row& t : tokens) {
    out += fmt::format(row, t.id, t.hmac, t.owner, t.requester, list_text(t.renewers),
                       date_text(t.issued), date_text(t.expires), date_text(t.max));
  }
  std::fputs(out.c_str(), stdout);
}

std::string principal_text(const std::string& type, const std::string& name) {
  return type.empty() ? std::string("null") : type + ":" + name;
}

// The highest version of `Request` the broker takes, or an error naming the API.
template <class Request>
result<int16_t> version_for(const raw_connection& conn, const char* api) {
  auto v = conn.pick_version(Request::api_key, 0, Request::max_version);
  if (!v) return fail(errc::unsupported, fmt::format("The broker does not support {}", api));
  return *v;
}

struct options {
  std::vector<principal> owners, renewers;
  int64_t max_life_time = -1, renew_time = -1, expiry_time = -1;
  std::string hmac;
};

int create_token(raw_connection& conn, const options& o, deadline d) {
  std::vector<std::string> renewer_texts;
  for (const auto& r : o.renewers) renewer_texts.push_back(r.text());
  std::printf("Calling create token operation with renewers :%s , max-life-time-period :%lld\n",
              list_text(renewer_texts).c_str(), static_cast<long long>(o.max_life_time));
  using protocol::create_delegation_token_request;
  using protocol::create_delegation_token_response;
  auto version = version_for<create_delegation_token_request>(conn, "CreateDelegationToken");
  if (!version) return failed(version.message());
  create_delegation_token_request req;
  for (const auto& r : o.renewers) req.renewers.push_back({r.type, r.name, {}});
  req.max_lifetime_ms = o.max_life_time;
  if (!o.owners.empty()) {
    if (*version < 3) return failed("The broker cannot create a token for another owner");
    req.owner_principal_type = o.owners.front().type;
    req.owner_principal_name = o.owners.front().name;
  }
  auto resp = conn.call<create_delegation_token_request, create_delegation_token_response>(
      req, *version, d);
  if (!resp) return failed(resp.message());
  if (resp->error_code != 0) return failed(token_error(resp->error_code));
  std::printf("Created delegation token with tokenId : %s\n", resp->token_id.c_str());
  token_row t{
      resp->token_id,
      base64_encode(resp->hmac),
      principal_text(resp->principal_type, resp->principal_name),
      principal_text(resp->token_requester_principal_type, resp->token_requester_principal_name),
      renewer_texts,
      resp->issue_timestamp_ms,
      resp->expiry_timestamp_ms,
      resp->max_timestamp_ms};
  print_tokens({t});
  return 0;
}

// Renew and Expire: the same request shape and the same report.
template <class Request, class Response>
int change_expiry(raw_connection& conn, const options& o, deadline d, const char* api,
                  const char* operation, const char* period_name, int64_t period) {
  std::printf("Calling %s token operation with hmac :%s , %s :%lld\n", operation, o.hmac.c_str(),
              period_name, static_cast<long long>(period));
  auto hmac = base64_decode(o.hmac);
  if (!hmac) return failed("Illegal base64 character in --hmac");
  auto version = version_for<Request>(conn, api);
  if (!version) return failed(version.message());
  Request req;
  req.hmac.assign(hmac->begin(), hmac->end());
  if constexpr (requires { req.renew_period_ms; }) {
    req.renew_period_ms = period;
  } else {
    req.expiry_time_period_ms = period;
  }
  auto resp = conn.call<Request, Response>(req, *version, d);
  if (!resp) return failed(resp.message());
  if (resp->error_code != 0) return failed(token_error(resp->error_code));
  std::printf("Completed %s operation. New expiry date : %s", operation,
              date_text(resp->expiry_timestamp_ms).c_str());
  return 0;
}

int describe_tokens(raw_connection& conn, const options& o, deadline d) {
  using protocol::describe_delegation_token_request;
  using protocol::describe_delegation_token_response;
  describe_delegation_token_request req;
  if (o.owners.empty()) {
    std::printf("Calling describe token operation for current user.\n");
    req.owners.reset();  // null: every token the caller may see (see the top of this file)
  } else {
    std::vector<std::string> texts;
    for (const auto& p : o.owners) {
      texts.push_back(p.text());
      req.owners->push_back({p.type, p.name, {}});
    }
    std::printf("Calling describe token operation for owners: %s\n", list_text(texts).c_str());
  }
  auto version = version_for<describe_delegation_token_request>(conn, "DescribeDelegationToken");
  if (!version) return failed(version.message());
  auto resp = conn.call<describe_delegation_token_request, describe_delegation_token_response>(
      req, *version, d);
  if (!resp) return failed(resp.message());
  if (resp->error_code != 0) return failed(token_error(resp->error_code));
  std::vector<token_row> rows;
  for (const auto& t : resp->tokens) {
    token_row row{
        t.token_id,
        base64_encode(t.hmac),
        principal_text(t.principal_type, t.principal_name),
        principal_text(t.token_requester_principal_type, t.token_requester_principal_name),
        {},
        t.issue_timestamp,
        t.expiry_timestamp,
        t.max_timestamp};
    for (const auto& r : t.renewers)
      row.renewers.push_back(r.principal_type + ":" + r.principal_name);
    rows.push_back(std::move(row));
  }
  std::printf("Total number of tokens : %zu", rows.size());
  print_tokens(rows);
  return 0;
}

}  // namespace

int kafka_delegation_tokens_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to create, renew, expire, or describe delegation tokens.");
  std::string bootstrap_server, command_config;
  bool create = false, renew = false, expire = false, describe = false;
  std::vector<std::string> owner_texts, renewer_texts;
  options o;
  p.text(bootstrap_server, "--bootstrap-server", "String",
         "REQUIRED: server(s) to use for bootstrapping.");
  p.text(command_config, "--command-config", "String",
         "REQUIRED: A property file containing configs to be passed to Admin Client. Token "
         "management operations are allowed in secure mode only. This config file is used to "
         "pass security related configs.");
  p.flag(create, "--create",
         "Create a new delegation token. Use --renewer-principal option to pass renewer "
         "principals.");
  p.flag(renew, "--renew",
         "Renew delegation token. Use --renew-time-period option to set renew time period.");
  p.flag(expire, "--expire",
         "Expire delegation token. Use --expiry-time-period option to expire the token.");
  p.flag(describe, "--describe",
         "Describe delegation tokens for the given principals. Use --owner-principal to pass "
         "owner/renewer principals. If --owner-principal option is not supplied, all the "
         "user-owned tokens and tokens where the user has Describe permissions will be returned.");
  p.list(owner_texts, "--owner-principal", "String",
         "owner is a Kafka principal. They should be in principalType:name format.");
  p.list(renewer_texts, "--renewer-principal", "String",
         "renewer is a Kafka principal. They should be in principalType:name format.");
  p.integer(o.max_life_time, "--max-life-time-period", "Long",
            "Max life period for the token in milliseconds. If the value is -1, then token max "
            "life time will default to the server side config value of "
            "(delegation.token.max.lifetime.ms).");
  p.integer(o.renew_time, "--renew-time-period", "Long",
            "Renew time period in milliseconds. If the value is -1, then the renew time period "
            "will default to the server side config value of (delegation.token.expiry.time.ms).");
  p.integer(o.expiry_time, "--expiry-time-period", "Long",
            "Expiry time period in milliseconds. If the value is -1, then the token will get "
            "invalidated immediately.");
  p.text(o.hmac, "--hmac", "String", "HMAC of the delegation token");
  if (auto code = p.parse(args)) return *code;
  if (int(create) + int(renew) + int(expire) + int(describe) != 1) {
    return p.usage_error(
        "Command must include exactly one action: --create, --renew, --expire or --describe");
  }
  if (auto e = p.require({"--bootstrap-server", "--command-config"})) return *e;
  if (create) {
    if (auto e = p.require({"--max-life-time-period"})) return *e;
  }
  if (renew) {
    if (auto e = p.require({"--hmac", "--renew-time-period"})) return *e;
  }
  if (expire) {
    if (auto e = p.require({"--hmac", "--expiry-time-period"})) return *e;
  }
  if (auto e = p.exclusive("--create", {"--hmac", "--renew-time-period", "--expiry-time-period"}))
    return *e;
  if (auto e = p.exclusive("--renew", {"--renewer-principal", "--max-life-time-period",
                                       "--expiry-time-period", "--owner-principal"}))
    return *e;
  if (auto e = p.exclusive("--expire",
                           {"--max-life-time-period", "--renew-time-period", "--owner-principal"}))
    return *e;
  if (auto e = p.exclusive("--describe", {"--renew-time-period", "--max-life-time-period", "--hmac",
                                          "--expiry-time-period"}))
    return *e;
  for (const auto& [texts, out] :
       {std::pair{&owner_texts, &o.owners}, std::pair{&renewer_texts, &o.renewers}}) {
    for (const std::string& t : *texts) {
      auto parsed = parse_principal(t);
      if (!parsed) return failed(parsed.message());
      out->push_back(std::move(*parsed));
    }
  }

  auto settings = make_settings(bootstrap_server, command_config);
  if (!settings) return failed(settings.message());
  deadline d = deadline::after(settings->timeout);
  auto conn = raw_connection::open_any(settings->brokers, settings->properties, d);
  if (!conn) return failed(conn.message());
  if (create) return create_token(*conn, o, d);
  if (renew) {
    return change_expiry<protocol::renew_delegation_token_request,
                         protocol::renew_delegation_token_response>(
        *conn, o, d, "RenewDelegationToken", "renew", "renew-time-period", o.renew_time);
  }
  if (expire) {
    return change_expiry<protocol::expire_delegation_token_request,
                         protocol::expire_delegation_token_response>(
        *conn, o, d, "ExpireDelegationToken", "expire", "expire-time-period", o.expiry_time);
  }
  return describe_tokens(*conn, o, d);
}

}  // namespace sluice::cli
