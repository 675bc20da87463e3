// acl_command: kafka-acls' command line turned into what to do, exactly as Kafka 3.9's AclCommand
// does it (checkArgs, getResourceFilter, getAcl, the --producer/--consumer conveniences,
// validateOperation), and the text it prints. Pure: kafka_acls.cc runs the result against a broker
// (CreateAcls/DescribeAcls/DeleteAcls) or ZooKeeper (--authorizer-properties zookeeper.connect=).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/kafka_args.h"
#include "security/acl.h"

namespace sluice::cli {

// The options as given.
struct acl_options {
  std::string bootstrap_server, command_config, authorizer, zk_tls_config_file;
  std::vector<std::string> authorizer_properties;
  std::vector<std::string> topics, groups, transactional_ids, delegation_tokens, user_principals;
  std::vector<std::string> operations;  // empty: All
  std::vector<std::string> allow_principals, deny_principals, allow_hosts, deny_hosts;
  std::vector<std::string> list_principals;
  std::string resource_pattern_type = "LITERAL";
  bool add = false, remove = false, list = false, cluster = false, idempotent = false;
  bool producer = false, consumer = false, force = false;
};

// Declares the options on `p`, bound to `o`.
void define_acl_options(kafka_tool_parser& p, acl_options& o);

struct acl_command {
  enum class action { add, remove, list } what = action::list;
  // add: each pattern with the entries to add; remove: each filter with the exact entries to
  // remove (none: every ACL of the filter); list: the filters to list (none: every ACL).
  std::vector<std::pair<security::resource_pattern_filter, std::vector<security::acl_entry>>>
      resources;
  std::vector<std::string> list_principals;  // list --principal
  std::map<std::string, std::string> authorizer_properties;
  bool force = false;
  bool use_zookeeper = false;  // --authorizer-properties instead of --bootstrap-server
};

// The command, or the usage error Kafka's AclCommand prints (then the usage, exit 1). `p` says
// which options were given.
sluice::result<acl_command, std::string> build_acl_command(const kafka_tool_parser& p,
                                                           const acl_options& o);

// "Adding ACLs for resource `ResourcePattern(...)`: \n \t(principal=...)\n\t(...) \n\n" and
// "Current ACLs for resource `...`: ..." as Kafka prints them (println included).
std::string acls_text(std::string_view heading, const std::string& resource,
                      const std::vector<security::acl_entry>& entries);

// Kafka's removal prompts.
std::string remove_all_prompt(const security::resource_pattern_filter& f);
std::string remove_some_prompt(const security::resource_pattern_filter& f,
                               const std::vector<security::acl_entry>& entries);

// Every binding grouped by pattern, in a stable order (what --list prints).
std::map<security::resource_pattern, std::vector<security::acl_entry>> by_pattern(
    const std::vector<security::acl_binding>& bindings);

}  // namespace sluice::cli
