// Sections of the configuration catalogue kept in files of their own, so that config_catalogue.cc
// stays small and subsystems with many keys (security) own theirs. build_catalogue() calls them
// in docs order. Internal to server/; called once, when the catalogue is first built.
#pragma once

#include <vector>

#include "server/config_catalogue.h"

namespace sluice::server {

// "SSL": the ssl.* keys (issue #13), each also settable per listener as
// listener.name.<listener>.ssl.*.
void add_ssl_keys(std::vector<config_key>& keys);

}  // namespace sluice::server
