// Renders docs/configuration.md from the config catalogue (`sluiced --print-config-docs`).
// A unit test compares the committed file with this output, so the docs cannot drift.
#pragma once

#include <string>

namespace sluice::server {

std::string render_config_docs();

}  // namespace sluice::server
