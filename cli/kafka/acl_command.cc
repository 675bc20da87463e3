#include "cli/kafka/acl_command.h"

#include <fmt/format.h>

#include <algorithm>

#include "cli/tool_support.h"

namespace sluice::cli {

namespace {

namespace sec = security;
using sec::acl_entry;
using sec::acl_operation;
using sec::resource_pattern_filter;
using filter_map = std::map<resource_pattern_filter, std::set<acl_entry>>;

const resource_pattern_filter cluster_filter{sec::resource_type::cluster,
                                             std::string(sec::cluster_resource_name),
                                             sec::pattern_type::literal};

std::string usage(std::string_view used, std::string_view other) {
  return fmt::format("Option \"[{}]\" can't be used with option \"[{}]\"", used, other);
}

struct builder {
  const kafka_tool_parser& p;
  const acl_options& o;
  sec::pattern_type pattern = sec::pattern_type::literal;
  std::optional<std::string> error;

  void die(std::string message) {
    if (!error) error = std::move(message);
  }

  std::set<std::string> principals(const std::vector<std::string>& given) {
    std::set<std::string> out;
    for (const auto& s : given) {
      auto t = trim(s);
      if (!sec::split_principal(t))
        die(fmt::format("expected a string in format principalType:principalName but got {}", t));
      out.insert(t);
    }
    return out;
  }

  std::set<std::string> hosts(const std::vector<std::string>& given, bool principals_given) {
    std::set<std::string> out;
    for (const auto& h : given) out.insert(trim(h));
    if (given.empty() && principals_given) out.insert(std::string(sec::wildcard_host));
    return out;
  }

  // Kafka's getResourceFilter.
  std::set<resource_pattern_filter> filters(bool die_if_none) {
    std::set<resource_pattern_filter> out;
    for (const auto& t : o.topics) out.insert({sec::resource_type::topic, trim(t), pattern});
    if (pattern == sec::pattern_type::literal && (o.cluster || o.idempotent))
      out.insert(cluster_filter);
    for (const auto& g : o.groups) out.insert({sec::resource_type::group, trim(g), pattern});
    for (const auto& id : o.transactional_ids)
      out.insert({sec::resource_type::transactional_id, id, pattern});
    for (const auto& t : o.delegation_tokens)
      out.insert({sec::resource_type::delegation_token, trim(t), pattern});
    for (const auto& u : o.user_principals)
      out.insert({sec::resource_type::user, trim(u), pattern});
    if (out.empty() && die_if_none)
      die("You must provide at least one resource: --topic <topic> or --cluster or --group "
          "<group> or --delegation-token <Delegation Token ID>");
    return out;
  }

  // Kafka's getAcl.
  std::set<acl_entry> acls(const std::set<acl_operation>& operations) {
    auto allowed = principals(o.allow_principals);
    auto denied = principals(o.deny_principals);
    auto allowed_hosts = hosts(o.allow_hosts, p.has("--allow-principal"));
    auto denied_hosts = hosts(o.deny_hosts, p.has("--deny-principal"));
    std::set<acl_entry> out;
    for (const auto& [who, where, permission] :
         {std::tuple{&allowed, &allowed_hosts, sec::acl_permission::allow},
          std::tuple{&denied, &denied_hosts, sec::acl_permission::deny}})
      for (const auto& principal : *who)
        for (auto op : operations)
          for (const auto& host : *where) out.insert({principal, host, op, permission});
    return out;
  }

  std::set<acl_operation> cli_operations() {
    std::set<acl_operation> out;
    if (o.operations.empty()) out.insert(acl_operation::all);
    for (const auto& name : o.operations) out.insert(sec::parse_operation(trim(name)));
    return out;
  }

