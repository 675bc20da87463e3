// The API table of docs/compatibility.md: every Kafka API the generated codec knows (Kafka 3.9's
// and 4.4's schemas merged), with the versions this broker serves — the handler table, which is
// also exactly what ApiVersions advertises. `sluiced --print-api-table` prints it; a unit test
// keeps the committed document in step.
#pragma once

#include <string>

namespace sluice::handlers {

// Markdown table rows (with header), one per API by ascending key.
std::string render_api_table();

}  // namespace sluice::handlers
