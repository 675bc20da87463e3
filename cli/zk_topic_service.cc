// kafka-topics --zookeeper: Kafka's legacy path, which works on the cluster's znodes directly as
// Kafka's own tool did (AdminZkClient): a new topic is its config (/config/topics/<t>) and replica
// assignment (/brokers/topics/<t>), computed here from the live brokers; deletion is a marker in
// /admin/delete_topics; more partitions are a rewritten assignment. The controller watches those
// paths and does the rest (partition state, LeaderAndIsr, removing a deleted topic's data).
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <random>

#include "cli/topic_service.h"
#include "cluster/replica_assignment.h"
#include "cluster/topic_name.h"
#include "cluster/zk_layout.h"
#include "cluster/zk_session.h"
#include "server/config.h"
#include "server/config_provider.h"

namespace sluice::cli {
namespace {

namespace layout = cluster::zk_layout;
using cluster::zk_errc;

// Kafka's tool used a 30 s session and connection timeout.
constexpr std::chrono::milliseconds zookeeper_timeout{30000};

protocol::uuid random_topic_id() {
  std::random_device rd;
  protocol::uuid id;
  for (;;) {
    for (auto& b : id.value) b = static_cast<uint8_t>(rd());
    if (!id.is_zero()) return id;
  }
}

// Topic configs are checked as a broker checks them, against its defaults.
class topic_config_validator {
 public:
  static result<topic_config_validator> make() {
    std::vector<server::property> props{{"broker.id", "0", 0}, {"log.dirs", "/nonexistent", 0}};
    auto config = server::load_config(props, {}, [] { return std::string("localhost"); });
    if (!config) return fail(errc::internal, "broker defaults: " + config.message());
    return topic_config_validator(std::move(*config));
  }

  std::optional<std::string> check(const std::string& key, const std::string& value) const {
    return provider_->validate_topic_config(key, value);
  }

 private:
  explicit topic_config_validator(server::server_config config)
      : config_(std::make_unique<server::server_config>(std::move(config))),
        dynamic_(std::make_unique<server::dynamic_broker_config>(*config_)),
        provider_(std::make_unique<server::broker_config_provider>(*dynamic_)) {}
  std::unique_ptr<server::server_config> config_;
  std::unique_ptr<server::dynamic_broker_config> dynamic_;
  std::unique_ptr<server::broker_config_provider> provider_;
};

class zookeeper_topic_service final : public topic_service {
 public:
  zookeeper_topic_service(std::string connect, std::unique_ptr<cluster::zk_session> zk)
      : connect_(std::move(connect)), zk_(std::move(zk)) {}

  result<std::vector<std::string>> list_topics() override {
    auto names = children(layout::broker_topics);
    if (!names) return std::move(names).error();
    std::sort(names->begin(), names->end());
    return names;
  }

  result<std::vector<std::string>> marked_for_deletion() override {
    return children(layout::delete_topics);
  }