  // Kafka's getResourceFilterToAcls.
  filter_map filter_to_acls() {
    filter_map out;
    if (!o.producer && !o.consumer) {
      auto entries = acls(cli_operations());
      for (const auto& f : filters(true)) out[f] = entries;
    }
    if (o.producer) {
      auto all = filters(true);
      auto topic_acls =
          acls({acl_operation::write, acl_operation::describe, acl_operation::create});
      auto id_acls = acls({acl_operation::write, acl_operation::describe});
      for (const auto& f : all) {
        if (f.type == sec::resource_type::topic) out[f] = topic_acls;
        if (f.type == sec::resource_type::transactional_id) out[f] = id_acls;
      }
      if (o.idempotent) out[cluster_filter] = acls({acl_operation::idempotent_write});
    }
    if (o.consumer) {
      auto all = filters(true);
      auto topic_acls = acls({acl_operation::read, acl_operation::describe});
      auto group_acls = acls({acl_operation::read});
      for (const auto& f : all) {
        if (f.type == sec::resource_type::topic)
          out[f].insert(topic_acls.begin(), topic_acls.end());
        if (f.type == sec::resource_type::group)
          out[f].insert(group_acls.begin(), group_acls.end());
      }
    }
    // validateOperation
    for (const auto& [f, entries] : out) {
      const auto& supported = sec::supported_operations(f.type);
      bool bad = std::any_of(entries.begin(), entries.end(), [&](const acl_entry& e) {
        return e.operation != acl_operation::all &&
               std::find(supported.begin(), supported.end(), e.operation) == supported.end();
      });
      if (bad) {
        std::vector<std::string> names{"All"};
        for (auto op : supported) names.emplace_back(sec::pascal_name(op));
        die(fmt::format("ResourceType {} only supports operations {}", sec::enum_name(f.type),
                        fmt::join(names, ", ")));
      }
    }
    return out;
  }
};

// Kafka's checkArgs: the first complaint, or nullopt.
std::optional<std::string> check_args(const kafka_tool_parser& p, const acl_options& o) {
  const bool bootstrap = p.has("--bootstrap-server");
  if (bootstrap && p.has("--authorizer"))
    return "Only one of --bootstrap-server or --authorizer must be specified";
  if (!bootstrap && !p.has("--authorizer-properties"))
    return "Missing required argument \"[authorizer-properties]\"";
  if (p.has("--command-config") && !bootstrap)
    return "The --command-config option can only be used with --bootstrap-server option";
  if (p.has("--authorizer-properties") && bootstrap)
    return "The --authorizer-properties option can only be used with --authorizer option";
  if (int(o.add) + int(o.remove) + int(o.list) != 1)
    return "Command must include exactly one action: --list, --add, --remove. ";
  for (auto other :
       {"producer", "consumer", "allow-host", "allow-principal", "deny-host", "deny-principal"})
    if (o.list && p.has(std::string("--") + other)) return usage("list", other);
  for (auto used : {"producer", "consumer"})
    for (auto other : {"operation", "deny-principal", "deny-host"})
      if (p.has(std::string("--") + used) && p.has(std::string("--") + other))
        return usage(used, other);
  if (p.has("--principal") && !o.list)
    return "The --principal option is only available if --list is set";
  if (o.producer && !p.has("--topic")) return "With --producer you must specify a --topic";
  if (o.idempotent && !o.producer)
    return "The --idempotent option is only available if --producer is set";
  if (o.consumer && (!p.has("--topic") || !p.has("--group") ||
                     (!o.producer && (o.cluster || p.has("--transactional-id")))))
    return "With --consumer you must specify a --topic and a --group and no --cluster or "
           "--transactional-id option should be specified.";
  return std::nullopt;
}

std::string entries_text(const std::vector<acl_entry>& entries) {
  std::string out;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += "\n";
    out += "\t" + sec::to_string(entries[i]);
  }
  return out;
}

}  // namespace

