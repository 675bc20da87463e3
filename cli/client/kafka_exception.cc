// Kafka's exception classes and default messages for the error codes the tools meet.
#include "cli/client/kafka_exception.h"

#include <fmt/format.h>

#include <string_view>

namespace sluice::cli {
namespace {

struct known_error {
  int16_t code;
  std::string_view exception;
  std::string_view message;  // Kafka's Errors default message
};

constexpr known_error known_errors[] = {
    {-1, "UnknownServerException",
     "The server experienced an unexpected error when processing the request."},
    {3, "UnknownTopicOrPartitionException", "This server does not host this topic-partition."},
    {7, "TimeoutException", "The request timed out."},
    {9, "ReplicaNotAvailableException",
     "The replica is not available for the requested topic-partition. Produce/Fetch requests and "
     "other requests intended only for the leader or follower return NOT_LEADER_OR_FOLLOWER if "
     "the broker is not a replica of the topic-partition."},
    {17, "InvalidTopicException",
     "The request attempted to perform an operation on an invalid topic."},
    {29, "TopicAuthorizationException", "Topic authorization failed."},
    {30, "GroupAuthorizationException", "Group authorization failed."},
    {31, "ClusterAuthorizationException", "Cluster authorization failed."},
    {35, "UnsupportedVersionException", "The version of API is not supported."},
    {38, "InvalidReplicationFactorException",
     "Replication factor is below 1 or larger than the number of available brokers."},
    {39, "InvalidReplicaAssignmentException", "Replica assignment is invalid."},
    {40, "InvalidConfigurationException", "Configuration is invalid."},
    {41, "NotControllerException", "This is not the correct controller for this cluster."},
    {42, "InvalidRequestException",
     "This most likely occurs because of a request being malformed by the client library or the "
     "message was sent to an incompatible broker. See the broker logs for more details."},
    {53, "TransactionalIdAuthorizationException", "Transactional Id authorization failed."},
    {54, "SecurityDisabledException", "Security features are disabled."},
    {56, "KafkaStorageException", "Disk error when trying to access log file on the disk."},
    {57, "LogDirNotFoundException",
     "The user-specified log directory is not found in the broker config."},
    {60, "ReassignmentInProgressException", "A partition reassignment is in progress."},
    {85, "NoReassignmentInProgressException", "No partition reassignment is in progress."},
};

const known_error* find_known(int16_t code) {
  for (const auto& k : known_errors)
    if (k.code == code) return &k;
  return nullptr;
}

bool has_text(const std::optional<std::string>& message) {
  return message && !message->empty();
}

}  // namespace

std::string kafka_exception_text(int16_t code, const std::optional<std::string>& message) {
  if (const known_error* k = find_known(code))
    return fmt::format("org.apache.kafka.common.errors.{}: {}", k->exception,
                       has_text(message) ? *message : std::string(k->message));
  return fmt::format("org.apache.kafka.common.errors.ApiException: error code {}{}", code,
                     has_text(message) ? ": " + *message : "");
}

std::string kafka_exception_message(int16_t code, const std::optional<std::string>& message) {
  if (has_text(message)) return *message;
  if (const known_error* k = find_known(code)) return std::string(k->message);
  return fmt::format("error code {}", code);
}

}  // namespace sluice::cli
