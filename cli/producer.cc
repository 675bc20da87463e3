// The tools' producer: librdkafka with back-pressure, delivery callbacks and flushing.
#include "cli/producer.h"

#include <chrono>

namespace sluice::cli {

struct record_producer::state {
  std::function<void(const delivery&)> on_delivery;
};

namespace {
// One per queued record, freed by the delivery report.
struct in_flight {
  const std::function<void(const delivery&)>* on_delivery;  // lives in the producer's state
  std::chrono::steady_clock::time_point sent;
};
int64_t micros_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t)
      .count();
}
}  // namespace

record_producer::record_producer(record_producer&&) noexcept = default;
record_producer& record_producer::operator=(record_producer&&) noexcept = default;
record_producer::~record_producer() = default;

result<record_producer> record_producer::create(client_settings settings,
                                                std::function<void(const delivery&)> on_delivery) {
  settings.delivery_report = &record_producer::on_report;
  // Keys go to the partitions the Java producer (and so Kafka's tools) would choose.
  settings.properties.try_emplace("partitioner", "murmur2_random");
  auto client = kafka_client::create(client_kind::producer, settings);
  if (!client) return std::move(client).error();
  record_producer p;
  p.state_ = std::make_unique<state>();
  p.state_->on_delivery = std::move(on_delivery);
  p.client_ = std::make_unique<kafka_client>(std::move(*client));
  return p;
}

void record_producer::on_report(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  std::unique_ptr<in_flight> f(static_cast<in_flight*>(msg->_private));
  if (!f) return;
  delivery d;
  d.error = msg->err;
  if (msg->rkt != nullptr) d.topic = rd_kafka_topic_name(msg->rkt);
  d.partition = msg->partition;
  d.offset = msg->offset;
  if (msg->key != nullptr) d.key = std::string(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload != nullptr)
    d.value = std::string_view(static_cast<const char*>(msg->payload), msg->len);
  d.value_size = msg->len;
  d.latency_us = micros_since(f->sent);
  if (*f->on_delivery) (*f->on_delivery)(d);
}

result<void> record_producer::send(
    const std::string& topic, int32_t partition, const std::optional<std::string>& key,
    const std::optional<std::string>& value,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& headers,
    int64_t timestamp_ms) {
  for (;;) {
    auto flight = std::make_unique<in_flight>(
        in_flight{&state_->on_delivery, std::chrono::steady_clock::now()});
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs, k.data(), static_cast<ssize_t>(k.size()), v ? v->data() : nullptr,
                            v ? static_cast<ssize_t>(v->size()) : 0);
      }
    }
    // librdkafka's argument macros cast without parentheses: pass plain variables.
    const void* key_data = key ? key->data() : nullptr;
    size_t key_size = key ? key->size() : 0;
    void* value_data = value ? const_cast<char*>(value->data()) : nullptr;
    size_t value_size = value ? value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        client_->get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(value_data, value_size), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_OPAQUE(flight.get()), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      flight.release();  // owned by the delivery report now
      return ok_v;
    }
    if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);  // not taken on failure
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      poll(10);
      continue;
    }
    return fail(errc::broker, rd_kafka_err2str(err));
  }
}

void record_producer::poll(int timeout_ms) {
  rd_kafka_poll(client_->get(), timeout_ms);
}

bool record_producer::flush(deadline d) {
  while (rd_kafka_outq_len(client_->get()) > 0) {
    if (d.expired()) return false;
    rd_kafka_flush(client_->get(), d.remaining_ms(100));
  }
  rd_kafka_poll(client_->get(), 0);
  return true;
}

int record_producer::outstanding() const {
  return rd_kafka_outq_len(client_->get());
}

}  // namespace sluice::cli
