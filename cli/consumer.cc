// The tools' consumer: librdkafka's high-level consumer in group or assign mode.
#include "cli/consumer.h"

#include <fmt/format.h>

#include <thread>

#include "cli/topic_service.h"

namespace sluice::cli {

result<record_consumer> record_consumer::create(const client_settings& settings) {
  auto client = kafka_client::create(client_kind::consumer, settings);
  if (!client) return std::move(client).error();
  record_consumer c;
  c.client_ = std::make_unique<kafka_client>(std::move(*client));
  return c;
}

result<void> record_consumer::subscribe(const std::vector<std::string>& topics) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(client_->get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(errc::broker, rd_kafka_err2str(err));
  return ok_v;
}

result<std::vector<std::pair<std::string, int32_t>>> record_consumer::partitions_of(
    const std::vector<std::string>& topics, const std::optional<std::regex>& pattern, deadline d) {
  for (;;) {
    auto md = client_->metadata(d);
    if (!md) return std::move(md).error();
    std::vector<std::pair<std::string, int32_t>> out;
    bool missing = false;
    for (const std::string& t : topics) {
      const topic_info* ti = md->find(t);
      if (ti == nullptr || ti->error != RD_KAFKA_RESP_ERR_NO_ERROR || ti->partitions.empty()) {
        missing = true;
        continue;
      }
      for (const partition_info& p : ti->partitions) out.emplace_back(t, p.id);
    }
    if (pattern) {
      for (const topic_info& ti : md->topics) {
        if (is_internal_topic(ti.name) || !std::regex_match(ti.name, *pattern)) continue;
        for (const partition_info& p : ti.partitions) out.emplace_back(ti.name, p.id);
      }
      missing = out.empty();
    }
    if (!missing) return out;
    if (d.expired()) {
      return fail(errc::not_found, topics.empty()
                                       ? "No topic matches the pattern"
                                       : fmt::format("Topic '{}' does not exist", topics.front()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

result<void> record_consumer::assign(const std::vector<std::pair<std::string, int32_t>>& partitions,
                                     start_position start, deadline d) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& [topic, partition] : partitions) {
    rd_kafka_topic_partition_t* tp =
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    switch (start.at) {
      case start_position::kind::beginning:
        tp->offset = RD_KAFKA_OFFSET_BEGINNING;
        break;
      case start_position::kind::end:
        tp->offset = RD_KAFKA_OFFSET_END;
        break;
      case start_position::kind::stored:
        tp->offset = RD_KAFKA_OFFSET_STORED;
        break;
      case start_position::kind::offset:
        tp->offset = start.value;
        break;
      case start_position::kind::timestamp:
        tp->offset = start.value;
        break;
    }
  }
  if (start.at == start_position::kind::timestamp) {
    rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(client_->get(), list.get(), std::max(1, d.remaining_ms()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fail(errc::broker,
                  fmt::format("Looking up offsets by time failed: {}", rd_kafka_err2str(err)));
    }
    // A partition with nothing at or after the time starts at its end.
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].offset < 0) list->elems[i].offset = RD_KAFKA_OFFSET_END;
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(client_->get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(errc::broker, rd_kafka_err2str(err));
  return ok_v;
}

result<void> record_consumer::assign_offsets(const std::vector<partition_offset>& partitions) {
  partition_list_ptr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const partition_offset& p : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(client_->get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(errc::broker, rd_kafka_err2str(err));
  return ok_v;
}

message_ptr record_consumer::poll(int timeout_ms) {
  client_->poll();
  return message_ptr(rd_kafka_consumer_poll(client_->get(), timeout_ms));
}

void record_consumer::commit() {
  rd_kafka_commit(client_->get(), nullptr, 0);
}

console_record to_console_record(const rd_kafka_message_t& msg) {
  console_record r;
  if (msg.rkt != nullptr) r.topic = rd_kafka_topic_name(msg.rkt);
  r.partition = msg.partition;
  r.offset = msg.offset;
  rd_kafka_timestamp_type_t tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp = rd_kafka_message_timestamp(&msg, &tstype);
  r.timestamp_type = tstype == RD_KAFKA_TIMESTAMP_CREATE_TIME ? console_record::ts_kind::create_time
                     : tstype == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME
                         ? console_record::ts_kind::log_append_time
                         : console_record::ts_kind::none;
  if (msg.key != nullptr) r.key = std::string(static_cast<const char*>(msg.key), msg.key_len);
  if (msg.payload != nullptr) {
    r.value = std::string(static_cast<const char*>(msg.payload), msg.len);
  }
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(&msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      r.headers.emplace_back(name, value == nullptr ? std::nullopt
                                                    : std::optional<std::string>(std::string(
                                                          static_cast<const char*>(value), size)));
    }
  }
  return r;
}

}  // namespace sluice::cli