  result<item_error> create_topic(const new_topic& topic) override {
    auto refused = [&](rd_kafka_resp_err_t code, std::string message) {
      return item_error{topic.name, code, std::move(message)};
    };
    if (auto valid = cluster::validate_topic_name(topic.name); !valid) {
      return refused(RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, valid.message());
    }
    auto existing = list_topics();
    if (!existing) return std::move(existing).error();
    if (std::find(existing->begin(), existing->end(), topic.name) != existing->end()) {
      return refused(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                     fmt::format("Topic '{}' already exists.", topic.name));
    }
    if (cluster::has_collision_chars(topic.name)) {
      std::vector<std::string> colliding;
      for (const std::string& t : *existing) {
        if (cluster::unify_collision_chars(t) == cluster::unify_collision_chars(topic.name))
          colliding.push_back(t);
      }
      if (!colliding.empty()) {
        return refused(RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
                       fmt::format("Topic '{}' collides with existing topics: {}", topic.name,
                                   fmt::join(colliding, ", ")));
      }
    }

    cluster::config_map configs;
    if (!topic.configs.empty()) {
      auto validator = topic_config_validator::make();
      if (!validator) return std::move(validator).error();
      for (const auto& [key, value] : topic.configs) {
        if (auto why = validator->check(key, value))
          return refused(RD_KAFKA_RESP_ERR_INVALID_CONFIG, *why);
        configs[key] = value;
      }
    }

    layout::topic_assignment assignment;
    assignment.topic_id = random_topic_id();
    if (!topic.assignment.empty()) {
      for (size_t p = 0; p < topic.assignment.size(); ++p) {
        assignment.partitions[static_cast<int32_t>(p)] = topic.assignment[p];
      }
    } else {
      auto brokers = live_broker_infos();
      if (!brokers) return std::move(brokers).error();
      cluster::assignment_request request;
      request.partitions = topic.partitions;
      request.replication_factor = static_cast<int16_t>(topic.replication_factor);
      auto replicas = cluster::assign_replicas(std::move(*brokers), request);
      if (!replicas) {
        return refused(replicas.code() == cluster::errc::invalid_replication_factor
                           ? RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR
                           : RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
                       replicas.message());
      }
      for (size_t p = 0; p < replicas->size(); ++p) {
        assignment.partitions[static_cast<int32_t>(p)] = (*replicas)[p];
      }
    }

    // As Kafka's tool: the config first, so the controller finds it with the assignment.
    if (auto r =
            write(layout::topic_config_path(topic.name), layout::encode_entity_config(configs));
        !r)
      return std::move(r).error();
    auto created = zk_->create_recursive(layout::topic_path(topic.name),
                                         layout::encode_topic_assignment(assignment));
    if (!created) {
      if (created.code() == zk_errc::node_exists) {
        return refused(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                       fmt::format("Topic '{}' already exists.", topic.name));
      }
      return zk_failure(created, "create " + layout::topic_path(topic.name));
    }
    return item_error{topic.name, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
  }

  result<std::vector<item_error>> delete_topics(const std::vector<std::string>& names) override {
    std::vector<item_error> out;
    for (const std::string& name : names) {
      auto there = zk_->exists(layout::topic_path(name));
      if (!there) return zk_failure(there, "read " + layout::topic_path(name));
      if (!*there) {
        out.push_back({name, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                       fmt::format("Topic '{}' does not exist as expected", name)});
        continue;
      }
      // Marking a topic twice is harmless: it stays marked until the controller deletes it.
      auto marked = zk_->create_recursive(layout::delete_topic_path(name), "");
      if (!marked && marked.code() != zk_errc::node_exists) {
        return zk_failure(marked, "create " + layout::delete_topic_path(name));
      }
      out.push_back({name, RD_KAFKA_RESP_ERR_NO_ERROR, ""});
    }
    return out;
  }

  result<item_error> add_partitions(const std::string& topic, int32_t total,
                                    const std::vector<std::vector<int32_t>>& assign) override {
    auto refused = [&](rd_kafka_resp_err_t code, std::string message) {
      return item_error{topic, code, std::move(message)};
    };
    auto node = zk_->get(layout::topic_path(topic));
    if (!node) {
      if (node.code() == zk_errc::no_node) {
        return refused(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                       fmt::format("Topic '{}' does not exist as expected", topic));
      }
      return zk_failure(node, "read " + layout::topic_path(topic));
    }
    auto assignment = layout::decode_topic_assignment(node->data);
    if (!assignment) return fail(errc::broker, assignment.message());
    const auto existing = static_cast<int32_t>(assignment->partitions.size());
    if (total <= existing) {
      return refused(RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
                     fmt::format("The number of partitions for a topic can only be increased. "
                                 "Topic {} currently has {} partitions, {} would not be an "
                                 "increase.",
                                 topic, existing, total));
    }
    const int32_t added = total - existing;
    const auto& first = assignment->partitions.begin()->second;
    std::vector<std::vector<int32_t>> replicas;
    if (!assign.empty()) {
      if (static_cast<int32_t>(assign.size()) != added) {
        return refused(RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT,
                       fmt::format("Increasing the number of partitions by {} but {} assignments "
                                   "provided.",
                                   added, assign.size()));
      }
      for (const auto& r : assign) {
        if (r.size() != first.size()) {
          return refused(RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT,
                         fmt::format("Inconsistent replication factor between partitions, "
                                     "partition 0 has {} while partitions [{}] have replication "
                                     "factors [{}], respectively.",
                                     first.size(), existing, r.size()));
        }
      }
      auto live = live_brokers();
      if (!live) return std::move(live).error();
      std::vector<int32_t> unknown;
      for (const auto& r : assign) {
        for (int32_t b : r) {
          if (std::find(live->begin(), live->end(), b) == live->end() &&
              std::find(unknown.begin(), unknown.end(), b) == unknown.end())
            unknown.push_back(b);
        }
      }
      if (!unknown.empty()) {
        return refused(
            RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT,
            fmt::format("Unknown broker(s) in replica assignment: {}.", fmt::join(unknown, ", ")));
      }
      replicas = assign;
    } else {
      auto brokers = live_broker_infos();
      if (!brokers) return std::move(brokers).error();
      std::sort(brokers->begin(), brokers->end(),
                [](const auto& a, const auto& b) { return a.id < b.id; });
      cluster::assignment_request request;
      request.partitions = added;
      request.replication_factor = static_cast<int16_t>(first.size());
      request.first_partition = existing;
      // As Kafka: continue the round-robin from partition 0's preferred leader.
      request.start_index = 0;
      for (size_t i = 0; i < brokers->size(); ++i) {
        if (!first.empty() && (*brokers)[i].id >= first.front()) {
          request.start_index = static_cast<int32_t>(i);
          break;
        }
      }
      auto r = cluster::assign_replicas(std::move(*brokers), request);
      if (!r) {
        return refused(r.code() == cluster::errc::invalid_replication_factor
                           ? RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR
                           : RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
                       r.message());
      }
      replicas = std::move(*r);
    }
    for (int32_t i = 0; i < added; ++i) {
      assignment->partitions[existing + i] = replicas[static_cast<size_t>(i)];
    }
    auto written = zk_->set(layout::topic_path(topic), layout::encode_topic_assignment(*assignment),
                            node->stat.version);
    if (!written) {
      if (written.code() == zk_errc::bad_version) {
        return fail(errc::broker, fmt::format("Topic {} changed while adding partitions; try "
                                              "again",
                                              topic));
      }
      return zk_failure(written, "write " + layout::topic_path(topic));
    }
    return item_error{topic, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
  }

  result<std::vector<topic_description>> describe(const std::vector<std::string>& names) override {
    auto marked = marked_for_deletion();
    if (!marked) return std::move(marked).error();
    std::vector<topic_description> out;
    for (const std::string& name : names) {
      auto node = zk_->get(layout::topic_path(name));
      if (!node) {
        if (node.code() == zk_errc::no_node) continue;  // deleted meanwhile
        return zk_failure(node, "read " + layout::topic_path(name));
      }
      auto assignment = layout::decode_topic_assignment(node->data);
      if (!assignment) return fail(errc::broker, assignment.message());
      topic_description td;
      td.name = name;
      if (!assignment->topic_id.is_zero()) td.topic_id = assignment->topic_id.to_base64();
      td.internal = is_internal_topic(name);
      td.marked_for_deletion = std::find(marked->begin(), marked->end(), name) != marked->end();
      for (const auto& [p, replicas] : assignment->partitions) {
        partition_info pi;
        pi.id = p;
        pi.replicas = replicas;
        auto state = zk_->get(layout::partition_state_path(name, p));
        if (state) {
          auto decoded = layout::decode_partition_state(state->data);
          if (!decoded) return fail(errc::broker, decoded.message());
          pi.leader = decoded->leader;
          pi.isr = decoded->isr;
        } else if (state.code() != zk_errc::no_node) {
          return zk_failure(state, "read " + layout::partition_state_path(name, p));
        }
        td.partitions.push_back(std::move(pi));
      }
      auto config = zk_->get(layout::topic_config_path(name));
      if (config) {
        auto overrides = layout::decode_entity_config(config->data);
        if (!overrides) return fail(errc::broker, overrides.message());
        for (const auto& [key, value] : *overrides) {
          config_entry e;
          e.name = key;
          e.value = value;
          e.source = RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG;
          td.configs.push_back(std::move(e));
        }
      } else if (config.code() != zk_errc::no_node) {
        return zk_failure(config, "read " + layout::topic_config_path(name));
      }
      out.push_back(std::move(td));
    }
    return out;
  }

  result<std::vector<int32_t>> live_brokers() override {
    auto ids = children(layout::broker_ids);
    if (!ids) return std::move(ids).error();
    std::vector<int32_t> out;
    for (const std::string& id : *ids) {
      int32_t n = 0;
      auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
      if (ec == std::errc() && end == id.data() + id.size()) out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // A ZooKeeper failure as one line naming the ensemble.
  template <class T>
  failure<errc> zk_failure(const cluster::zk_result<T>& r, const std::string& what) const {
    if (r.code() == zk_errc::connection_loss || r.code() == zk_errc::session_expired) {
      return fail(errc::unreachable,
                  fmt::format("Lost the connection to ZooKeeper at {} ({})", connect_, what));
    }
    return fail(errc::broker, fmt::format("ZooKeeper: {} failed: {}", what, r.message()));
  }

  // Children of a path; a missing path (a cluster no broker has started on yet) has none.
  result<std::vector<std::string>> children(std::string_view path) {
    auto r = zk_->children(std::string(path));
    if (!r) {
      if (r.code() == zk_errc::no_node) return std::vector<std::string>{};
      return zk_failure(r, "list " + std::string(path));
    }
    return std::move(*r);
  }

  result<void> write(const std::string& path, const std::string& data) {
    auto set = zk_->set(path, data);
    if (set) return ok_v;
    if (set.code() != zk_errc::no_node) return zk_failure(set, "write " + path);
    auto created = zk_->create_recursive(path, data);
    if (!created && created.code() == zk_errc::node_exists) return write(path, data);
    if (!created) return zk_failure(created, "create " + path);
    return ok_v;
  }

  result<std::vector<cluster::assignable_broker>> live_broker_infos() {
    auto ids = live_brokers();
    if (!ids) return std::move(ids).error();
    std::vector<cluster::assignable_broker> out;
    for (int32_t id : *ids) {
      auto node = zk_->get(layout::broker_path(id));
      if (!node) {
        if (node.code() == zk_errc::no_node) continue;  // went away meanwhile
        return zk_failure(node, "read " + layout::broker_path(id));
      }
      auto info = layout::decode_broker(id, node->data);
      if (!info) return fail(errc::broker, info.message());
      out.push_back({id, info->rack});
    }
    return out;
  }

  std::string connect_;
  std::unique_ptr<cluster::zk_session> zk_;
};

}  // namespace

result<std::unique_ptr<cluster::zk_session>> connect_zookeeper(const std::string& connect) {
  // The cluster library logs through spdlog; a tool's stdout is its answer, so warnings and
  // errors (only) go to stderr.
  if (!spdlog::get("zookeeper")) {
    auto logger = spdlog::stderr_color_mt("zookeeper");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
  }

  cluster::zk_options options;
  options.connect = connect;
  options.session_timeout = zookeeper_timeout;
  options.connection_timeout = zookeeper_timeout;
  auto zk = cluster::zk_session::connect(options);
  if (!zk) {
    if (zk.code() == zk_errc::connection_loss || zk.code() == zk_errc::session_expired) {
      return fail(errc::unreachable, fmt::format("Could not reach ZooKeeper at {} within {} s",
                                                 connect, zookeeper_timeout.count() / 1000));
    }
    return fail(errc::invalid_input,
                fmt::format("ZooKeeper connection to {} failed: {}", connect, zk.message()));
  }
  return std::move(zk).value();
}

std::function<std::optional<std::string>(const std::string&, const std::string&)>
topic_config_checker() {
  auto validator = topic_config_validator::make();
  if (!validator) {
    std::string why = validator.message();
    return [why](const std::string&, const std::string&) { return std::optional(why); };
  }
  auto shared = std::make_shared<topic_config_validator>(std::move(*validator));
  return [shared](const std::string& key, const std::string& value) {
    return shared->check(key, value);
  };
}

result<std::unique_ptr<topic_service>> make_zookeeper_topic_service(const std::string& connect) {
  auto zk = connect_zookeeper(connect);
  if (!zk) return std::move(zk).error();
  std::unique_ptr<topic_service> svc =
      std::make_unique<zookeeper_topic_service>(connect, std::move(*zk));
  return svc;
}

}  // namespace sluice::cli
