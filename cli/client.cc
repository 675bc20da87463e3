// The shared client layer: settings, one librdkafka handle, reachability and waiting with
// deadlines.
#include "cli/client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/java_security.h"

namespace sluice::cli {

std::string_view to_string(errc e) {
  switch (e) {
    case errc::usage:
      return "usage";
    case errc::invalid_input:
      return "invalid_input";
    case errc::io:
      return "io";
    case errc::unreachable:
      return "unreachable";
    case errc::timed_out:
      return "timed_out";
    case errc::broker:
      return "broker";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::unsupported:
      return "unsupported";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

std::string resolve_brokers(std::string_view flag, const property_map& settings) {
  if (!flag.empty()) return std::string(flag);
  if (const char* env = std::getenv("SLUICE_BROKERS"); env != nullptr && *env != '\0') return env;
  if (auto it = settings.find("bootstrap.servers"); it != settings.end() && !it->second.empty()) {
    return it->second;
  }
  return std::string(default_bootstrap);
}

int deadline::remaining_ms(int cap) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - clock::now()).count();
  if (left < 0) left = 0;
  return static_cast<int>(std::min<int64_t>(left, cap));
}

const topic_info* cluster_metadata::find(std::string_view topic) const {
  for (const topic_info& t : topics) {
    if (t.name == topic) return &t;
  }
  return nullptr;
}

struct kafka_client::state {
  std::string brokers;
  property_map properties;
  std::chrono::milliseconds timeout = default_timeout;
  bool verbose = false;
  bool all_brokers_down = false;
  std::string transport_reason;  // the latest connection failure, for the one-line report
};

namespace {

void on_error(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* st = static_cast<kafka_client::state*>(opaque);
  if (st == nullptr) return;
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    st->all_brokers_down = true;
  } else if (code == RD_KAFKA_RESP_ERR__TRANSPORT || code == RD_KAFKA_RESP_ERR__RESOLVE ||
             code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__SSL) {
    st->transport_reason = reason != nullptr ? reason : "";
  }
  if (st->verbose) std::fprintf(stderr, "librdkafka error: %s\n", reason ? reason : "");
}

void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  auto* st = static_cast<kafka_client::state*>(rd_kafka_opaque(rk));
  if (st != nullptr && st->verbose) std::fprintf(stderr, "%%%d|%s|%s\n", level, fac, buf);
}

// Java client settings librdkafka does not know, and what they become.
struct java_setting {
  std::string_view java;
  std::string_view librdkafka;  // empty: accepted and ignored (serializers, JVM-only knobs)
  int divide_by = 1;
};
constexpr java_setting java_settings[] = {
    {"key.serializer", ""},
    {"value.serializer", ""},
    {"key.deserializer", ""},
    {"value.deserializer", ""},
    {"partitioner.class", ""},
    {"interceptor.classes", ""},
    {"max.block.ms", ""},
    {"max.poll.records", ""},
    {"exclude.internal.topics", ""},
    {"default.api.timeout.ms", ""},
    {"buffer.memory", "queue.buffering.max.kbytes", 1024},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
};

}  // namespace

kafka_client::kafka_client(client_kind kind, std::unique_ptr<state> st)
    : kind_(kind), state_(std::move(st)) {}
kafka_client::kafka_client(kafka_client&&) noexcept = default;
kafka_client& kafka_client::operator=(kafka_client&&) noexcept = default;

kafka_client::~kafka_client() {
  if (handle_ && kind_ == client_kind::consumer) rd_kafka_consumer_close(handle_.get());
}

rd_kafka_t* kafka_client::get() const {
  return handle_.get();
}
const std::string& kafka_client::brokers() const {
  return state_->brokers;
}
const property_map& kafka_client::properties() const {
  return state_->properties;
}
std::chrono::milliseconds kafka_client::timeout() const {
  return state_->timeout;
}

