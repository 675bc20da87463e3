// The tools of issue #6 still being written: each says so and fails, so scripts get a clear answer.
#include <cstdio>

#include "cli/tools.h"

namespace sluice::cli {
namespace {
int pending(const char* name) {
  std::fprintf(stderr, "%s: not built yet in this version of Sluice (issue #6)\n", name);
  return 1;
}
}  // namespace

int kafka_configs_main(const args_t&) {
  return pending("kafka-configs");
}
int sluice_main(const args_t&) {
  return pending("sluice");
}

}  // namespace sluice::cli
