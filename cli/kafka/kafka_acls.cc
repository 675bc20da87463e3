// kafka-acls: Kafka 3.9's ACL tool. With --bootstrap-server it sends CreateAcls, DescribeAcls and
// DeleteAcls to a broker (cli/client/acl_admin); with --authorizer-properties
// zookeeper.connect=... it works on ZooKeeper directly, as Kafka's AclAuthorizer does (Sluice's
// security::zk_acl_store: Kafka's znodes and change notices, which every broker follows). The
// command line and the text are AclCommand's (cli/kafka/acl_command.h).
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "cli/client/acl_admin.h"
#include "cli/kafka/acl_command.h"
#include "cli/tool_support.h"
#include "cli/tools.h"
#include "cluster/zk_session.h"
#include "security/acl_manager.h"
#include "security/zk_acl_store.h"

namespace sluice::cli {

namespace {

namespace sec = security;
using sec::acl_binding;
using sec::acl_binding_filter;

constexpr std::string_view deprecation_warning =
    "Warning: support for ACL configuration directly through the authorizer is deprecated and "
    "will be removed in a future release. Please use --bootstrap-server instead to set ACLs "
    "through the admin client.";

void print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

int error_exit(std::string_view message) {
  print(fmt::format("Error while executing ACL command: {}\n", message));
  return 1;
}

bool confirm(const acl_command& c, const std::string& prompt) {
  if (c.force) return true;
  print(prompt + "\n");
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y";
}

acl_binding_filter any_entry(const sec::resource_pattern_filter& f) {
  return {f, {}};
}
acl_binding_filter exact(const sec::resource_pattern_filter& f, const sec::acl_entry& e) {
  return {f, {e.principal, e.host, e.operation, e.permission}};
}

// Where the ACLs are: a broker (Admin API) or ZooKeeper (an authorizer of our own).
class acl_service {
 public:
  virtual ~acl_service() = default;
  // False when the tool must stop (the message is printed).
  virtual bool add(const sec::resource_pattern& pattern,
                   const std::vector<sec::acl_entry>& entries) = 0;
  virtual bool remove(const std::vector<acl_binding_filter>& filters) = 0;
  virtual result<std::vector<acl_binding>> list(const acl_binding_filter& f) = 0;
};

class broker_service final : public acl_service {
 public:
  broker_service(raw_connection c, deadline d) : c_(std::move(c)), d_(d) {}
  bool add(const sec::resource_pattern& pattern,
           const std::vector<sec::acl_entry>& entries) override {
    std::vector<acl_binding> bindings;
    for (const auto& e : entries) bindings.push_back({pattern, e});
    auto r = create_acls(c_, bindings, d_);
    if (!r) error_exit(r.message());
    return r.ok();
  }
  bool remove(const std::vector<acl_binding_filter>& filters) override {
    auto r = delete_acls(c_, filters, d_);
    if (!r) error_exit(r.message());
    return r.ok();
  }
  result<std::vector<acl_binding>> list(const acl_binding_filter& f) override {
    return describe_acls(c_, f, d_);
  }

 private:
  raw_connection c_;
  deadline d_;
};

// AclCommand's AuthorizerService: errors of single bindings are printed and the tool goes on.
class zookeeper_service final : public acl_service {
 public:
  zookeeper_service(std::unique_ptr<cluster::zk_session> zk, std::unique_ptr<sec::acl_manager> m)
      : zk_(std::move(zk)), manager_(std::move(m)) {}
  ~zookeeper_service() override { manager_.reset(); }  // before the session it uses
  bool add(const sec::resource_pattern& pattern,
           const std::vector<sec::acl_entry>& entries) override {
    std::vector<acl_binding> bindings;
    for (const auto& e : entries) bindings.push_back({pattern, e});
    for (const auto& outcome : manager_->create_acls(bindings))
      if (outcome) print(fmt::format("Error while adding ACLs: {}\n", outcome->message));
    return true;
  }
  bool remove(const std::vector<acl_binding_filter>& filters) override {
    for (const auto& deleted : manager_->delete_acls(filters))
      for (const auto& d : deleted)
        if (d.error) print(fmt::format("Error while removing ACLs: {}\n", d.error->message));
    return true;
  }
  result<std::vector<acl_binding>> list(const acl_binding_filter& f) override {
    return manager_->describe(f);
  }