result<kafka_client> kafka_client::create(client_kind kind, const client_settings& settings,
                                          std::vector<std::string>* warnings) {
  auto st = std::make_unique<state>();
  st->brokers = settings.brokers;
  st->properties = settings.properties;
  st->timeout = settings.timeout;
  st->verbose = settings.verbose;
  if (auto it = settings.properties.find("default.api.timeout.ms");
      it != settings.properties.end()) {
    st->timeout = std::chrono::milliseconds(std::atoll(it->second.c_str()));
  }

  conf_ptr conf(rd_kafka_conf_new());
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) -> result<void> {
    rd_kafka_conf_res_t res =
        rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr);
    if (res == RD_KAFKA_CONF_OK) return ok_v;
    if (res == RD_KAFKA_CONF_INVALID) {
      return fail(errc::invalid_input,
                  fmt::format("Invalid value {} for configuration {}: {}", value, key, errstr));
    }
    for (const java_setting& js : java_settings) {
      if (js.java != key) continue;
      if (js.librdkafka.empty()) return ok_v;
      std::string mapped = value;
      if (js.divide_by > 1) {
        mapped = std::to_string(std::max<long long>(1, std::atoll(value.c_str()) / js.divide_by));
      }
      if (rd_kafka_conf_set(conf.get(), std::string(js.librdkafka).c_str(), mapped.c_str(), errstr,
                            sizeof errstr) != RD_KAFKA_CONF_OK) {
        return fail(errc::invalid_input,
                    fmt::format("Invalid value {} for configuration {}: {}", value, key, errstr));
      }
      return ok_v;
    }
    std::string warning =
        fmt::format("WARN The configuration '{}' was supplied but isn't a known config.", key);
    if (warnings != nullptr) {
      warnings->push_back(std::move(warning));
    } else {
      std::fprintf(stderr, "%s\n", warning.c_str());
    }
    return ok_v;
  };

  // Quiet by default: the tools report failures themselves, in one line.
  rd_kafka_conf_set_log_cb(conf.get(), on_log);
  rd_kafka_conf_set_error_cb(conf.get(), on_error);
  rd_kafka_conf_set_opaque(conf.get(), st.get());
  if (settings.delivery_report != nullptr) {
    rd_kafka_conf_set_dr_msg_cb(conf.get(), settings.delivery_report);
  }
  if (settings.rebalance != nullptr) rd_kafka_conf_set_rebalance_cb(conf.get(), settings.rebalance);
  if (auto r = set("log.connection.close", "false"); !r) return std::move(r).error();
  if (kind == client_kind::consumer) {
    if (auto r = set("enable.partition.eof", "false"); !r) return std::move(r).error();
  }
  if (kind == client_kind::admin) {
    // Offset look-ups on an admin handle (query_watermark_offsets, offsets_for_times) send
    // librdkafka's isolation.level, read_committed by default, and would report the last stable
    // offset as the end of a log. Kafka's Admin client asks for read_uncommitted unless told.
    if (auto r = set("isolation.level", "read_uncommitted"); !r) return std::move(r).error();
  }
  if (!settings.client_id.empty()) {
    if (auto r = set("client.id", settings.client_id); !r) return std::move(r).error();
  }
  property_map properties = settings.properties;
  if (auto r = translate_java_security(properties); !r) return std::move(r).error();
  for (const auto& [key, value] : properties) {
    if (key == "bootstrap.servers") continue;
    if (auto r = set(key, value); !r) return std::move(r).error();
  }
  if (auto r = set("bootstrap.servers", settings.brokers); !r) return std::move(r).error();

  rd_kafka_type_t type = kind == client_kind::consumer ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER;
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) return fail(errc::invalid_input, errstr);
  conf.release();  // rd_kafka_new took ownership
  kafka_client client(kind, std::move(st));
  client.handle_.reset(rk);
  return client;
}

void kafka_client::poll() {
  if (handle_) rd_kafka_poll(handle_.get(), 0);
}

std::optional<std::string> kafka_client::unreachable_reason() const {
  if (!state_->all_brokers_down) return std::nullopt;
  // librdkafka writes "host:port/bootstrap: Connect to ipv4#1.2.3.4:9092 failed: Connection
  // refused (after 0ms in state CONNECT)"; keep the reason itself.
  std::string why = state_->transport_reason;
  if (size_t p = why.find(" failed: "); p != std::string::npos) {
    why = why.substr(p + 9);
  } else if (size_t q = why.find(": "); q != std::string::npos && why.find('/') < q) {
    why = why.substr(q + 2);
  }
  if (size_t a = why.find(" (after "); a != std::string::npos) why = why.substr(0, a);
  if (why.empty()) why = "all brokers are down";
  return fmt::format("Could not reach any broker at {}: {}", state_->brokers, why);
}

result<void> kafka_client::connect(deadline d) {
  for (;;) {
    const rd_kafka_metadata_t* md = nullptr;
    int slice = std::max(1, d.remaining_ms(250));
    rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 0, nullptr, &md, slice);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      state_->all_brokers_down = false;
      return ok_v;
    }
    poll();
    if (auto why = unreachable_reason()) return fail(errc::unreachable, *why);
    if (d.expired()) {
      return fail(errc::timed_out,
                  fmt::format("Timed out after {} ms waiting for a broker at {} to answer",
                              timeout().count(), state_->brokers));
    }
  }
}

