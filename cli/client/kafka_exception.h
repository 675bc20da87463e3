// kafka_exception: the exceptions Kafka's Admin client raises for broker error codes, as Kafka's
// tools print them — "org.apache.kafka.common.errors.<Class>: <message>", the message being the
// broker's own or, when it sent none, the code's default text (Kafka's Errors enum). Shared by the
// tools that talk to brokers over raw_connection. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::cli {

// "<class>: <message or the code's default message>", the class with its package.
std::string kafka_exception_text(int16_t code, const std::optional<std::string>& message);
// Just the exception's message: `message` when the broker sent one, else the code's default.
std::string kafka_exception_message(int16_t code, const std::optional<std::string>& message);

}  // namespace sluice::cli
