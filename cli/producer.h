// A small synchronous-friendly layer over librdkafka's producer for the tools that write records
// (console producer, perf test, `sluice produce`): sending with back-pressure, delivery outcomes
// counted and reported, and flushing within a deadline.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/client.h"

namespace sluice::cli {

struct delivery {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::optional<std::string> key;
  std::optional<std::string_view> value;  // the sent bytes, valid during the callback only
  size_t value_size = 0;
  int64_t latency_us = 0;  // from send() to the delivery report
};

class record_producer {
 public:
  // `on_delivery` runs on the calling thread from send()/poll()/flush().
  static result<record_producer> create(client_settings settings,
                                        std::function<void(const delivery&)> on_delivery);
  record_producer(record_producer&&) noexcept;
  record_producer& operator=(record_producer&&) noexcept;
  ~record_producer();

  // Queues one record (waiting while librdkafka's queue is full). `partition` -1 lets the
  // partitioner choose. Headers with a null value are sent as null.
  result<void> send(
      const std::string& topic, int32_t partition, const std::optional<std::string>& key,
      const std::optional<std::string>& value,
      const std::vector<std::pair<std::string, std::optional<std::string>>>& headers = {},
      int64_t timestamp_ms = 0);
  void poll(int timeout_ms = 0);
  // Waits until every queued record is delivered or failed; false when `d` passed first.
  bool flush(deadline d);
  // Records queued but not yet reported.
  int outstanding() const;

  kafka_client& client() { return *client_; }

 private:
  record_producer() = default;
  struct state;
  static void on_report(rd_kafka_t*, const rd_kafka_message_t* msg, void*);
  std::unique_ptr<state> state_;
  std::unique_ptr<kafka_client> client_;  // after state_: destroyed first
};

}  // namespace sluice::cli