void define_acl_options(kafka_tool_parser& p, acl_options& o) {
  p.flag(o.add, "--add", "Indicates you are trying to add ACLs.");
  p.list(o.allow_hosts, "--allow-host", "String: allow-host",
         "Host from which principals listed in --allow-principal will have access. If you have "
         "specified --allow-principal then the default for this option will be set to '*' which "
         "allows access from all hosts.");
  p.list(o.allow_principals, "--allow-principal", "String: allow-principal",
         "principal is in principalType:name format. Note that principalType must be supported "
         "by the Authorizer being used. For example, User:'*' is the wild card indicating all "
         "users.");
  p.text(o.authorizer, "--authorizer", "String: authorizer",
         "DEPRECATED: Fully qualified class name of the authorizer, which defaults to "
         "kafka.security.authorizer.AclAuthorizer if --bootstrap-server is not provided.");
  p.list(o.authorizer_properties, "--authorizer-properties", "String: authorizer-properties",
         "DEPRECATED: The properties required to configure an instance of the Authorizer "
         "specified by --authorizer. These are key=val pairs. For the default authorizer, "
         "example values are: zookeeper.connect=localhost:2181");
  p.text(o.bootstrap_server, "--bootstrap-server", "String: server to connect to",
         "A list of host/port pairs to use for establishing the connection to the Kafka "
         "cluster. This list should be in the form host1:port1,host2:port2,... This config is "
         "required for acl management using admin client API.");
  p.flag(o.cluster, "--cluster", "Add/Remove cluster ACLs.");
  p.text(o.command_config, "--command-config", "String: command-config",
         "A property file containing configs to be passed to Admin Client.");
  p.flag(o.consumer, "--consumer",
         "Convenience option to add/remove ACLs for consumer role. This will generate ACLs that "
         "allows READ,DESCRIBE on topic and READ on group.");
  p.list(o.delegation_tokens, "--delegation-token", "String: delegation-token",
         "Delegation token to which ACLs should be added or removed. A value of '*' indicates "
         "ACL should apply to all tokens.");
  p.list(o.deny_hosts, "--deny-host", "String: deny-host",
         "Host from which principals listed in --deny-principal will be denied access. If you "
         "have specified --deny-principal then the default for this option will be set to '*' "
         "which denies access from all hosts.");
  p.list(o.deny_principals, "--deny-principal", "String: deny-principal",
         "principal is in principalType:name format. By default anyone not added through "
         "--allow-principal is denied access. You only need to use this option as negation to "
         "already allowed set. AND PLEASE REMEMBER DENY RULES TAKES PRECEDENCE OVER ALLOW "
         "RULES.");
  p.flag(o.force, "--force", "Assume Yes to all queries and do not prompt.");
  p.list(o.groups, "--group", "String: group",
         "Consumer Group to which the ACLs should be added or removed. A value of '*' indicates "
         "the ACLs should apply to all groups.");
  p.flag(o.idempotent, "--idempotent",
         "Enable idempotence for the producer. This should be used in combination with the "
         "--producer option. Note that idempotence is enabled automatically if the producer is "
         "authorized to a particular transactional-id.");
  p.flag(o.list, "--list",
         "List ACLs for the specified resource, use --topic <topic> or --group <group> or "
         "--cluster to specify a resource.");
  p.list(o.operations, "--operation", "String",
         "Operation that is being allowed or denied. Valid operation names are: All, Read, "
         "Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, "
         "IdempotentWrite, CreateTokens, DescribeTokens (default: All)");
  p.list(o.list_principals, "--principal", "String: principal",
         "List ACLs for the specified principal. principal is in principalType:name format. "
         "Multiple --principal option can be passed.");
  p.flag(o.producer, "--producer",
         "Convenience option to add/remove ACLs for producer role. This will generate ACLs that "
         "allows WRITE,DESCRIBE and CREATE on topic.");
  p.flag(o.remove, "--remove", "Indicates you are trying to remove ACLs.");
  p.text(o.resource_pattern_type, "--resource-pattern-type", "ANY|MATCH|LITERAL|PREFIXED",
         "The type of the resource pattern or pattern filter. When adding acls, this should be "
         "a specific pattern type, e.g. 'literal' or 'prefixed'. When listing or removing acls, "
         "a specific pattern type can be used to list or remove acls from specific resource "
         "patterns, or use the filter values of 'any' or 'match', where 'any' will match any "
         "pattern type, but will match the resource name exactly, where as 'match' will perform "
         "pattern matching to list or remove all acls that affect the supplied resource(s). "
         "WARNING: 'match', when used in combination with the '--remove' switch, should be used "
         "with care.",
         "LITERAL");
  p.list(o.topics, "--topic", "String: topic",
         "topic to which ACLs should be added or removed. A value of '*' indicates ACL should "
         "apply to all topics.");
  p.list(o.transactional_ids, "--transactional-id", "String: transactional-id",
         "The transactionalId to which ACLs should be added or removed. A value of '*' indicates "
         "the ACLs should apply to all transactionalIds.");
  p.list(o.user_principals, "--user-principal", "String: user-principal",
         "Specifies a user principal as a resource in relation with the operation. For instance "
         "one could grant CreateTokens or DescribeTokens permission on a given user principal.");
  p.text(o.zk_tls_config_file, "--zk-tls-config-file",
         "String: Authorizer ZooKeeper TLS configuration",
         "DEPRECATED: Identifies the file where ZooKeeper client TLS connectivity properties are "
         "defined for the default authorizer (not supported by Sluice: ZooKeeper is reached "
         "without TLS).");
}