result<cluster_metadata> kafka_client::metadata(deadline d, const std::string* topic) {
  if (auto r = connect(d); !r) return std::move(r).error();
  std::unique_ptr<rd_kafka_topic_t, rd_deleter<rd_kafka_topic_destroy>> rkt;
  if (topic != nullptr) rkt.reset(rd_kafka_topic_new(handle_.get(), topic->c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), topic == nullptr ? 1 : 0, rkt.get(),
                                              &raw, std::max(1, d.remaining_ms()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (auto why = unreachable_reason()) return fail(errc::unreachable, *why);
    return fail(err == RD_KAFKA_RESP_ERR__TIMED_OUT ? errc::timed_out : errc::broker,
                fmt::format("Metadata request failed: {}", rd_kafka_err2str(err)));
  }
  metadata_ptr md(raw);
  cluster_metadata out;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    topic_info ti{t.topic, t.err, {}};
    for (int p = 0; p < t.partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& mp = t.partitions[p];
      partition_info pi;
      pi.id = mp.id;
      pi.leader = mp.leader;
      pi.error = mp.err;
      pi.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      pi.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      ti.partitions.push_back(std::move(pi));
    }
    std::sort(ti.partitions.begin(), ti.partitions.end(),
              [](const partition_info& a, const partition_info& b) { return a.id < b.id; });
    out.topics.push_back(std::move(ti));
  }
  std::sort(out.brokers.begin(), out.brokers.end(),
            [](const broker_info& a, const broker_info& b) { return a.id < b.id; });
  std::sort(out.topics.begin(), out.topics.end(),
            [](const topic_info& a, const topic_info& b) { return a.name < b.name; });
  out.controller_id = rd_kafka_controllerid(handle_.get(), std::max(1, d.remaining_ms(2000)));
  if (char* id = rd_kafka_clusterid(handle_.get(), std::max(1, d.remaining_ms(2000)))) {
    out.cluster_id = id;
    rd_kafka_mem_free(handle_.get(), id);
  }
  return out;
}

result<event_ptr> kafka_client::wait_event(rd_kafka_queue_t* queue, deadline d,
                                           std::string_view what) {
  for (;;) {
    event_ptr ev(rd_kafka_queue_poll(queue, std::max(1, d.remaining_ms(100))));
    if (ev) return ev;
    poll();
    if (auto why = unreachable_reason()) return fail(errc::unreachable, *why);
    if (d.expired()) {
      return fail(errc::timed_out,
                  fmt::format("Timed out waiting for a node assignment. Call: {}", what));
    }
  }
}

admin_options_ptr kafka_client::admin_options(rd_kafka_admin_op_t op, deadline d) const {
  admin_options_ptr opts(rd_kafka_AdminOptions_new(handle_.get(), op));
  char errstr[256];
  int ms = std::max(1, d.remaining_ms());
  rd_kafka_AdminOptions_set_request_timeout(opts.get(), ms, errstr, sizeof errstr);
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS ||
      op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS || op == RD_KAFKA_ADMIN_OP_DELETERECORDS) {
    rd_kafka_AdminOptions_set_operation_timeout(opts.get(), ms, errstr, sizeof errstr);
  }
  return opts;
}

std::string error_text(rd_kafka_resp_err_t err) {
  return rd_kafka_err2str(err);
}

std::string kafka_error_message(rd_kafka_resp_err_t err, std::string_view broker_message,
                                std::string_view subject) {
  // librdkafka fills in its own text when the broker sent none; prefer Kafka's wording then.
  if (!broker_message.empty() && broker_message != rd_kafka_err2str(err)) {
    return std::string(broker_message);
  }
  switch (err) {
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      if (!subject.empty()) return fmt::format("Topic '{}' already exists.", subject);
      return "Topic with this name already exists.";
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return "This server does not host this topic-partition.";
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
      return "Number of partitions is below 1.";
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
      return "Replication factor is below 1 or larger than the number of available brokers.";
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return "The request attempted to perform an operation on an invalid topic.";
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return "Configuration is invalid.";
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
      return "The group id does not exist.";
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
      return "The coordinator is loading and hence can't process requests.";
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
      return "The coordinator is not available.";
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
      return "This is not the correct coordinator.";
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
      return "The group is not empty.";
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
      return "This is not the correct controller for this cluster.";
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
      return "The version of API is not supported.";
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return "The requested offset is not within the range of offsets maintained by the server.";
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return "Request parameters do not satisfy the configured policy.";
    case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED:
      return "Topic deletion is disabled.";
    default:
      return rd_kafka_err2str(err);
  }
}

}  // namespace sluice::cli
