// JAAS configuration text as Kafka's JaasConfig reads a sasl.jaas.config value:
//   <LoginModuleClass> <flag> (<option>=<value>)* ;
// tokenized like java.io.StreamTokenizer in Kafka's set-up (words of letters, digits, '.', '-',
// '_', '$'; "..." and '...' strings with Java escapes; // and /* */ comments; a bare token
// starting with a digit is a number and is no value). Errors are errc::invalid_config with
// Kafka's IllegalArgumentException messages. Pure functions; any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "security/errc.h"

namespace sluice::security {

struct jaas_entry {
  std::string login_module;  // e.g. org.apache.kafka.common.security.plain.PlainLoginModule
  std::string control_flag;  // REQUIRED, REQUISITE, SUFFICIENT or OPTIONAL (upper case)
  std::map<std::string, std::string> options;
};

// Every entry of the text (at least one).
result<std::vector<jaas_entry>> parse_jaas_entries(std::string_view text);
// What a sasl.jaas.config property must be: exactly one entry (Kafka's JaasContext rule).
result<jaas_entry> parse_jaas_config(std::string_view text);

inline constexpr std::string_view plain_login_module =
    "org.apache.kafka.common.security.plain.PlainLoginModule";
inline constexpr std::string_view scram_login_module =
    "org.apache.kafka.common.security.scram.ScramLoginModule";
inline constexpr std::string_view oauthbearer_login_module =
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

}  // namespace sluice::security
