// The shared client layer of the command-line tools: where the brokers are, client settings from
// flags and files, one librdkafka handle per tool run, and the rule that an unreachable cluster is
// reported in one line within the timeout instead of hanging.
//
// kafka_client owns one rd_kafka_t (producer, consumer or admin use) and the state its callbacks
// write to (errors, logs). Single-threaded use: the tool's main thread calls it; librdkafka's
// callbacks run from rd_kafka_poll on that same thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/errors.h"
#include "cli/properties.h"
#include "cli/rdkafka_handles.h"

namespace sluice::cli {

inline constexpr std::string_view default_bootstrap = "localhost:9092";
inline constexpr std::chrono::milliseconds default_timeout{30000};

// The broker list to use: the flag when given, else $SLUICE_BROKERS, else `bootstrap.servers`
// from the client settings, else localhost:9092.
std::string resolve_brokers(std::string_view flag, const property_map& settings = {});

// A point in time an operation must finish by.
class deadline {
 public:
  using clock = std::chrono::steady_clock;
  static deadline after(std::chrono::milliseconds d) { return deadline(clock::now() + d); }
  explicit deadline(clock::time_point at) : at_(at) {}
  bool expired() const { return clock::now() >= at_; }
  // Milliseconds left, at least 0, at most `cap`.
  int remaining_ms(int cap = 1 << 30) const;
  clock::time_point at() const { return at_; }

 private:
  clock::time_point at_;
};

enum class client_kind { producer, consumer, admin };

struct client_settings {
  std::string brokers = std::string(default_bootstrap);
  property_map properties;  // user settings: librdkafka names, or Java client names mapped over
  std::chrono::milliseconds timeout = default_timeout;
  std::string client_id;  // used when properties hold no client.id
  bool verbose = false;   // pass librdkafka's own log lines through to stderr
  // Producer delivery reports (served by rd_kafka_poll/flush); the message's opaque is the
  // pointer given to produce().
  void (*delivery_report)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr;
  // Consumer group rebalances; nullptr lets librdkafka assign on its own.
  void (*rebalance)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*,
                    void*) = nullptr;
};

// A plain copy of cluster metadata (brokers, topics, partitions), sorted by id/name.
struct partition_info {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
};
struct topic_info {
  std::string name;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::vector<partition_info> partitions;
};
struct broker_info {
  int32_t id = 0;
  std::string host;
  int port = 0;
};
struct cluster_metadata {
  std::vector<broker_info> brokers;
  std::vector<topic_info> topics;
  int32_t controller_id = -1;
  std::string cluster_id;
  const topic_info* find(std::string_view topic) const;
};

class kafka_client {
 public:
  // Creates the handle. Unknown settings are reported in `warnings` (Kafka's wording), or printed
  // to stderr when `warnings` is null; settings librdkafka rejects fail with errc::invalid_input.
  static result<kafka_client> create(client_kind kind, const client_settings& settings,
                                     std::vector<std::string>* warnings = nullptr);

  kafka_client(kafka_client&&) noexcept;
  kafka_client& operator=(kafka_client&&) noexcept;
  ~kafka_client();

  rd_kafka_t* get() const;
  client_kind kind() const { return kind_; }
  const std::string& brokers() const;
  // The user's client settings (as given: Java names not yet translated), for the tools'
  // raw-protocol connections to secure themselves the same way (raw_connection).
  const property_map& properties() const;
  std::chrono::milliseconds timeout() const;
  deadline make_deadline() const { return deadline::after(timeout()); }

  // Waits until a broker answers a metadata request, or fails (unreachable / timed_out).
  result<void> connect(deadline d);
  // Cluster metadata: every topic, or just `topic`. Waits for a broker like connect().
  result<cluster_metadata> metadata(deadline d, const std::string* topic = nullptr);

  // Serves librdkafka callbacks (errors, logs) without blocking.
  void poll();
  // Set once every broker is down (connection refused, name not resolved, ...): why, in one line.
  std::optional<std::string> unreachable_reason() const;

  // Waits for the result event of an admin request on `queue`; fails early when the cluster is
  // unreachable and with timed_out at the deadline. `what` names the request in messages.
  result<event_ptr> wait_event(rd_kafka_queue_t* queue, deadline d, std::string_view what);

  // Admin options for `op`, with request/operation timeouts set from `d`.
  admin_options_ptr admin_options(rd_kafka_admin_op_t op, deadline d) const;

  struct state;  // what librdkafka's callbacks record (defined in client.cc)

 private:
  kafka_client(client_kind kind, std::unique_ptr<state> st);
  client_kind kind_ = client_kind::admin;
  std::unique_ptr<state> state_;  // declared first: outlives the handle whose callbacks use it
  std::unique_ptr<rd_kafka_t, rd_deleter<rd_kafka_destroy>> handle_;
};

// A one-line description of a librdkafka error code (its own text, e.g. "Broker: Unknown topic").
std::string error_text(rd_kafka_resp_err_t err);
// Kafka's exception text for broker error codes the tools print (TopicExistsException wording and
// the like), falling back to librdkafka's text.
std::string kafka_error_message(rd_kafka_resp_err_t err, std::string_view broker_message,
                                std::string_view subject = {});

}  // namespace sluice::cli
