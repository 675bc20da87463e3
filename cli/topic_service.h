// What kafka-topics needs from a cluster, behind one interface, so that the --bootstrap-server path
// (the Admin API, here) and the --zookeeper path (the cluster mode of issue #7: znodes written as
// Kafka's tool wrote them) share the command's parsing and output.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/admin.h"
#include "cli/client.h"
#include "cluster/zk_session.h"

namespace sluice::cli {

struct topic_description {
  std::string name;
  std::string topic_id;  // Kafka's base64 form; empty when unknown (then not printed)
  std::vector<partition_info> partitions;
  std::vector<config_entry> configs;  // every config of the topic, defaults included
  bool internal = false;
  bool marked_for_deletion = false;
};

class topic_service {
 public:
  virtual ~topic_service() = default;
  // Every topic name, internal ones included, sorted.
  virtual result<std::vector<std::string>> list_topics() = 0;
  virtual result<item_error> create_topic(const new_topic& topic) = 0;
  virtual result<std::vector<item_error>> delete_topics(const std::vector<std::string>& names) = 0;
  virtual result<item_error> add_partitions(const std::string& topic, int32_t total,
                                            const std::vector<std::vector<int32_t>>& assign) = 0;
  virtual result<std::vector<topic_description>> describe(
      const std::vector<std::string>& names) = 0;
  // The ids of brokers that are alive (to spot partitions whose leader is gone).
  virtual result<std::vector<int32_t>> live_brokers() = 0;
  // Topics whose deletion is requested but not finished (only the ZooKeeper path sees them).
  virtual result<std::vector<std::string>> marked_for_deletion() {
    return std::vector<std::string>{};
  }
};

// The Admin API (librdkafka) implementation.
result<std::unique_ptr<topic_service>> make_admin_topic_service(const client_settings& settings);

// The ZooKeeper implementation (kafka-topics --zookeeper host:port[,...][/chroot], Kafka's legacy
// path): reads and writes the znodes Kafka's tool did; the cluster's controller acts on them.
result<std::unique_ptr<topic_service>> make_zookeeper_topic_service(const std::string& connect);

// The session a --zookeeper tool works through (Kafka's tools used 30 s timeouts); the cluster
// library's log lines go to stderr, warnings and errors only.
result<std::unique_ptr<cluster::zk_session>> connect_zookeeper(const std::string& connect);

// Checks a topic config as a broker with default settings would: a message when `key=value` is
// not valid, else nullopt.
std::function<std::optional<std::string>(const std::string&, const std::string&)>
topic_config_checker();

bool is_internal_topic(std::string_view name);

}  // namespace sluice::cli
