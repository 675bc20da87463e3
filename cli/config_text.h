// kafka-configs' text: parsing --add-config ("k1=v1,k2=[v1,v2]") and printing config entries the
// way Kafka's ConfigCommand does ("  name=value sensitive=false synonyms={SOURCE:name=value}").
// Pure functions, unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/admin.h"
#include "cli/errors.h"

namespace sluice::cli {

// Splits "k1=v1,k2=[v1,v2],k3=v3" into pairs; brackets group values that contain commas and are
// removed. Fails (errc::usage) on an item without exactly one "key=value".
result<std::vector<std::pair<std::string, std::string>>> parse_add_config(std::string_view text);

// Kafka's name of a config source (DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...).
std::string_view config_source_name(int32_t source);

// "  name=value sensitive=false synonyms={SOURCE:name=value, ...}"
std::string format_config_entry(const config_entry& entry);

}  // namespace sluice::cli
