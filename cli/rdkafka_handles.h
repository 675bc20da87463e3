// RAII owners for librdkafka's C objects: one unique_ptr alias per object type, each with the
// matching destroy function. Plain aliases; ownership follows the unique_ptr.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>

namespace sluice::cli {

template <auto destroy>
struct rd_deleter {
  template <class T>
  void operator()(T* p) const {
    if (p != nullptr) destroy(p);
  }
};

using conf_ptr = std::unique_ptr<rd_kafka_conf_t, rd_deleter<rd_kafka_conf_destroy>>;
using topic_conf_ptr =
    std::unique_ptr<rd_kafka_topic_conf_t, rd_deleter<rd_kafka_topic_conf_destroy>>;
using queue_ptr = std::unique_ptr<rd_kafka_queue_t, rd_deleter<rd_kafka_queue_destroy>>;
using event_ptr = std::unique_ptr<rd_kafka_event_t, rd_deleter<rd_kafka_event_destroy>>;
using message_ptr = std::unique_ptr<rd_kafka_message_t, rd_deleter<rd_kafka_message_destroy>>;
using headers_ptr = std::unique_ptr<rd_kafka_headers_t, rd_deleter<rd_kafka_headers_destroy>>;
using error_ptr = std::unique_ptr<rd_kafka_error_t, rd_deleter<rd_kafka_error_destroy>>;
using metadata_ptr =
    std::unique_ptr<const rd_kafka_metadata_t, rd_deleter<rd_kafka_metadata_destroy>>;
using partition_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                           rd_deleter<rd_kafka_topic_partition_list_destroy>>;
using admin_options_ptr =
    std::unique_ptr<rd_kafka_AdminOptions_t, rd_deleter<rd_kafka_AdminOptions_destroy>>;
using new_topic_ptr = std::unique_ptr<rd_kafka_NewTopic_t, rd_deleter<rd_kafka_NewTopic_destroy>>;
using delete_topic_ptr =
    std::unique_ptr<rd_kafka_DeleteTopic_t, rd_deleter<rd_kafka_DeleteTopic_destroy>>;
using new_partitions_ptr =
    std::unique_ptr<rd_kafka_NewPartitions_t, rd_deleter<rd_kafka_NewPartitions_destroy>>;
using config_resource_ptr =
    std::unique_ptr<rd_kafka_ConfigResource_t, rd_deleter<rd_kafka_ConfigResource_destroy>>;
using delete_records_ptr =
    std::unique_ptr<rd_kafka_DeleteRecords_t, rd_deleter<rd_kafka_DeleteRecords_destroy>>;
using delete_group_ptr =
    std::unique_ptr<rd_kafka_DeleteGroup_t, rd_deleter<rd_kafka_DeleteGroup_destroy>>;
using list_group_offsets_ptr =
    std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t,
                    rd_deleter<rd_kafka_ListConsumerGroupOffsets_destroy>>;
using alter_group_offsets_ptr =
    std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t,
                    rd_deleter<rd_kafka_AlterConsumerGroupOffsets_destroy>>;
using delete_group_offsets_ptr =
    std::unique_ptr<rd_kafka_DeleteConsumerGroupOffsets_t,
                    rd_deleter<rd_kafka_DeleteConsumerGroupOffsets_destroy>>;

}  // namespace sluice::cli
