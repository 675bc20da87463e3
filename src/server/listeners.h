// Parsing of listeners, advertised.listeners, listener.security.protocol.map and
// metrics.listener. Pure functions; errors name the key and the offending entry.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.h"

namespace sluice::server {

using protocol_map = std::map<std::string, std::string>;

// NAME:PROTOCOL pairs; names and protocols upper-cased.
result<protocol_map> parse_protocol_map(std::string_view key, const config_list& entries);

// NAME://host:port entries (host may be empty or a bracketed IPv6 address), each name's protocol
// looked up in `protocols`. Names are unique; with `distinct_ports`, non-zero ports too.
result<std::vector<listener_config>> parse_listeners(std::string_view key,
                                                     const config_list& entries,
                                                     const protocol_map& protocols,
                                                     bool distinct_ports);

// http://host:port (host may be empty or a bracketed IPv6 address).
result<metrics_listener_config> parse_metrics_listener(std::string_view key,
                                                       std::string_view value);

}  // namespace sluice::server