sluice::result<acl_command, std::string> build_acl_command(const kafka_tool_parser& p,
                                                           const acl_options& o) {
  if (auto e = check_args(p, o)) return fail(*e);
  builder b{p, o};
  b.pattern = sec::parse_pattern_type(trim(o.resource_pattern_type));
  if (b.pattern == sec::pattern_type::unknown)
    return fail(fmt::format("Unknown resource-pattern-type: {}", o.resource_pattern_type));

  acl_command c;
  c.force = o.force;
  c.use_zookeeper = !p.has("--bootstrap-server");
  for (const auto& kv : o.authorizer_properties) {
    auto eq = kv.find('=');
    if (eq == std::string::npos)
      return fail(fmt::format("Invalid authorizer property {}: expected key=value", kv));
    c.authorizer_properties[trim(kv.substr(0, eq))] = trim(kv.substr(eq + 1));
  }
  if (o.list) {
    c.what = acl_command::action::list;
    for (const auto& f : b.filters(false)) c.resources.push_back({f, {}});
    for (const auto& principal : b.principals(o.list_principals))
      c.list_principals.push_back(principal);
  } else {
    c.what = o.add ? acl_command::action::add : acl_command::action::remove;
    if (o.add && b.pattern != sec::pattern_type::literal &&
        b.pattern != sec::pattern_type::prefixed)
      return fail(
          fmt::format("A '--resource-pattern-type' value of '{}' is not valid when adding "
                      "acls.",
                      sec::enum_name(b.pattern)));
    for (auto& [f, entries] : b.filter_to_acls())
      c.resources.push_back({f, std::vector<acl_entry>(entries.begin(), entries.end())});
    if (o.add && std::any_of(c.resources.begin(), c.resources.end(),
                             [](const auto& r) { return r.second.empty(); }))
      b.die(
          "You must specify one of: --allow-principal, --deny-principal when trying to add "
          "ACLs.");
  }
  if (b.error) return fail(*b.error);
  return c;
}

std::string acls_text(std::string_view heading, const std::string& resource,
                      const std::vector<acl_entry>& entries) {
  return fmt::format("{} `{}`: \n {} \n\n", heading, resource, entries_text(entries));
}

std::string remove_all_prompt(const resource_pattern_filter& f) {
  return fmt::format("Are you sure you want to delete all ACLs for resource filter `{}`? (y/n)",
                     sec::to_string(f));
}

std::string remove_some_prompt(const resource_pattern_filter& f,
                               const std::vector<acl_entry>& entries) {
  return fmt::format(
      "Are you sure you want to remove ACLs: \n {} \n from resource filter `{}`? (y/n)",
      entries_text(entries), sec::to_string(f));
}

std::map<sec::resource_pattern, std::vector<acl_entry>> by_pattern(
    const std::vector<sec::acl_binding>& bindings) {
  std::map<sec::resource_pattern, std::set<acl_entry>> grouped;
  for (const auto& b : bindings) grouped[b.pattern].insert(b.entry);
  std::map<sec::resource_pattern, std::vector<acl_entry>> out;
  for (auto& [pattern, entries] : grouped)
    out.emplace(pattern, std::vector<acl_entry>(entries.begin(), entries.end()));
  return out;
}

}  // namespace sluice::cli