 private:
  std::unique_ptr<cluster::zk_session> zk_;
  std::unique_ptr<sec::acl_manager> manager_;
};

result<std::unique_ptr<acl_service>> open_zookeeper(const acl_command& c) {
  // The cluster and security libraries log through spdlog; the tool's stdout is its answer, so
  // only their warnings and errors are shown, on stderr (as Kafka's tools-log4j.properties does).
  if (!spdlog::get("zookeeper")) {
    auto logger = spdlog::stderr_color_mt("zookeeper");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
  }
  std::fprintf(stderr, "%.*s\n", static_cast<int>(deprecation_warning.size()),
               deprecation_warning.data());
  const auto& props = c.authorizer_properties;
  auto url = props.find("authorizer.zookeeper.url");
  if (url == props.end()) url = props.find("zookeeper.connect");
  if (url == props.end() || url->second.empty())
    return fail(errc::invalid_input,
                "Missing required configuration \"zookeeper.connect\" which has no default value.");
  std::chrono::milliseconds timeout{18000};
  for (auto key : {"authorizer.zookeeper.connection.timeout.ms", "zookeeper.connection.timeout.ms"})
    if (auto it = props.find(key); it != props.end()) {
      auto ms = parse_int<int32_t>(it->second);
      if (!ms || *ms <= 0) return fail(errc::invalid_input, fmt::format("Invalid {}", key));
      timeout = std::chrono::milliseconds(*ms);
      break;
    }
  cluster::zk_options options;
  options.connect = url->second;
  options.session_timeout = timeout;
  options.connection_timeout = timeout;
  auto zk = cluster::zk_session::connect(options);
  if (!zk)
    return fail(errc::unreachable,
                fmt::format("Timed out waiting for connection while in state: CONNECTING ({}: {})",
                            url->second, zk.message()));
  auto store = sec::zk_acl_store::open(**zk);
  if (!store) return fail(errc::unreachable, store.message());
  auto manager = std::make_unique<sec::acl_manager>(std::move(*store), sec::authorizer_config{});
  if (auto loaded = manager->load(); !loaded) return fail(errc::unreachable, loaded.message());
  return std::unique_ptr<acl_service>(
      std::make_unique<zookeeper_service>(std::move(*zk), std::move(manager)));
}

result<std::unique_ptr<acl_service>> open_broker(const acl_options& o) {
  auto settings = make_settings(o.bootstrap_server, o.command_config);
  if (!settings) return std::move(settings).error();
  deadline d = deadline::after(settings->timeout);
  auto c = raw_connection::open_any(settings->brokers, settings->properties, d);
  if (!c) return std::move(c).error();
  return std::unique_ptr<acl_service>(std::make_unique<broker_service>(std::move(*c), d));
}

int run_list(const acl_command& c, acl_service& service) {
  std::vector<acl_binding> bindings;
  if (c.resources.empty()) {
    auto all = service.list({});
    if (!all) return error_exit(all.message());
    bindings = std::move(*all);
  }
  for (const auto& [f, unused] : c.resources) {
    auto some = service.list(any_entry(f));
    if (!some) return error_exit(some.message());
    bindings.insert(bindings.end(), some->begin(), some->end());
  }
  auto print_resources = [](const auto& grouped) {
    for (const auto& [pattern, entries] : grouped)
      print(acls_text("Current ACLs for resource", sec::to_string(pattern), entries));
  };
  if (c.list_principals.empty()) {
    print_resources(by_pattern(bindings));
    return 0;
  }
  for (const auto& principal : c.list_principals) {
    print(fmt::format("ACLs for principal `{}`\n", principal));
    std::vector<acl_binding> theirs;
    for (const auto& b : bindings)
      if (b.entry.principal == principal) theirs.push_back(b);
    print_resources(by_pattern(theirs));
  }
  return 0;
}

int run(const acl_command& c, acl_service& service) {
  switch (c.what) {
    case acl_command::action::add:
      for (const auto& [f, entries] : c.resources) {
        sec::resource_pattern pattern{f.type, *f.name, f.pattern};
        print(acls_text("Adding ACLs for resource", sec::to_string(pattern), entries));
        if (!service.add(pattern, entries)) return 1;
      }
      return 0;
    case acl_command::action::remove:
      for (const auto& [f, entries] : c.resources) {
        std::vector<acl_binding_filter> filters;
        if (entries.empty()) {
          if (!confirm(c, remove_all_prompt(f))) continue;
          filters.push_back(any_entry(f));
        } else {
          if (!confirm(c, remove_some_prompt(f, entries))) continue;
          for (const auto& e : entries) filters.push_back(exact(f, e));
        }
        if (!service.remove(filters)) return 1;
      }
      return 0;
    case acl_command::action::list:
      return run_list(c, service);
  }
  return 1;
}

}  // namespace

int kafka_acls_main(const args_t& args) {
  kafka_tool_parser p("This tool helps to manage acls on kafka.");
  acl_options o;
  define_acl_options(p, o);
  if (auto code = p.parse(args)) return *code;
  auto command = build_acl_command(p, o);
  if (!command) return p.usage_error(command.code());
  auto service = command->use_zookeeper ? open_zookeeper(*command) : open_broker(o);
  if (!service) return error_exit(service.message());
  return run(*command, **service);
}

}  // namespace sluice::cli
